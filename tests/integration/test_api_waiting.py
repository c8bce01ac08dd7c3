"""What waits, and why: send-now's honest answer and the send window shown on the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

# Monday 30 Nov 2026, 08:00 in Jakarta (UTC+7): the first opening after a Friday night.
MONDAY_8AM_JAKARTA = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def friday_night(engine: LocalEngine) -> None:
    engine.clock.advance(timedelta(days=3, hours=12))  # Friday 27 Nov, 21:00 in Jakarta


def test_send_now_at_night_answers_with_the_next_opening(engine: LocalEngine) -> None:
    # Given a rule that sends in business hours, and a lead, on a Friday at 21:00 in Jakarta
    engine.deps.rules.save_rule(rule())
    friday_night(engine)
    lead = quiet_contact(engine.deps, "6281100000701", engine.clock.now() - timedelta(hours=1))
    # When a counsellor presses "send follow-up now"
    status, answer = call(
        engine,
        "POST",
        f"/api/contacts/{lead.id}/followups",
        {"rule_id": "apply-remind-24h"},
        role="counselor",
    )
    # Then the answer says it goes at the next opening, Monday 08:00 in the lead's time, and why
    assert status == 202
    assert answer["now"] is False
    assert answer["waiting_for_window"] is True
    assert answer["send_at"] == MONDAY_8AM_JAKARTA.isoformat()
    assert answer["send_at_local"] == "2026-11-30T08:00:00+07:00"
    assert answer["zone"] == "Asia/Jakarta"
    assert answer["why"] == (
        "outside the send window (Mon–Fri 08:00–17:00 Asia/Jakarta); next opening Mon 08:00"
    )
    assert answer["why_code"] == "window_closed"
    engine.drain()
    assert engine.sandbox.sent() == []


def test_send_now_in_business_hours_answers_now(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000702", engine.clock.now() - timedelta(hours=1))
    _, answer = call(
        engine, "POST", f"/api/contacts/{lead.id}/followups", {"rule_id": "apply-remind-24h"}
    )
    assert answer["now"] is True
    assert answer["send_at"] == engine.clock.now().isoformat()
    assert answer["why"] == "inside the send window: handed to the sender now"
    assert answer["why_code"] == "window_open"


def test_the_queue_and_timeline_say_a_follow_up_waits_for_the_window(engine: LocalEngine) -> None:
    # Given a lead whose follow-up fell due on a Friday night
    engine.deps.rules.save_rule(rule())
    friday_night(engine)
    lead = quiet_contact(engine.deps, "6281100000703", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    # Then the queue row and the contact's timeline say it waits for Monday 08:00, lead's time
    _, page = call(engine, "GET", "/api/queue?status=queued")
    _, timeline = call(engine, "GET", f"/api/contacts/{lead.id}/timeline")
    for row in (page["followups"][0], timeline["followups"][0]):
        assert row["waiting_for_window"] is True
        assert row["opens_at"] == MONDAY_8AM_JAKARTA.isoformat()
        assert row["opens_at_local"] == "2026-11-30T08:00:00+07:00"
        assert row["zone"] == "Asia/Jakarta"
    # And once sent, nothing waits any more
    engine.clock.advance(MONDAY_8AM_JAKARTA - engine.clock.now())
    engine.tick()
    _, sent = call(engine, "GET", "/api/queue?status=sent")
    assert sent["followups"][0]["waiting_for_window"] is False


def test_a_follow_up_due_later_in_open_hours_does_not_wait_for_the_window(
    engine: LocalEngine,
) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000704", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    _, timeline = call(engine, "GET", f"/api/contacts/{lead.id}/timeline")
    assert [f["waiting_for_window"] for f in timeline["followups"]] == [False]


def test_a_contact_is_offered_only_the_rules_that_apply_to_them(engine: LocalEngine) -> None:
    # Given rules for new leads, for applied ones, for hot leads, and one that is off
    rules = engine.deps.rules
    rules.save_rule(rule("new-leads"))
    rules.save_rule(
        rule(
            "applied-leads", trigger={"stages": ["applied"], "idle": {"amount": 1, "unit": "days"}}
        )
    )
    rules.save_rule(rule("hot-only", conditions={"scores": ["hot"]}))
    rules.save_rule(rule("switched-off", active=False))
    lead = quiet_contact(engine.deps, "6281100000705", engine.clock.now(), score="warm")
    # Then a new, warm lead is offered only the rule for new leads
    status, found = call(engine, "GET", f"/api/contacts/{lead.id}/rules", role="counselor")
    assert status == 200
    assert [r["id"] for r in found["rules"]] == ["new-leads"]
    assert call(engine, "GET", "/api/contacts/nobody/rules")[0] == 404


def test_send_now_while_sending_is_paused_says_it_waits_for_the_pause(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    _, settings = call(engine, "GET", "/api/settings")
    paused = {**settings, "paused": True, "paused_reason": "template review"}
    assert call(engine, "PUT", "/api/settings", paused)[0] == 200
    lead = quiet_contact(engine.deps, "6281100000706", engine.clock.now() - timedelta(hours=1))
    _, answer = call(
        engine, "POST", f"/api/contacts/{lead.id}/followups", {"rule_id": "apply-remind-24h"}
    )
    assert answer["now"] is False
    assert answer["why"] == (
        "sending is paused (workspace paused: template review): it goes once it resumes"
    )
    assert answer["why_code"] == "paused"
