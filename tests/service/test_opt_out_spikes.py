"""Opt-out spikes: a rule whose contacts opt out past the threshold, over the minimum sample
of sends, is flagged with an alarm, and switched off when the workspace says so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup.services import rules
from followup.services.ports import NewFollowUp, RuleHead
from followup.services.stats import flags, totals
from followup_local.memory_engine import MemoryEngine
from tests.contract.items import followup
from tests.support.builders import rule

RULE = "apply-remind-24h"


def counted(
    engine: MemoryEngine, sent: int, opted_out: int, rule_id: str = RULE, batch: str = ""
) -> None:
    """`sent` sends of the rule today, and `opted_out` opt-outs after them."""
    now = engine.clock.now()
    for index in range(sent + opted_out):
        status = Status.SENT if index < sent else Status.OPTED_OUT
        item = followup(f"fu_{rule_id}_{batch}{index}", rule_id=rule_id, status=status, at=now)
        engine.deps.commit([NewFollowUp(item)], now)


def configure(engine: MemoryEngine, pause: bool) -> None:
    settings = engine.deps.rules.settings()
    review = settings.review.model_copy(update={"pause_on_opt_out_spike": pause})
    engine.deps.rules.save_settings(settings.model_copy(update={"review": review}))
    engine.deps.catalog.invalidate()


def head(engine: MemoryEngine, rule_id: str = RULE) -> RuleHead:
    [found] = [h for h in engine.deps.rules.rule_heads() if h.rule_id == rule_id]
    return found


def flagged(engine: MemoryEngine) -> list[str]:
    now = engine.clock.now().date()
    row = totals(engine.deps.stats.stats(now, now))[RULE]
    return flags(row, engine.deps.catalog.settings().review)


@pytest.mark.parametrize(
    ("sent", "opted_out"),
    [(49, 5), (50, 1), (100, 2)],
    ids=["49 sends never", "exactly 2 % of 50", "exactly 2 % of 100"],
)
def test_below_the_sample_or_at_the_threshold_nothing_happens(
    engine: MemoryEngine, sent: int, opted_out: int
) -> None:
    engine.deps.rules.save_rule(rule())
    configure(engine, pause=True)
    counted(engine, sent, opted_out)
    report = engine.scheduled("enqueue")
    assert (report["opt_out_spikes"], report["opt_out_spiking"]) == (0, [])
    assert head(engine).active
    assert "high_opt_out" not in flagged(engine)


def test_a_spike_is_flagged_with_an_alarm_but_not_paused_when_the_setting_is_off(
    engine: MemoryEngine,
) -> None:
    engine.deps.rules.save_rule(rule())
    counted(engine, 50, 2)
    report = engine.scheduled("enqueue")
    assert (report["opt_out_spikes"], report["opt_out_spiking"]) == (1, [RULE])
    assert head(engine).active
    assert "high_opt_out" in flagged(engine)


def test_a_spike_left_on_raises_its_alarm_once_and_a_later_spike_again(
    engine: MemoryEngine,
) -> None:
    # Given a rule past its opt-out threshold, with the automatic pause off
    engine.deps.rules.save_rule(rule())
    counted(engine, 50, 2)
    assert engine.scheduled("enqueue")["opt_out_spikes"] == 1

    # When the next ticks run on the same spike
    for _ in range(3):
        engine.clock.advance(timedelta(minutes=5))
        report = engine.scheduled("enqueue")
        # Then the alarm is not raised again, and the rule runs on, noted as flagged
        assert (report["opt_out_spikes"], report["opt_out_spiking"]) == (0, [])
    flagged_rule = head(engine)
    assert flagged_rule.active
    assert flagged_rule.last_error is not None
    assert flagged_rule.last_error.message.startswith("opt-out spike: 4.0% of 50 sends")

    # And a spike on a later day raises it once more
    engine.clock.advance(timedelta(days=1))
    counted(engine, 50, 2, batch="later")
    assert engine.scheduled("enqueue")["opt_out_spiking"] == [RULE]
    assert engine.scheduled("enqueue")["opt_out_spikes"] == 0


def test_a_spike_switches_the_rule_off_when_the_setting_says_so(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule())
    engine.deps.rules.save_rule(rule("other"))
    configure(engine, pause=True)
    counted(engine, 50, 2)
    counted(engine, 50, 1, rule_id="other")
    report = engine.scheduled("enqueue")
    assert (report["opt_out_spikes"], report["opt_out_spiking"]) == (1, [RULE])
    paused = head(engine)
    assert not paused.active
    assert paused.last_error is not None
    assert paused.last_error.message.startswith("opt-out spike: 4.0% of 50 sends")
    assert head(engine, "other").active
    # Switched on again by an admin, the spike that paused it does not pause it again
    rules.activate(engine.deps, RULE, confirmed=True)
    report = engine.scheduled("enqueue")
    assert report["opt_out_spikes"] == 0
    assert head(engine).active


@pytest.mark.parametrize("saved_on", [False, True], ids=["edited then switched on", "saved on"])
def test_a_rule_edited_after_its_spike_pause_is_not_paused_again_for_that_spike(
    engine: MemoryEngine, saved_on: bool
) -> None:
    # Given a rule the opt-out check switched off for a spike
    engine.deps.rules.save_rule(rule())
    configure(engine, pause=True)
    counted(engine, 50, 2)
    assert engine.scheduled("enqueue")["opt_out_spikes"] == 1
    # When an admin rewrites its message, and switches it on with the save or after it
    gentler = rule().steps[0].model_copy(update={"text": "Hi, a gentler nudge"})
    edited = rule(steps=[gentler.model_dump(mode="json")])
    rules.update(engine.deps, RULE, edited.model_copy(update={"active": saved_on}), True)
    if not saved_on:
        rules.activate(engine.deps, RULE, confirmed=True)
    # Then the spike that paused it neither pauses it again nor raises its alarm again
    assert engine.scheduled("enqueue")["opt_out_spikes"] == 0
    assert head(engine).active
