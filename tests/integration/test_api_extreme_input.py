"""Times out of any sensible range and digits that are not numbers are refused with a
422 naming the field: the handler never lets an overflow or a parse error escape as a
500 (which the API's clients would retry)."""

from __future__ import annotations

import pytest

from followup_local.engine import LocalEngine
from tests.integration.test_api_tasks import journeys_create_tasks
from tests.support.api import call
from tests.support.builders import rule

FAR = ["0001-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00"]


def fields_of(answer: dict[str, object]) -> list[object]:
    error = answer["error"]
    assert isinstance(error, dict)
    return [detail["field"] for detail in error["details"]]


@pytest.mark.parametrize("start", FAR)
def test_a_dry_run_from_a_start_out_of_range_is_refused(engine: LocalEngine, start: str) -> None:
    call(engine, "POST", "/api/rules", rule().model_dump(mode="json"))
    body = {"contact": {"name": "Ann"}, "start": start}
    status, answer = call(engine, "POST", "/api/rules/apply-remind-24h/dry-run", body)
    assert (status, fields_of(answer)) == (422, ["start"])


@pytest.mark.parametrize("due_at", FAR)
def test_a_task_due_out_of_range_is_refused(engine: LocalEngine, due_at: str) -> None:
    journeys_create_tasks(engine)
    task = call(engine, "GET", "/api/tasks")[1]["tasks"][0]
    status, answer = call(engine, "PATCH", f"/api/tasks/{task['id']}", {"due_at": due_at})
    assert (status, fields_of(answer)) == (422, ["due_at"])
    assert call(engine, "GET", f"/api/tasks/{task['id']}")[1]["due_at"] == task["due_at"]


@pytest.mark.parametrize("at", FAR)
def test_an_event_at_a_time_out_of_range_is_refused(engine: LocalEngine, at: str) -> None:
    event = {"type": "custom", "contact": "6281100000990", "name": "booked", "at": at}
    status, answer = call(engine, "POST", "/api/events", event)
    assert status == 422
    assert any("at" in str(field) for field in fields_of(answer))


def test_a_step_number_in_superscript_digits_is_refused(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/rules", rule().model_dump(mode="json"))
    path = "/api/rules/apply-remind-24h/steps/²/sample"
    status, answer = call(engine, "POST", path, {"contact_id": "ct_x"})
    assert (status, fields_of(answer)) == (422, ["step"])
