"""A refused field's problem carries the bound it broke, for the admin app to say it in the
reader's language, and never the value that was sent (a lead's number or address)."""

from __future__ import annotations

import json

from followup_local.engine import LocalEngine
from tests.support.api import call


def test_a_setting_out_of_range_is_refused_with_its_bounds_on_a_check_and_a_save(
    engine: LocalEngine,
) -> None:
    # Given the saved settings
    _, saved = call(engine, "GET", "/api/settings")
    # When an admin checks, then saves, 30 tries of a send (at most 20)
    changed = {**saved, "max_attempts": 30}
    status, checked = call(engine, "POST", "/api/settings/check", changed)
    # Then the problem names the field, pydantic's code and the bounds of the range
    expected = {
        "field": "max_attempts",
        "message": "Input should be less than or equal to 20",
        "code": "less_than_equal",
        "limits": {"le": 20},
    }
    assert (status, checked["problems"]) == (200, [expected])
    status, answer = call(engine, "PUT", "/api/settings", changed)
    assert (status, answer["error"]["details"]) == (422, [expected])
    assert call(engine, "GET", "/api/settings") == (200, saved)


def test_a_contact_too_long_carries_the_length_allowed_never_what_was_sent(
    engine: LocalEngine,
) -> None:
    # Given a contact whose name and email are longer than the API keeps
    name = "Sari Wulandari " * 20
    email = "sari.wulandari." + "x" * 250 + "@example.com"
    sent = {"wa_id": "628111222333", "name": name, "email": email}
    # When it is sent
    status, answer = call(engine, "POST", "/api/contacts", sent)
    # Then each field is named with its longest length, and nothing sent is in the answer
    assert status == 422
    assert [(d["field"], d["code"], d["limits"]) for d in answer["error"]["details"]] == [
        ("name", "string_too_long", {"max_length": 200}),
        ("email", "string_too_long", {"max_length": 254}),
    ]
    said = json.dumps(answer)
    assert name.strip() not in said
    assert email not in said
    assert "628111222333" not in said


def test_a_wrong_choice_carries_the_choices_and_a_problem_without_bounds_has_none(
    engine: LocalEngine,
) -> None:
    # When a contact's score is none of the three
    status, answer = call(
        engine, "POST", "/api/contacts", {"wa_id": "628111222333", "score": "scorching"}
    )
    # Then the choices are given, and not the value sent
    assert status == 422
    [detail] = answer["error"]["details"]
    assert (detail["field"], detail["limits"]) == ("score", {"expected": "'hot', 'warm' or 'cold'"})
    assert "scorching" not in json.dumps(answer)
    # And a problem that has no bound (a contact with neither id) says none
    status, answer = call(engine, "POST", "/api/contacts", {"name": "Sari"})
    assert status == 422
    assert all("limits" not in d for d in answer["error"]["details"])
