"""Journey steps on the engine: waits until a local time or a date attribute, branches on
replies and attributes, actions a user sees on the contact, and rules stored before kinds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followup.adapters.tables import RuleItem
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Status
from followup.domain.rule import Rule
from followup.services.contacts import update_contact
from followup.services.inbound import record_inbound
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact

HOUR = timedelta(hours=1)
JAKARTA = ZoneInfo("Asia/Jakarta")


def template(name: str, wait: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "wait": wait or {"amount": 0, "unit": "minutes"},
        "template": {"name": name, "language": "en"},
    }


def journey(rule_id: str, *steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": rule_id,
        "name": rule_id,
        "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
        "steps": list(steps),
        **extra,
    }


def create(engine: LocalEngine, body: dict[str, Any]) -> None:
    status, answer = call(engine, "POST", "/api/rules", body, role="marketing")
    assert status == 201, answer


def sent_to(engine: LocalEngine, contact_id: str) -> list[FollowUp]:
    found = engine.deps.followups.followups_of(contact_id)
    return sorted((f for f in found if f.sent_at), key=lambda f: f.sent_at or f.created_at)


def the_enrollment(engine: LocalEngine, contact_id: str) -> Enrollment:
    [found] = engine.deps.followups.enrollments_of(contact_id)
    return found.item


def local(at: datetime | None, zone: str) -> str:
    assert at is not None
    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def test_wait_until_ten_in_the_morning_local_time(engine: LocalEngine) -> None:
    # Given a journey that waits until 10:00, then sends; a lead in Jakarta and one in Tokyo
    create(engine, journey("at-ten", {"kind": "wait", "until_time": "10:00"}, template("hello")))
    # It is 09:00 in Jakarta and 11:00 in Tokyo; both went quiet past the idle time
    # (Jakarta at 08:00 local, Tokyo at 10:30 local, after that day's 10:00)
    now = engine.clock.now()
    jakarta = quiet_contact(engine.deps, "6281100000801", now - 25 * HOUR)
    tokyo = quiet_contact(
        engine.deps, "6281100000802", now - 24 * HOUR - HOUR / 2, timezone="Asia/Tokyo"
    )
    # When the tick enrolls them
    engine.tick()
    # Then nothing goes yet
    assert engine.sandbox.sent() == []
    # When it is 10:00 in Jakarta
    engine.clock.advance(HOUR)
    engine.tick()
    # Then the Jakarta lead gets the message at 10:00 local, the Tokyo lead nothing yet
    [first] = sent_to(engine, jakarta.id)
    assert local(first.sent_at, "Asia/Jakarta") == "2026-11-24 10:00"
    assert sent_to(engine, tokyo.id) == []
    # And the Tokyo lead gets it at 10:00 Tokyo time the next morning
    engine.clock.advance(datetime(2026, 11, 25, 1, 0, tzinfo=UTC) - engine.clock.now())
    engine.tick()
    [second] = sent_to(engine, tokyo.id)
    assert local(second.sent_at, "Asia/Tokyo") == "2026-11-25 10:00"
    assert the_enrollment(engine, tokyo.id).state is EnrollmentState.COMPLETED


def test_wait_until_seven_days_before_the_renewal_date(engine: LocalEngine) -> None:
    # Given a renewal reminder 7 days before `renewal_date`, and leads with and without one
    renewal_wait = {
        "kind": "wait",
        "until_attribute": "renewal_date",
        "offset": {"amount": 7, "unit": "days"},
        "before": True,
    }
    create(engine, journey("renewal", renewal_wait, template("renewal_soon")))
    quiet_since = engine.clock.now() - 25 * HOUR
    renews = quiet_contact(
        engine.deps, "6281100000803", quiet_since, attributes={"renewal_date": "2026-12-10"}
    )
    unknown = quiet_contact(engine.deps, "6281100000804", quiet_since)
    # When the tick enrolls them
    engine.tick()
    # Then the lead without a date leaves the journey saying why; the other waits
    missing = the_enrollment(engine, unknown.id)
    assert (missing.state, missing.exit_reason) == (
        EnrollmentState.EXITED,
        "attribute_missing:renewal_date",
    )
    waiting = the_enrollment(engine, renews.id)
    assert local(waiting.next_due_at, "Asia/Jakarta") == "2026-12-03 00:00"
    # When the ticks run up to 3 December, 7 days before
    engine.clock.advance(datetime(2026, 12, 2, 16, 0, tzinfo=UTC) - engine.clock.now())
    engine.tick()
    assert engine.sandbox.sent() == []
    engine.clock.advance(HOUR)  # 00:00 in Jakarta on the 3rd
    engine.tick()
    # Then the reminder is queued for the office's opening that morning, and goes then
    [queued] = engine.deps.followups.followups_of(renews.id)
    assert queued.status is Status.QUEUED
    assert local(queued.scheduled_at, "Asia/Jakarta") == "2026-12-03 08:00"
    engine.clock.advance(8 * HOUR)
    engine.tick()
    [sent] = sent_to(engine, renews.id)
    assert local(sent.sent_at, "Asia/Jakarta") == "2026-12-03 08:00"


def rating_journey() -> dict[str, Any]:
    """Otesse's post-service journey: 2 h after, ask for a rating; a day later, no reply
    tags `no-reply`; a reply with 4–5 stars gets a referral ask, any other `urgent`."""
    rated_well = {"attribute": "rating", "op": "gte", "value": "4", "type": "number"}
    return journey(
        "post-service",
        template("rating_ask", {"amount": 2, "unit": "hours"}),  # 0
        {"kind": "wait", "for": {"amount": 1, "unit": "days"}},  # 1
        {"kind": "branch", "if": {"replied": False}, "then": 8, "else": 3},  # 2
        {"kind": "branch", "if": rated_well, "then": 4, "else": 6},  # 3
        template("referral_ask"),  # 4
        {"kind": "branch", "then": 9},  # 5: done
        {"kind": "action", "do": "add_tag", "tag": "urgent"},  # 6
        {"kind": "branch", "then": 9},  # 7: done
        {"kind": "action", "do": "add_tag", "tag": "no-reply"},  # 8
        exit={"on_reply": False},
    )


def rate(engine: LocalEngine, contact_id: str, stars: str) -> None:
    rating: dict[str, object] = {"attributes": {"rating": stars}}
    update_contact(engine.deps, contact_id, lambda c: c.patched(rating), engine.clock.now())


def test_branch_on_replied_and_rating_asks_happy_customers_for_a_referral(
    engine: LocalEngine,
) -> None:
    # Given the post-service journey and three customers
    create(engine, rating_journey())
    quiet_since = engine.clock.now() - 24 * HOUR
    happy, unhappy, silent = (
        quiet_contact(engine.deps, f"628110000081{n}", quiet_since) for n in range(3)
    )
    engine.tick()
    # When the rating ask goes out 2 hours later
    engine.clock.advance(2 * HOUR)
    engine.tick()
    assert [len(sent_to(engine, c.id)) for c in (happy, unhappy, silent)] == [1, 1, 1]
    # And two of them reply with a rating, the third stays silent
    engine.clock.advance(HOUR / 2)
    for contact, stars in ((happy, "5"), (unhappy, "2")):
        record_inbound(engine.deps, contact.wa_id or "", f"{stars} stars", engine.clock.now())
        rate(engine, contact.id, stars)
    # When the day's wait ends
    engine.clock.advance(timedelta(days=1) - HOUR / 2)
    engine.tick()
    # Then the happy customer is asked for a referral
    asks = [f.rendered.template_name for f in sent_to(engine, happy.id) if f.rendered]
    assert asks == ["rating_ask", "referral_ask"]
    # And the others get no message but a tag the team sees on the contact
    assert [len(sent_to(engine, c.id)) for c in (unhappy, silent)] == [1, 1]
    tags = {
        c.id: call(engine, "GET", f"/api/contacts/{c.id}")[1]["tags"]
        for c in (happy, unhappy, silent)
    }
    assert tags == {happy.id: [], unhappy.id: ["urgent"], silent.id: ["no-reply"]}
    # And every journey ends there (the replies started new silences, which the ticks
    # enroll on their own, ahead of their crossing)
    engine.clock.advance(HOUR / 4)
    engine.tick()
    first = quiet_since.isoformat()
    states = [
        e.item.state
        for c in (happy, unhappy, silent)
        for e in engine.deps.followups.enrollments_of(c.id)
        if e.item.silence_key == first
    ]
    assert states == [EnrollmentState.COMPLETED] * 3
    assert len(sent_to(engine, happy.id)) == 2


def test_each_action_changes_the_contact_as_the_api_shows_it(engine: LocalEngine) -> None:
    # Given a journey of actions only, and a lead tagged `cold-lead`
    create(
        engine,
        journey(
            "tidy-up",
            {"kind": "action", "do": "add_tag", "tag": "vip"},
            {"kind": "action", "do": "remove_tag", "tag": "cold-lead"},
            {"kind": "action", "do": "set_attribute", "attribute": "plan", "value": "gold"},
            {"kind": "action", "do": "set_stage", "stage": "qualified"},
            {"kind": "action", "do": "close_conversation"},
        ),
    )
    lead = quiet_contact(
        engine.deps, "6281100000820", engine.clock.now() - 25 * HOUR, tags=["cold-lead"]
    )
    _, before = call(engine, "GET", f"/api/contacts/{lead.id}")
    # When one tick runs the journey
    engine.tick()
    # Then the contact shows every change
    _, after = call(engine, "GET", f"/api/contacts/{lead.id}")
    assert after["tags"] == ["vip"]
    assert after["attributes"] == {**before["attributes"], "plan": "gold"}
    assert after["stage"] == "qualified"
    assert after["conversation_open"] is False
    assert after["conversation_changed_by"] == "journey:tidy-up"
    # And the journey ended with the closed conversation, having sent nothing
    done = the_enrollment(engine, lead.id)
    assert (done.state, done.exit_reason) == (EnrollmentState.EXITED, "conversation_closed")
    assert engine.sandbox.sent() == []


def test_a_branch_that_loops_or_a_stage_the_funnel_lacks_is_refused(engine: LocalEngine) -> None:
    looping = journey(
        "loop",
        template("hello"),
        {"kind": "branch", "if": {"replied": False}, "then": 0, "else": 2},
        template("again"),
    )
    status, answer = call(engine, "POST", "/api/rules", looping, role="marketing")
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["steps.1.then"]
    unknown = journey(
        "unknown-stage",
        {"kind": "action", "do": "set_stage", "stage": "alumni"},
        {"kind": "branch", "if": {"not": {"stage": ["graduated"]}}, "then": 2},
    )
    status, answer = call(engine, "POST", "/api/rules", unknown, role="marketing")
    assert status == 422
    fields = [d["field"] for d in answer["error"]["details"]]
    assert fields == ["steps.0.stage", "steps.1.if.not.stage.0"]
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


def test_a_rule_stored_before_step_kinds_still_loads_and_runs(engine: LocalEngine) -> None:
    # Given a rule stored as it was before steps had a kind
    create(
        engine,
        journey("legacy", template("hello"), template("again", {"amount": 1, "unit": "days"})),
    )
    stored = Rule.model_validate(journey("legacy", template("hello"))).model_dump(mode="json")
    stored["steps"] = [template("hello"), template("again", {"amount": 1, "unit": "days"})]
    assert all("kind" not in step for step in stored["steps"])
    RuleItem("legacy", "v#00001", doc=json.dumps({**stored, "version": 1})).save()
    engine.deps.catalog.invalidate()
    # Then the API reads it, each step a send step
    status, shown = call(engine, "GET", "/api/rules/legacy")
    assert status == 200
    assert [step["kind"] for step in shown["steps"]] == ["send", "send"]
    # And it runs both steps
    lead = quiet_contact(engine.deps, "6281100000830", engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.clock.advance(timedelta(days=1))
    engine.tick()
    names = [f.rendered.template_name for f in sent_to(engine, lead.id) if f.rendered]
    assert names == ["hello", "again"]


def test_preview_and_stats_read_journeys_that_start_without_a_send(engine: LocalEngine) -> None:
    # Given leads quiet past the idle time, one with a renewal date and one without
    quiet_since = engine.clock.now() - 25 * HOUR
    renews = quiet_contact(
        engine.deps, "6281100000840", quiet_since, attributes={"renewal_date": "2026-12-10"}
    )
    quiet_contact(engine.deps, "6281100000841", quiet_since)
    at_ten = journey("at-ten", {"kind": "wait", "until_time": "10:00"}, template("hello"))
    renewal = journey(
        "renewal",
        {"kind": "wait", "until_attribute": "renewal_date"},
        {"kind": "action", "do": "add_tag", "tag": "renewing"},
        template("renewal_day"),
    )
    # When marketing previews a journey that first waits until 10:00
    status, shown = call(engine, "POST", "/api/rules/preview", at_ten, role="marketing")
    # Then both leads are planned for 10:00 their time
    assert status == 200
    assert [
        local(datetime.fromisoformat(p["send_at"]), "Asia/Jakarta") for p in shown["planned"]
    ] == [
        "2026-11-24 10:00",
        "2026-11-24 10:00",
    ]
    # And a journey waiting for a date plans only the lead who has one, at the office's
    # opening on that day
    status, shown = call(engine, "POST", "/api/rules/preview", renewal, role="marketing")
    assert status == 200
    assert [p["contact_id"] for p in shown["planned"]] == [renews.id]
    assert local(datetime.fromisoformat(shown["planned"][0]["send_at"]), "Asia/Jakarta") == (
        "2026-12-10 08:00"
    )
    # And once journeys ran their actions, stats still answer, counting only sends
    create(engine, renewal)
    engine.tick()
    engine.clock.advance(datetime(2026, 12, 10, 1, 0, tzinfo=UTC) - engine.clock.now())
    engine.tick()
    status, stats = call(engine, "GET", "/api/stats?from=2026-12-09&to=2026-12-10")
    assert status == 200
    row = next(r for r in stats["rules"] if r["rule_id"] == "renewal")
    assert (row["queued"], row["sent"]) == (1, 1)
    _, contact = call(engine, "GET", f"/api/contacts/{renews.id}")
    assert contact["tags"] == ["renewing"]


def test_sampling_a_step_that_sends_nothing_is_refused_naming_it(engine: LocalEngine) -> None:
    create(engine, journey("at-ten", {"kind": "wait", "until_time": "10:00"}, template("hello")))
    lead = quiet_contact(engine.deps, "6281100000850", engine.clock.now() - 25 * HOUR)
    path = "/api/rules/at-ten/steps/{}/sample"
    status, answer = call(engine, "POST", path.format(0), {"contact_id": lead.id})
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["step"])
    assert "wait step" in answer["error"]["details"][0]["message"]
    status, answer = call(engine, "POST", path.format(1), {"contact_id": lead.id})
    assert (status, answer["message"]["template_name"]) == (200, "hello")
