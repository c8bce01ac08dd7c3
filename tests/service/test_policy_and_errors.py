"""Send policy, gating and provider errors, through the services tick by tick."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from followup.domain.followup import FollowUp, Status
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
TEXT_ONLY = [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi {name}"}]


def only_followup(engine: MemoryEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def test_a_free_text_only_step_outside_the_window_is_skipped(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule(steps=TEXT_ONLY))
    lead = quiet_contact(engine.deps, "6281100000201", engine.clock.now() - 25 * HOUR)
    engine.tick()
    followup = only_followup(engine, lead.id)
    assert (followup.status, followup.reason) == (Status.SKIPPED, "window_closed")
    assert engine.sandbox.requests == []


def test_due_after_hours_waits_for_the_next_opening_in_the_contacts_zone(
    engine: MemoryEngine,
) -> None:
    # Given a Lisbon lead due at 02:00 Lisbon time on a Tuesday
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(
        engine.deps, "351910000001", engine.clock.now() - 25 * HOUR, timezone="Europe/Lisbon"
    )
    engine.tick()
    followup = only_followup(engine, lead.id)
    # Then it is scheduled for 08:00 Lisbon and not sent before
    local = followup.scheduled_at.astimezone(ZoneInfo("Europe/Lisbon"))
    assert (local.hour, local.minute, local.weekday()) == (8, 0, 1)
    assert engine.sandbox.sent() == []
    engine.clock.advance(timedelta(hours=6))  # 08:00 Lisbon
    engine.tick()
    [request] = engine.sandbox.sent()
    assert request.received_at.astimezone(ZoneInfo("Europe/Lisbon")).hour == 8


def test_hot_leads_are_left_to_the_counsellor(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000202", engine.clock.now() - 25 * HOUR, score="hot")
    engine.tick()
    followup = only_followup(engine, lead.id)
    assert (followup.status, followup.reason) == (Status.SKIPPED, "hot_contact")
    assert engine.sandbox.requests == []


def test_cold_leads_get_at_most_two_follow_ups(engine: MemoryEngine) -> None:
    # Given a three-step rule a day apart and a cold lead
    steps = [
        {"wait": {"amount": n, "unit": "days"}, "template": {"name": f"s{n}", "language": "en"}}
        for n in (0, 1, 1)
    ]
    engine.deps.rules.save_rule(rule(steps=steps))
    lead = quiet_contact(engine.deps, "6281100000203", engine.clock.now() - 25 * HOUR, score="cold")
    for _ in range(4 * 24):
        engine.tick()
        engine.clock.advance(HOUR)
    # Then two went out and the third was skipped by the cold cap
    assert len(engine.sandbox.sent()) == 2
    statuses = sorted(
        (f.step_index, f.status.value, f.reason)
        for f in engine.deps.followups.followups_of(lead.id)
    )
    assert statuses[2] == (2, "skipped", "cold_cap")


def test_one_pending_follow_up_per_contact_across_rules(engine: MemoryEngine) -> None:
    # Given two rules that both match the same lead, on a Saturday (nothing can be sent)
    engine.clock.advance(timedelta(days=4))
    engine.deps.rules.save_rule(rule("first-rule"))
    engine.deps.rules.save_rule(rule("second-rule"))
    lead = quiet_contact(engine.deps, "6281100000204", engine.clock.now() - 25 * HOUR)
    engine.tick()
    # Then only one follow-up waits; the other enrollment is deferred, not queued
    assert [f.status for f in engine.deps.followups.followups_of(lead.id)] == [Status.QUEUED]


def test_a_retryable_provider_error_is_retried_with_backoff_then_sent(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000205", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=503)
    engine.tick()
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.QUEUED
    assert followup.attempt == 1
    assert followup.error_title == "Injected sandbox failure"
    # When the backoff has passed, the held message reaches the sender again
    engine.clock.advance(timedelta(minutes=1))
    engine.drain()
    assert only_followup(engine, lead.id).status is Status.SENT
    assert [r.status for r in engine.sandbox.requests] == [503, 200]


def test_a_request_timeout_from_a_proxy_is_retried_when_it_asks_then_sent(
    engine: MemoryEngine,
) -> None:
    # Given a proxy in front of 360dialog answering the first send 408, asking for 2 minutes
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000207", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=408, retry_after="120")
    # When the engine ticks
    engine.tick()
    # Then the follow-up waits in the queue, not failed, and is not tried again a minute on
    followup = only_followup(engine, lead.id)
    assert (followup.status, followup.attempt) == (Status.QUEUED, 1)
    engine.clock.advance(timedelta(minutes=1))
    engine.drain()
    assert only_followup(engine, lead.id).status is Status.QUEUED
    # and once the 2 minutes passed, the lead gets the message, once
    engine.clock.advance(timedelta(minutes=1, seconds=30))
    engine.drain()
    assert only_followup(engine, lead.id).status is Status.SENT
    assert [r.status for r in engine.sandbox.requests] == [408, 200]


def test_a_permanent_provider_error_fails_with_a_readable_reason(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000206", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131026)
    engine.tick()
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.FAILED
    assert followup.error_code == 131026
    assert followup.reason is not None
    assert "131026" in followup.reason
    assert "undeliverable" in followup.reason.lower()
    engine.clock.advance(HOUR)
    engine.tick()
    assert len(engine.sandbox.requests) == 1


def test_a_withheld_marketing_message_is_retried_no_sooner_than_24_hours(
    engine: MemoryEngine,
) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000207", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131049)
    engine.tick()
    first_try = engine.clock.now()
    followup = only_followup(engine, lead.id)
    assert followup.status is Status.QUEUED
    assert followup.scheduled_at >= first_try + timedelta(hours=24)
    engine.ticks(30, every=HOUR)
    requests = engine.sandbox.requests
    assert [r.status for r in requests] == [400, 200]
    assert requests[1].received_at - requests[0].received_at >= timedelta(hours=24)


def test_a_holiday_declared_after_a_step_was_planned_holds_it_to_the_next_opening(
    engine: MemoryEngine,
) -> None:
    # Given a lead whose step came due at 19:00 on Tuesday in Jakarta, after hours: it is
    # planned for Wednesday 08:00
    engine.deps.rules.save_rule(rule())
    engine.clock.advance(10 * HOUR)
    lead = quiet_contact(engine.deps, "6281100000209", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert engine.sandbox.sent() == []
    # When an admin makes Wednesday a holiday that evening
    settings = engine.deps.rules.settings()
    window = settings.send_window.model_copy(update={"custom_holidays": [date(2026, 11, 25)]})
    engine.deps.rules.save_settings(settings.model_copy(update={"send_window": window}))
    engine.deps.catalog.invalidate()
    engine.ticks(38, every=HOUR)  # hourly ticks to Thursday 09:00
    # Then nothing went on the holiday: the step went at Thursday's opening, once
    [request] = engine.sandbox.sent()
    local = request.received_at.astimezone(ZoneInfo("Asia/Jakarta"))
    assert (local.day, local.hour) == (26, 8)
    assert only_followup(engine, lead.id).status is Status.SENT
