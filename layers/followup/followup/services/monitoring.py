"""Per-journey and per-step counters: which stats items a change bumps, and by how much.

A commit writes no counter: it stamps each follow-up and enrollment copy with its UTC day,
and the stats function adds what the change bumps from the tables' streams, on that day
(an outcome of a send on the send's day: `outcome_day`), a batch of records at a time
(services.stats_stream). The commit only refuses a change
whose counters the stats table could not hold (a batch holding it would fail on every
retry); the in-memory store (adapters.memory) adds them as it commits. A change bumps
up to four kinds of item per rule:
- the rule's day (the counters of the commit's day, plus enrollments entered, completed
  and exited);
- a step's day (`step#<day>#v<version>#s<index>`): the same, for one step of one version;
- the rule's gauge (`live`) and a step's gauge (`live#v<version>#s<index>`): `active`,
  the enrollments in it now, +1 when one arrives and -1 when it leaves or ends.
Gauges are not per day: the sum of every move since the first is the count now.

A follow-up also moves the `now_<status>` gauges of the rule's day it is to be sent on
(`status_gauges`): the follow-ups of that day by their status now.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date
from typing import TYPE_CHECKING

from followup.domain.channels import NO_CHANNEL
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Reason, Status
from followup.services.ports import (
    Change,
    Conversion,
    EnrollmentChange,
    FollowUpChange,
    NewEnrollment,
    NewFollowUp,
    StepDay,
)
from followup.services.stats import counters_for, took_over

if TYPE_CHECKING:
    from followup.domain.costs import Pricing

LIVE = "live"
STEP = "step#"

EXIT_KINDS = (
    "goal",
    "exit",
    "replied",
    "opted_out",
    "closed",
    "gated",
    "unreachable",
    "error",
    "other",
)
"""Why enrollments exited, each counted as `exited_<kind>` beside the total `exited`.
`unreachable`: no channel of a step could reach the lead (no address there, stopped,
bounced, not set up); counted as `other` before it had a counter of its own."""

ENROLLMENT_COUNTERS = (
    "entered",
    "completed",
    "exited",
    *(f"exited_{kind}" for kind in EXIT_KINDS),
    "errors",
)
"""`errors` counts enrollments an error ended and sends that failed after going out (a
send that fails before going out ends its enrollment, counted there once; one sent again
for a policy error is none)."""

GAUGE = "active"
NOW = "now_"
STATUS_GAUGES = tuple(f"{NOW}{status.value}" for status in Status)
"""`now_<status>`: follow-ups to be sent on the item's day that have that status now."""

_KIND_OF: dict[str, str] = {
    Reason.REPLIED: "replied",
    Reason.OPTED_OUT: "opted_out",
    Reason.OPTED_OUT_ELSEWHERE: "opted_out",
    Reason.MARKETING_SUPPRESSED: "opted_out",
    Reason.EXIT_STAGE: "exit",
    Reason.EXIT_EVENT: "exit",
    Reason.CONVERSATION_CLOSED: "closed",
    Reason.HOT: "gated",
    Reason.COLD_CAP: "gated",
    Reason.FREQUENCY_CAP: "gated",
    Reason.WINDOW_CLOSED: "error",
    Reason.OUTCOME_UNKNOWN: "error",
    Reason.RETRIES_EXHAUSTED: "error",
    Reason.PROVIDER_ERROR: "error",
    Reason.RULE_ERROR: "error",
    Reason.NO_WA_ID: "error",
}


@dataclass(frozen=True)
class Bump:
    """Add `amount` to counter `name` of the stats item (`rule_id`, `key`)."""

    rule_id: str
    key: str
    name: str
    amount: int


def step_key(day: str, version: int, index: int) -> str:
    return f"{STEP}{day}#v{version:05d}#s{index:03d}"


def gauge_key(version: int | None = None, index: int | None = None) -> str:
    """The rule's gauge, or one step's."""
    if version is None or index is None:
        return LIVE
    return f"{LIVE}#v{version:05d}#s{index:03d}"


def step_range(since: date, until: date) -> tuple[str, str]:
    """The first and last key the step days of `since` to `until` can have."""
    return f"{STEP}{since.isoformat()}", f"{STEP}{until.isoformat()}#~"


def parse_step(key: str) -> tuple[int, int]:
    """(version, index) from a step item's key, day or gauge."""
    version, index = key.rsplit("#", 2)[-2:]
    return int(version[1:]), int(index[1:])


def step_day(key: str, counts: dict[str, int]) -> StepDay:
    """A step day item as the port returns it."""
    version, index = parse_step(key)
    return StepDay(date.fromisoformat(key[len(STEP) : len(STEP) + 10]), version, index, counts)


def exit_kind(reason: str | None) -> str:
    """The kind of exit a reason stands for (`rule_error: ...` is an error, `no channel:
    ...` an unreachable lead)."""
    if (reason or "").startswith(NO_CHANNEL):
        return "unreachable"
    head = (reason or "").split(":", 1)[0].strip()
    if head.startswith("goal"):
        return "goal"
    if head.startswith("attribute_"):
        return "error"  # a wait on an attribute the contact lacks or that cannot be read
    return _KIND_OF.get(head, "other")


def bumps(
    change: Change,
    day: str,
    previous: Enrollment | None,
    priced_before: Pricing | None = None,
    *,
    stopped_before: bool = False,
    followed_before: bool = False,
) -> list[Bump]:
    """What `change`, committed on `day`, adds to which counters. `previous` is the
    enrollment an EnrollmentChange replaces, as stored at the revision it names;
    `priced_before` the price on the follow-up copy a FollowUpChange replaces,
    `stopped_before` whether that copy was marked stopped after its reply, and
    `followed_before` whether it still followed on its step's earlier send."""
    if isinstance(change, NewEnrollment):
        return _enrollment_bumps(None, change.enrollment, day)
    if isinstance(change, EnrollmentChange):
        return _enrollment_bumps(previous, change.enrollment, day) if previous else []
    if not isinstance(change, NewFollowUp | FollowUpChange | Conversion):
        return []
    followup = change.followup
    found = counters_for(
        change, priced_before, stopped_before=stopped_before, followed_before=followed_before
    )
    if found.get("failed_after_send"):  # a send sent again instead is no error
        found["errors"] = 1
    sent_on = outcome_day(change, day)
    if (
        isinstance(change, FollowUpChange)
        and took_over(change, followed_before)
        and followup.sent_at
    ):
        sent_on = followup.sent_at.astimezone(UTC).date().isoformat()  # the step's send's day
    counted_on = dict.fromkeys(found, sent_on)
    if found.get("opted_out") and followup.sent_at:  # also a STOP after the reply
        counted_on["opted_out"] = followup.sent_at.astimezone(UTC).date().isoformat()
    if found.get("failed", 0) < 0:  # a failure taken back: on the day it was counted
        counted_on["failed"] = _failed_on(followup) or sent_on
    version, index = followup.rule_version, followup.step_index
    return [
        Bump(followup.rule_id, item, name, amount)
        for name, amount in found.items()
        for item in (counted_on[name], step_key(counted_on[name], version, index))
    ]


def outcome_day(change: FollowUpChange | NewFollowUp | Conversion, day: str) -> str:
    """The day a follow-up change counts on: a send, and any outcome of it (delivered,
    read, a reply, an opt-out, a conversion, a failure reported after it, its expiry),
    counts on the UTC day of the send, so the rates of any range of days answer that
    range's sends and stay within 100 %; so does a send found sent after all, by a status
    that comes on a later day. Anything else counts on the day it was committed."""
    sent_at = change.followup.sent_at
    answered = isinstance(change, Conversion) or (
        isinstance(change, FollowUpChange)
        and (
            change.expected.outbound
            or change.expected is Status.EXPIRED
            or change.followup.status.outbound
        )
    )
    return sent_at.astimezone(UTC).date().isoformat() if answered and sent_at else day


def _failed_on(followup: FollowUp) -> str | None:
    """The UTC day the follow-up's last failure was committed on, and counted (a send given
    up as failed when its sender recorded nothing), from its history."""
    failed = next((c.at for c in reversed(followup.history) if c.status is Status.FAILED), None)
    return failed.astimezone(UTC).date().isoformat() if failed else None


def _enrollment_bumps(before: Enrollment | None, after: Enrollment, day: str) -> list[Bump]:
    if before is not None and before.state is not EnrollmentState.ACTIVE:
        return []  # an ended enrollment counts nowhere any more
    rule_id, version = after.rule_id, after.rule_version
    here = step_key(day, version, after.step_index)
    found: Counter[tuple[str, str]] = Counter()
    if before is None:
        found[(day, "entered")] += 1
    gauged = after.gauged  # an enrollment older than the gauges moves none of them
    if before is None or (before.rule_version, before.step_index) != (version, after.step_index):
        found[(here, "entered")] += 1
        if before is not None:
            found[(gauge_key(before.rule_version, before.step_index), GAUGE)] -= gauged
            found[(gauge_key(version, after.step_index), GAUGE)] += gauged
        elif after.state is EnrollmentState.ACTIVE:
            found[(gauge_key(version, after.step_index), GAUGE)] += gauged
            found[(gauge_key(), GAUGE)] += gauged
    if after.state is not EnrollmentState.ACTIVE:
        if before is not None:
            found[(gauge_key(version, after.step_index), GAUGE)] -= gauged
            found[(gauge_key(), GAUGE)] -= gauged
        names = ["completed"]
        if after.state is EnrollmentState.EXITED:
            kind = exit_kind(after.exit_reason)
            names = ["exited", f"exited_{kind}", *(["errors"] if kind == "error" else [])]
        for name in names:
            found[(day, name)] += 1
            found[(here, name)] += 1
    return [Bump(rule_id, key, name, n) for (key, name), n in found.items() if n]


def status_gauges(
    rule_id: str, before: tuple[str, Status] | None, after: tuple[str, Status] | None
) -> list[Bump]:
    """A follow-up's move between (send day, status) places: -1 where it was counted, +1
    where it is now. None for a copy outside the gauges (older than them, or none)."""
    found: list[Bump] = []
    if before == after:
        return found
    if after is not None:
        found.append(Bump(rule_id, after[0], f"{NOW}{after[1].value}", 1))
    if before is not None:
        found.append(Bump(rule_id, before[0], f"{NOW}{before[1].value}", -1))
    return found
