"""Opt-out spikes: a rule whose contacts opt out too often after its sends is flagged with
an alarm once per spike, and switched off when the workspace says so.

Checked at the enqueue tick, before it enrolls anyone: the counters are kept by the stats
stream in batches, so the check reads one range of day rows for all rules once per tick
instead of after every counter flush, and a pause made here already keeps this tick's
enrollments out. Switched off means what an admin's toggle means: nothing new is queued,
running sequences are held, and turning the rule on again resumes them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from followup.services.ports import RuleError, RuleHead
from followup.services.stats import opt_out_spike, totals

if TYPE_CHECKING:
    from followup.services.deps import Deps

WINDOW = timedelta(days=7)
"""The sends judged: the last seven days, as the stats show by default."""
PAUSED = "opt-out spike"
"""How the note on a rule the check flagged (and switched off, when it did) begins."""


def check(deps: Deps, heads: list[RuleHead], now: datetime) -> tuple[list[str], list[RuleHead]]:
    """The active rules whose opt-out rate has just gone past the threshold, and the heads
    as they stand after noting each on its rule and switching it off (when the workspace
    says so).

    A flagged rule is judged on the days after its note, so one spike raises the alarm
    once, and a rule switched on again is not paused again at once for the same spike.
    """
    review = deps.catalog.settings().review
    today = now.date()
    rows = deps.stats.stats(today - WINDOW + timedelta(days=1), today)
    spiking: list[str] = []
    result: list[RuleHead] = []
    for head in heads:
        since = _judged_since(head)
        days = [row for row in rows if row.rule_id == head.rule_id and row.day >= since]
        row = totals(days).get(head.rule_id)
        if not head.active or row is None or not opt_out_spike(row, review):
            result.append(head)
            continue
        spiking.append(head.rule_id)
        rate = f"{row.opt_out_rate:.1%} of {row.sent} sends"
        pause = review.pause_on_opt_out_spike
        done = "switched off automatically" if pause else "left on (automatic pause is off)"
        note = RuleError(now, f"{PAUSED}: {rate} opted out; {done}")
        if pause:
            deps.rules.set_active(head.rule_id, False)
        deps.rules.note_rule_error(head.rule_id, note)
        result.append(replace(head, active=head.active and not pause, last_error=note))
    if spiking and review.pause_on_opt_out_spike:
        deps.catalog.invalidate()
    return spiking, result


def _judged_since(head: RuleHead) -> date:
    error = head.last_error
    if error is not None and error.message.startswith(PAUSED):
        return error.at.date() + timedelta(days=1)
    return date.min


def kept(head: RuleHead) -> bool:
    """Whether the rule's note is this check's: kept while the rule runs clean."""
    return head.last_error is not None and head.last_error.message.startswith(PAUSED)
