"""An import that would have a running rule message more of its contacts on one day than
the mass-send limit is answered 409 with what the app or a script needs to say it, writes
nothing, and goes in with `confirm=true`."""

from __future__ import annotations

from typing import Any

from followup.services.contacts import find_contact
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import days_before, rule


def class_reminder_on_with_a_limit_of_two(engine: LocalEngine) -> None:
    _, settings = call(engine, "GET", "/api/settings")
    call(engine, "PUT", "/api/settings", settings | {"mass_send_limit": 2})
    reminder = rule("class-reminder", trigger=days_before("class_start", 2, "09:00"), exit={})
    status, _ = call(engine, "POST", "/api/rules", reminder.model_dump(mode="json"))
    assert status == 201


def imported(engine: LocalEngine, text: str, query: str = "") -> tuple[int, Any]:
    return call(engine, "POST", f"/api/contacts/import{query}", raw=text, content_type="text/csv")


STUDENTS = "wa_id,name,attr.class_start\n" + "\n".join(
    f"6281100002{n:03d},Student {n},2026-12-10" for n in range(3)
)


def test_an_import_reaching_a_crowd_on_one_day_is_refused_with_its_details(
    engine: LocalEngine,
) -> None:
    # Given class-reminder on, and a limit of two
    class_reminder_on_with_a_limit_of_two(engine)
    # When marketing imports three students starting on 10 Dec
    status, answer = imported(engine, STUDENTS)
    # Then it is refused, saying which rule, how many and when
    assert (status, answer["error"]["code"]) == (409, "mass_send")
    [details] = answer["error"]["details"]
    assert details | {"message": ""} == {
        "field": "body",
        "message": "",
        "code": "mass_send",
        "rule_id": "class-reminder",
        "rule": "class reminder",
        "trigger": "date",
        "count": 3,
        "limit": 2,
        "complete": True,
        "day": "2026-12-08",
    }
    assert details["message"] == answer["error"]["message"]
    # And nobody was written
    assert find_contact(engine.deps, "6281100002000", None) is None
    # When it is sent again confirmed
    status, report = imported(engine, STUDENTS, "?confirm=true")
    # Then the three are created
    assert (status, report["created"]) == (200, 3)
    assert find_contact(engine.deps, "6281100002000", None) is not None


def test_the_same_file_sent_again_is_no_crowd(engine: LocalEngine) -> None:
    # Given the three students imported, confirmed
    class_reminder_on_with_a_limit_of_two(engine)
    imported(engine, STUDENTS, "?confirm=true")
    # When the nightly sync sends the same file unconfirmed
    status, report = imported(engine, STUDENTS)
    # Then it goes in: no date changed
    assert (status, report["updated"]) == (200, 3)
