"""Invariant 6: a rule turned off holds its running sequences; turned on, they resume."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from followup.domain.followup import Status
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
JAKARTA = ZoneInfo("Asia/Jakarta")
RULE = "apply-remind-24h"


def two_steps(engine: LocalEngine) -> str:
    """A two-step rule (the second a day after the first); a lead gets the first step."""
    first = rule().steps[0].model_dump(mode="json")
    second = {**first, "wait": {"amount": 1, "unit": "days"}}
    engine.deps.rules.save_rule(rule(steps=[first, second]))
    lead = quiet_contact(engine.deps, "6281100000701", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    return lead.id


def held(engine: LocalEngine) -> int:
    count: int = call(engine, "GET", f"/api/rules/{RULE}")[1]["held"]
    listed = call(engine, "GET", "/api/rules")[1]["rules"]
    assert [r["held"] for r in listed if r["id"] == RULE] == [count]
    return count


def test_a_rule_turned_off_holds_later_steps_and_resumes_them_in_the_window(
    engine: LocalEngine,
) -> None:
    # Given a lead who got the first step of a two-step rule
    lead = two_steps(engine)
    # When marketing turns the rule off and the second step falls due
    assert call(engine, "POST", f"/api/rules/{RULE}/deactivate")[0] == 200
    engine.ticks(30, every=HOUR)
    # Then nothing more is queued, and the rule shows the lead as held
    assert len(engine.sandbox.sent()) == 1
    assert len(engine.deps.followups.followups_of(lead)) == 1
    assert held(engine) == 1
    # And the held enrollment no longer waits in the due index (ticks do not re-read it)
    far = engine.clock.now() + timedelta(days=3650)
    assert list(engine.deps.followups.due_enrollments(far)) == []
    # When it is turned on again at 20:00 in Jakarta (outside the send window)
    local = engine.clock.now().astimezone(JAKARTA)
    engine.clock.advance(local.replace(hour=20, minute=0) - local)
    assert call(engine, "POST", f"/api/rules/{RULE}/activate")[0] == 200
    assert held(engine) == 0
    engine.tick()
    # Then the second step is queued for the next opening of the window, not sent now
    queued = [f for f in engine.deps.followups.followups_of(lead) if f.status is Status.QUEUED]
    assert [(f.step_index, f.scheduled_at.astimezone(JAKARTA).hour) for f in queued] == [(1, 8)]
    assert len(engine.sandbox.sent()) == 1
    # And it goes out when the window opens, once
    engine.ticks(14, every=HOUR)
    sent = [f.step_index for f in engine.deps.followups.followups_of(lead)]
    assert sorted(sent) == [0, 1]
    assert len(engine.sandbox.sent()) == 2


def test_turning_a_rule_off_with_cancel_queued_ends_its_held_sequences(
    engine: LocalEngine,
) -> None:
    # Given a lead held by a rule that was turned off
    lead = two_steps(engine)
    call(engine, "POST", f"/api/rules/{RULE}/deactivate")
    engine.clock.advance(timedelta(days=2))
    engine.tick()
    assert held(engine) == 1
    # When marketing turns it off again asking to cancel what waits, then on
    call(engine, "POST", f"/api/rules/{RULE}/deactivate?cancel_queued=true")
    assert held(engine) == 0
    call(engine, "POST", f"/api/rules/{RULE}/activate")
    engine.clock.advance(HOUR)
    engine.tick()
    # Then the sequence stays ended
    assert len(engine.deps.followups.followups_of(lead)) == 1
    [enrollment] = engine.deps.followups.enrollments_of(lead)
    assert enrollment.item.exit_reason == "rule_deactivated"


def test_a_held_lead_who_replies_is_no_longer_held(engine: LocalEngine) -> None:
    # Given a lead held by a rule that is off
    lead = two_steps(engine)
    call(engine, "POST", f"/api/rules/{RULE}/deactivate")
    engine.clock.advance(timedelta(days=2))
    engine.tick()
    assert held(engine) == 1
    # When the lead writes back
    contact = engine.deps.contacts.contact(lead)
    assert contact is not None
    moment = engine.clock.now()
    engine.deliver(envelopes.text_message(contact.item.wa_id or "", "ok", moment, "wamid.h.1"))
    # Then the sequence ended on the reply and nothing resumes when the rule is on again
    assert held(engine) == 0
    call(engine, "POST", f"/api/rules/{RULE}/activate")
    engine.clock.advance(HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_held_lead_moved_to_a_version_that_waits_longer_waits_as_it_says_when_turned_on(
    engine: LocalEngine,
) -> None:
    # Given a lead held at the second step (a day after the first, sent Tuesday 09:00) by
    # a rule that is off
    lead = two_steps(engine)
    call(engine, "POST", f"/api/rules/{RULE}/deactivate")
    engine.ticks(1, every=DAY)
    assert held(engine) == 1
    # When marketing saves a version whose second step waits 3 days, moves the running
    # journeys onto it, and turns the rule on again on Wednesday
    first = rule().steps[0].model_dump(mode="json")
    edited = rule(steps=[first, {**first, "wait": {"amount": 3, "unit": "days"}}])
    body = edited.model_dump(mode="json", exclude={"active", "version"})
    _, answer = call(engine, "PUT", f"/api/rules/{RULE}?migrate=true", body)
    assert answer["migration"]["moved"] == 1
    assert call(engine, "POST", f"/api/rules/{RULE}/activate")[0] == 200
    # Then the second step waits as the new version says: nothing on Thursday, and it goes
    # on Friday, 3 days after the first
    engine.ticks(1, every=DAY)
    assert len(engine.sandbox.sent()) == 1
    engine.ticks(1, every=DAY)
    assert len(engine.sandbox.sent()) == 2
    sent = [f for f in engine.deps.followups.followups_of(lead) if f.step_index == 1]
    assert [(f.rule_version, f.sent_at is not None) for f in sent] == [(2, True)]


def test_turning_on_a_rule_that_held_more_leads_than_the_mass_send_limit_asks_first(
    engine: LocalEngine,
) -> None:
    # Given a mass-send limit of two, and a rule off for over a week (longer than its
    # lookback: its leads' silences are too old to enroll anyone) that holds three leads'
    # second steps
    _, settings = call(engine, "GET", "/api/settings")
    call(engine, "PUT", "/api/settings", settings | {"mass_send_limit": 2})
    first = rule().steps[0].model_dump(mode="json")
    engine.deps.rules.save_rule(
        rule(steps=[first, {**first, "wait": {"amount": 1, "unit": "days"}}])
    )
    for n in range(3):
        quiet_contact(engine.deps, f"62811000007{n:02d}", engine.clock.now() - 25 * HOUR)
    engine.tick()
    call(engine, "POST", f"/api/rules/{RULE}/deactivate")
    engine.ticks(8, every=DAY)
    assert held(engine) == 3
    # When marketing turns it on again
    status, answer = call(engine, "POST", f"/api/rules/{RULE}/activate", role="marketing")
    # Then it asks first, saying how many it would message at once, and holds them still
    assert (status, answer["error"]["code"]) == (409, "mass_send")
    assert "3 contacts" in answer["error"]["message"]
    [details] = answer["error"]["details"]
    assert [details[k] for k in ("count", "limit", "complete", "day")] == [3, 2, True, None]
    assert held(engine) == 3
    assert not call(engine, "GET", f"/api/rules/{RULE}")[1]["active"]
    # And confirmed, the three second steps go
    assert call(engine, "POST", f"/api/rules/{RULE}/activate?confirm=true")[0] == 200
    engine.tick()
    assert len(engine.sandbox.sent()) == 6
