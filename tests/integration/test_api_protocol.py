"""HTTP manners of the admin API: wrong methods, media types and parameters get clear 4xx."""

from __future__ import annotations

import json

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import rule


def test_a_known_path_with_the_wrong_method_is_405_naming_the_right_ones(
    engine: LocalEngine,
) -> None:
    response = engine.invoke("api", _event("PATCH", "/api/rules/apply-remind-24h"))
    assert response["statusCode"] == 405
    assert response["headers"]["Allow"] == "DELETE, GET, PUT"
    status, answer = call(engine, "PATCH", "/api/rules/preview")
    assert (status, answer["error"]["code"]) == (405, "method_not_allowed")
    assert answer["error"]["message"] == "this path answers POST"
    assert call(engine, "GET", "/api/nothing-here")[0] == 404


def test_a_body_in_another_media_type_is_415_and_nothing_is_saved(engine: LocalEngine) -> None:
    body = json.dumps(rule().model_dump(mode="json"))
    for kind in ("text/plain", "multipart/form-data", "application/xml"):
        status, answer = call(engine, "POST", "/api/rules", raw=body, content_type=kind)
        assert (status, answer["error"]["code"]) == (415, "unsupported_media_type"), kind
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


def test_a_json_body_not_in_utf8_is_400_and_nothing_is_saved(engine: LocalEngine) -> None:
    # A CRM writing Latin-1: the gateway passes a body it finds no text in base64-encoded
    latin1 = json.dumps({"wa_id": "6281100000009", "name": "José"}, ensure_ascii=False)
    for method, path in (
        ("POST", "/api/contacts"),
        ("POST", "/api/rules"),
        ("PUT", "/api/settings"),
    ):
        status, answer = call(engine, method, path, encoded=latin1.encode("latin-1"))
        assert (status, answer["error"]["message"]) == (400, "the body is not JSON in UTF-8")
    assert call(engine, "GET", "/api/contacts")[1]["contacts"] == []
    # The same body in UTF-8, passed the same way, is taken
    status, created = call(engine, "POST", "/api/contacts", encoded=latin1.encode())
    assert (status, created["name"]) == (201, "José")


def test_an_unknown_query_parameter_is_named_instead_of_ignored(engine: LocalEngine) -> None:
    status, answer = call(engine, "GET", "/api/queue?stauts=queued")
    assert status == 422
    assert answer["error"]["details"] == [
        {"field": "query.stauts", "message": "unknown query parameter", "code": "unknown_parameter"}
    ]


def test_dates_and_numbers_must_be_written_as_documented(engine: LocalEngine) -> None:
    status, answer = call(engine, "GET", "/api/stats?to=0")
    assert (status, answer["error"]["details"][0]["field"]) == (422, "query.to")
    status, _ = call(engine, "GET", "/api/queue?from=1700000000")
    assert status == 422
    bad = rule().model_dump(mode="json")
    bad["steps"][0]["wait"]["amount"] = True
    assert call(engine, "POST", "/api/rules", bad)[0] == 422


def test_a_contact_with_an_impossible_time_zone_is_refused_not_a_crash(
    engine: LocalEngine,
) -> None:
    for zone in ("", "Mars/Olympus_Mons", "x" * 300):
        status, answer = call(
            engine, "POST", "/api/contacts", {"wa_id": "628111222333", "timezone": zone}
        )
        assert (status, answer["error"]["details"][0]["field"]) == (422, "timezone"), zone
    assert call(engine, "GET", "/api/contacts?stage=new")[1]["contacts"] == []


def _event(method: str, path: str) -> dict[str, object]:
    return {
        "version": "2.0",
        "routeKey": "ANY /api/{proxy+}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {},
        "requestContext": {
            "http": {"method": method, "path": path, "sourceIp": "203.0.113.5"},
            "authorizer": {"jwt": {"claims": {"sub": "u", "cognito:groups": "[admin]"}}},
            "stage": "$default",
            "requestId": "r1",
        },
        "isBase64Encoded": False,
    }
