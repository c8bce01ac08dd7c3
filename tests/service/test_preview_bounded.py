"""A preview asks a few questions of each lead its trigger finds, so a stage of thousands
would outlast the API's 30 seconds: it reads for `READ_TIME` at most (a lead at least),
counts those it read and says it stopped short; and turning a rule on whose check stopped
short asks for confirmation, as a count past the mass-send limit does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.services import preview as previewing
from followup.services import rules
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
NUDGE = rule(
    "nudge",
    trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
    active=False,
)


def three_quiet_leads(engine: MemoryEngine) -> None:
    now = engine.clock.now()
    for n in range(3):
        quiet_contact(engine.deps, f"62811000076{n:02d}", now - 30 * HOUR, name=f"lead {n}")


def test_a_preview_out_of_time_counts_the_leads_it_read_and_says_so(
    engine: MemoryEngine,
) -> None:
    three_quiet_leads(engine)
    # With no time left after the first lead, it counts that one and says it stopped
    short = preview(engine.deps, NUDGE, time_left=lambda: False)
    assert (short.complete, short.now_count) == (False, 1)
    # With its time, all three
    whole = preview(engine.deps, NUDGE)
    assert (whole.complete, whole.now_count) == (True, 3)


def test_turning_on_a_rule_whose_check_stopped_short_asks_for_confirmation(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an idle rule that is off, three quiet leads (under the limit of 200), and a
    # check that runs out of time after the first
    rules.create(engine.deps, NUDGE)
    three_quiet_leads(engine)
    monkeypatch.setattr(previewing, "READ_TIME", 0.0)
    # When an admin turns it on without confirming, it is refused, saying why
    with pytest.raises(rules.MassSend, match=r"1 contacts or more .* could not read every lead"):
        rules.activate(engine.deps, "nudge", confirmed=False)
    assert not rules.current(engine.deps, "nudge").active
    # And confirmed, it goes on
    rules.activate(engine.deps, "nudge", confirmed=True)
    assert rules.current(engine.deps, "nudge").active
