"""Size limits and date ranges: input too large or out of range is a 4xx naming the problem.

The limits keep every item well below DynamoDB's 400 KB and every request inside one
Lambda invocation; README's "Admin API" section lists them.
"""

from __future__ import annotations

from typing import Any

import pytest

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import rule


def _fields(answer: dict[str, Any]) -> set[str]:
    return {detail["field"] for detail in answer["error"]["details"]}


def _rule(**conditions: Any) -> dict[str, Any]:
    body = rule().model_dump(mode="json", exclude={"version"})
    body["conditions"] |= conditions
    return body


def test_a_body_over_256_kib_is_413_and_nothing_is_saved(engine: LocalEngine) -> None:
    lead = {"wa_id": "6281100000701", "attributes": {"notes": "x" * 300_000}}
    status, answer = call(engine, "POST", "/api/contacts", lead)
    assert (status, answer["error"]["code"]) == (413, "too_large")
    assert "256 KiB" in answer["error"]["message"]
    assert call(engine, "GET", "/api/contacts?stage=new")[1]["contacts"] == []


def test_a_rule_with_50000_condition_tags_is_refused(engine: LocalEngine) -> None:
    tags = [f"tag-{n}" for n in range(50_000)]
    status, answer = call(engine, "POST", "/api/rules", _rule(tags=tags))
    assert (status, answer["error"]["code"]) == (413, "too_large")
    status, answer = call(engine, "POST", "/api/rules", _rule(tags=["t"] * 50_000))
    assert (status, _fields(answer)) == (422, {"conditions.tags"})
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"tags": [f"t{n}" for n in range(51)]}, "tags"),
        ({"tags": ["t" * 65]}, "tags.0"),
        ({"attributes": {f"k{n}": "v" for n in range(51)}}, "attributes"),
        (
            {"attributes": {"k" * 65: "v"}},
            "attributes.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk.[key]",
        ),
        ({"attributes": {"notes": "x" * 1001}}, "attributes.notes"),
        ({"email": "a" * 250 + "@x.id"}, "email"),
    ],
)
def test_contact_fields_over_their_limits_are_named(
    engine: LocalEngine, change: dict[str, Any], field: str
) -> None:
    status, answer = call(engine, "POST", "/api/contacts", {"wa_id": "6281100000702", **change})
    assert (status, _fields(answer)) == (422, {field})


def test_the_largest_contact_and_rule_the_api_accepts_are_stored(engine: LocalEngine) -> None:
    lead = {
        "wa_id": "6281100000703",
        "name": "n" * 200,
        "email": "e" * 244 + "@mail.test",
        "tags": [f"{n:02d}" + "t" * 62 for n in range(50)],
        "attributes": {f"{n:02d}" + "k" * 62: "v" * 1000 for n in range(50)},
    }
    status, saved = call(engine, "POST", "/api/contacts", lead)
    assert status == 201
    assert (
        call(engine, "GET", f"/api/contacts/{saved['id']}")[1]["attributes"] == lead["attributes"]
    )
    body = _rule(
        tags=lead["tags"],
        attributes={f"{n:02d}" + "k" * 62: "v" * 1000 for n in range(50)},
    )
    body["steps"] = [body["steps"][0] | {"text": "x" * 4096}] * 20
    status, created = call(engine, "POST", "/api/rules", body)
    assert status == 201, created
    assert len(call(engine, "GET", "/api/rules/apply-remind-24h")[1]["steps"]) == 20


def test_an_import_over_5_mib_is_413(engine: LocalEngine) -> None:
    csv = "wa_id,name\n" + "6281100000704,Dewi\n" * 300_000
    status, answer = call(engine, "POST", "/api/contacts/import", raw=csv, content_type="text/csv")
    assert (status, answer["error"]["code"]) == (413, "too_large")
    assert "5 MiB" in answer["error"]["message"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/stats?to=0001-01-01", "to"),
        ("/api/stats?from=0001-01-01&to=2026-11-24", "from"),
        ("/api/stats?to=9999-12-31", "to"),
        ("/api/queue?to=0001-01-01T00:00:00Z", "to"),
        ("/api/queue?from=0001-01-01T00:00:00%2B14:00", "from"),
        ("/api/queue?to=9999-12-31T23:59:59-14:00", "to"),
    ],
)
def test_dates_outside_2000_to_2999_are_named_not_a_crash(
    engine: LocalEngine, path: str, field: str
) -> None:
    status, answer = call(engine, "GET", path)
    assert (status, _fields(answer)) == (422, {f"query.{field}"})
    assert "2000" in answer["error"]["details"][0]["message"]


def test_settings_without_stages_are_refused_so_new_contacts_still_get_one(
    engine: LocalEngine,
) -> None:
    _, settings = call(engine, "GET", "/api/settings")
    status, answer = call(engine, "PUT", "/api/settings", settings | {"stages": []})
    assert (status, _fields(answer)) == (422, {"stages"})
    assert call(engine, "POST", "/api/contacts", {"wa_id": "6281100000705"})[0] == 201


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/api/contacts/{long}", "path"),
        ("GET", "/api/followups/{long}", "path"),
        ("POST", "/api/numbers/{long}/resume", "path"),
        ("GET", "/api/queue?contact={long}", "query.contact"),
        ("GET", "/api/contacts?stage={long}", "query.stage"),
    ],
)
def test_ids_longer_than_256_characters_are_named_before_any_lookup(
    engine: LocalEngine, method: str, path: str, field: str
) -> None:
    # DynamoDB refuses keys over 2,048 bytes with an error of its own
    status, answer = call(engine, method, path.format(long="x" * 257))
    assert (status, _fields(answer)) == (422, {field})


def test_an_event_naming_a_contact_longer_than_256_characters_is_refused(
    engine: LocalEngine,
) -> None:
    event = {"type": "stage_changed", "contact": "x" * 257, "stage": "paid"}
    status, answer = call(engine, "POST", "/api/events", event)
    assert (status, _fields(answer)) == (422, {"contact"})
