"""WhatsApp errors that are policy, not glitches: 131049, 130472, 131047 and 131050 answered
at send."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from followup.domain.followup import FollowUp, Status
from followup.domain.settings import WorkspaceSettings
from followup.services import templates
from followup.services.journey_stats import journey_stats
from followup_local.memory_engine import MemoryEngine
from tests.service.test_marketing_choice_order import marketing_failure
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
LEAD = "6281100000301"
TEXT_ONLY = [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi {name}"}]
SOON = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}


def only_followup(engine: MemoryEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def allow_withheld_attempts(engine: MemoryEngine, attempts: int) -> None:
    settings = engine.deps.rules.settings().model_dump(mode="json")
    settings["withheld_attempts"] = attempts
    engine.deps.rules.save_settings(WorkspaceSettings.model_validate(settings))
    engine.deps.catalog.invalidate()


def test_a_withheld_marketing_message_is_retried_with_growing_gaps_then_skipped(
    engine: MemoryEngine,
) -> None:
    # Given three attempts allowed, and Meta withholding every one of them
    allow_withheld_attempts(engine, 3)
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131049, times=5)
    # When the engine runs hour by hour for a week
    for _ in range(7 * 24):
        engine.tick()
        engine.clock.advance(HOUR)
    # Then it tried three times, the second gap longer than the first, both at least a day
    requests = engine.sandbox.requests
    assert [r.error_code for r in requests] == [131049, 131049, 131049]
    first, second = (
        later.received_at - earlier.received_at for earlier, later in itertools.pairwise(requests)
    )
    assert first >= 24 * HOUR
    assert second >= 48 * HOUR
    # And the follow-up ended skipped, saying why
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.SKIPPED
    assert followup.reason is not None
    assert "131049" in followup.reason


def test_a_withheld_message_is_never_retried_early_by_redeliveries_or_restarts(
    engine: MemoryEngine,
) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131049, times=2)
    engine.tick()
    engine.ticks(30, every=HOUR)  # the first retry, a day or so later
    [first, second] = engine.sandbox.requests
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.QUEUED
    # When, hour by hour for the next 47 hours, its message arrives again, the engine
    # restarts and ticks run
    while engine.clock.now() < second.received_at + 47 * HOUR:
        engine.clock.advance(HOUR)
        engine.queue.enqueue([followup.id])
        engine.deps.start_cold()
        engine.tick()
    # Then nothing went out before the second gap (48 h) had passed
    assert len(engine.sandbox.requests) == 2
    engine.ticks(3, every=HOUR)
    third = engine.sandbox.requests[2]
    assert (third.status, first.error_code) == (200, 131049)
    assert third.received_at - second.received_at >= 48 * HOUR


def test_a_meta_experiment_skips_the_follow_up_for_good(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=130472)
    engine.tick()
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.SKIPPED
    assert followup.reason is not None
    assert "130472" in followup.reason
    engine.ticks(3 * 24, every=HOUR)
    assert len(engine.sandbox.requests) == 1


def test_text_refused_for_a_closed_window_goes_as_the_template_instead(
    engine: MemoryEngine,
) -> None:
    # Given a lead we think wrote two hours ago, but whose window WhatsApp says is closed
    engine.deps.rules.save_rule(rule(trigger=SOON))
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 2 * HOUR)
    engine.tick()
    # Then the text was refused with 131047 and the step's template went out instead
    assert [(r.body or {}).get("type") for r in engine.sandbox.requests] == ["text", "template"]
    assert [r.error_code for r in engine.sandbox.requests] == [131047, None]
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.SENT
    assert followup.rendered is not None
    assert followup.rendered.kind == "template"


def test_131047_twice_does_not_loop(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule(trigger=SOON))
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 2 * HOUR)
    engine.sandbox.fail_next(status=400, code=131047, times=5)
    for _ in range(48):
        engine.tick()
        engine.clock.advance(HOUR)
    # The text once, the template once, then the follow-up ends skipped
    assert [(r.body or {}).get("type") for r in engine.sandbox.requests] == ["text", "template"]
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.SKIPPED
    assert followup.reason is not None
    assert "131047" in followup.reason


def test_131047_on_a_step_without_template_skips_the_follow_up(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule(trigger=SOON, steps=TEXT_ONLY))
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 2 * HOUR)
    engine.tick()
    engine.clock.advance(HOUR)
    engine.tick()
    assert len(engine.sandbox.requests) == 1
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.SKIPPED
    assert followup.reason is not None
    assert "131047" in followup.reason


def test_the_template_sent_for_a_closed_window_passes_the_catalogue_s_checks_too(
    engine: MemoryEngine,
) -> None:
    # Given a step whose template is marketing in the catalogue, another lead's paused
    marketing = "Hi {{1}}, still thinking about applying?"
    engine.sandbox.templates.add("apply_reminder", "en", marketing, category="MARKETING")
    templates.sync(engine.deps, engine.clock.now())
    engine.deps.rules.save_rule(rule(trigger=SOON))
    # When WhatsApp refuses the text to three leads it says have not written (131047): one
    # on a +1 number, one who stopped marketing messages, one in Jakarta
    us = quiet_contact(engine.deps, "14155550123", engine.clock.now() - 2 * HOUR)
    stopped = quiet_contact(
        engine.deps, "6281100000302", engine.clock.now() - 2 * HOUR, marketing_suppressed=True
    )
    engine.tick()
    # Then no marketing template went to either: Meta refuses them, or the lead said no
    assert [(r.body or {}).get("to") for r in engine.sandbox.requests if r.error_code is None] == []
    ended = [only_followup(engine, c.id) for c in (us, stopped)]
    assert [(f.status, (f.reason or "").split(":")[0]) for f in ended] == [
        (Status.SKIPPED, "marketing_to_us_number"),
        (Status.SKIPPED, "marketing_suppressed"),
    ]


def test_a_paused_template_in_place_of_refused_text_holds_the_follow_up(
    engine: MemoryEngine,
) -> None:
    # Given a step whose template Meta paused
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}", status="paused")
    templates.sync(engine.deps, engine.clock.now())
    engine.deps.rules.save_rule(rule(trigger=SOON))
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 2 * HOUR)
    # When WhatsApp refuses the step's text for a closed window
    engine.tick()
    # Then the paused template is not sent: the follow-up waits for it, as the README says
    assert [(r.body or {}).get("type") for r in engine.sandbox.requests] == ["text"]
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.WAITING_TEMPLATE
    assert followup.template_only


def test_a_send_refused_because_the_lead_stopped_marketing_stops_marketing_to_them(
    engine: MemoryEngine,
) -> None:
    # Given a marketing template step and a lead quiet for a day
    body = "Hi {{1}}, still thinking about applying?"
    engine.sandbox.templates.add("apply_reminder", "en", body, category="MARKETING")
    templates.sync(engine.deps, engine.clock.now())
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 25 * HOUR)
    # When 360dialog answers the send: the lead stopped marketing messages (131050)
    engine.sandbox.fail_next(status=400, code=131050)
    engine.tick()
    # Then the follow-up ends on that refusal, and the lead takes no marketing any more,
    # as of the refusal, as when WhatsApp reports it after the send
    followup = only_followup(engine, lead.id)
    assert (followup.status, followup.error_code) == (Status.FAILED, 131050)
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert (found.item.marketing_suppressed, found.item.marketing_changed_at) == (
        True,
        engine.clock.now(),
    )


@pytest.mark.parametrize("refused", ["at send", "after the send"])
def test_a_marketing_stop_sends_the_step_on_no_channel_and_no_later_marketing_template(
    engine: MemoryEngine, outbox: Outbox, refused: str
) -> None:
    # Given a journey whose first step falls back to SMS when WhatsApp cannot deliver it,
    # and whose second, an hour later, is a marketing template
    for name in ("apply_reminder", "apply_nudge"):
        engine.sandbox.templates.add(name, "en", "Hi, still applying?", category="MARKETING")
    templates.sync(engine.deps, engine.clock.now())
    first = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "whatsapp",
        "fallbacks": ["sms"],
        "text": "Hi {first_name|there}, still thinking about applying?",
        "template": {"name": "apply_reminder", "language": "en"},
    }
    second = {
        "wait": {"amount": 1, "unit": "hours"},
        "template": {"name": "apply_nudge", "language": "en"},
    }
    engine.deps.rules.save_rule(rule(steps=[first, second]))
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - 25 * HOUR)
    # When WhatsApp refuses the first step because the lead stopped marketing (131050):
    # 360dialog at once, or a failed status after it took the message
    if refused == "at send":
        engine.sandbox.fail_next(status=400, code=131050)
    engine.tick()
    if refused == "after the send":
        followup = only_followup(engine, lead.id)
        at = engine.clock.advance(timedelta(seconds=30))
        assert engine.deliver(marketing_failure(followup, at)) == 200
    engine.ticks(4, every=HOUR / 2)
    # Then the first step goes by no SMS either, the second is never given to WhatsApp,
    # and the journey ends as the lead's opt-out
    assert outbox.sent == []
    assert len(engine.sandbox.requests) == 1
    later = [f for f in engine.deps.followups.followups_of(lead.id) if f.step_index == 1]
    assert all((f.status, f.reason) == (Status.SKIPPED, "marketing_suppressed") for f in later)
    today = engine.clock.now().date()
    assert journey_stats(engine.deps, "apply-remind-24h", today, today).exited_by == {
        "opted_out": 1
    }
