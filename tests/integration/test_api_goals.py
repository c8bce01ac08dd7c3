"""/api/rules with a journey's goal, exit events and re-entry policy, through the handler on
moto: saved, read back, refused by field, and ended by its goal event."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

WA_ID = "6281100000961"
STEPS = [
    {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
    {"wait": {"amount": 1, "unit": "days"}, "template": {"name": "b", "language": "en"}},
]


def body(**journey: Any) -> dict[str, Any]:
    return rule("nurture", steps=STEPS).model_dump(mode="json") | journey


def test_a_journey_with_a_goal_and_re_entry_is_saved_refused_by_field_and_ends_on_its_goal(
    engine: LocalEngine,
) -> None:
    # Given marketing saves a journey that ends when the lead pays or books, or cancels,
    # and that a lead may start again a week after the last time
    journey = body(
        goal={"stages": ["paid"], "events": ["booking_completed"]},
        exit={"on_reply": True, "stages": [], "events": ["booking_cancelled"]},
        reentry={"policy": "cooldown", "cooldown": {"amount": 7, "unit": "days"}},
    )
    assert call(engine, "POST", "/api/rules", journey, role="marketing")[0] == 201
    status, read = call(engine, "GET", "/api/rules/nurture")
    assert status == 200
    assert read["goal"] == {"stages": ["paid"], "events": ["booking_completed"]}
    assert read["exit"]["events"] == ["booking_cancelled"]
    assert read["reentry"] == {
        "policy": "cooldown",
        "cooldown": {"amount": 7, "unit": "days"},
    }
    # When an edit names a cooldown without its duration, or a goal stage the funnel lacks
    no_duration = body(reentry={"policy": "cooldown"})
    status, answer = call(engine, "PUT", "/api/rules/nurture", no_duration)
    # Then each is refused naming its field, and the saved version stays
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["reentry.cooldown"]
    unknown = body(goal={"stages": ["graduated"]})
    status, answer = call(engine, "PUT", "/api/rules/nurture", unknown)
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["goal.stages.0"]
    assert call(engine, "GET", "/api/rules/nurture")[1]["version"] == 1
    # And when a lead in the journey books, the journey ends as reached
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    engine.clock.advance(timedelta(days=1))
    engine.scheduled("enqueue")
    event = {"type": "custom", "name": "booking_completed", "contact": WA_ID, "id": "bk-9"}
    assert call(engine, "POST", "/api/events", event)[0] == 200
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert (enrollment.item.state, enrollment.item.exit_reason) == (EnrollmentState.EXITED, "goal")
    statuses = sorted(
        (f.step_index, f.status, f.reason) for f in engine.deps.followups.followups_of(lead.id)
    )
    assert statuses == [(0, Status.SENT, None), (1, Status.CANCELED, "goal")]
