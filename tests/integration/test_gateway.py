"""The local gateway builds the events API Gateway sends and answers the way it does."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from followup.api.auth import Role
from followup_local.engine import LocalEngine
from followup_local.gateway import create_app, serving
from followup_local.tokens import DevTokens
from tests.support.builders import rule
from tests.support.events import load
from tests.support.webhook import payload

TOKENS = DevTokens("gateway-test-signing-key-of-32-bytes")
# What a handler may rely on; ids, times and host names differ by nature.
SHAPE = ("version", "routeKey", "rawPath", "rawQueryString", "pathParameters", "isBase64Encoded")
CONTEXT = ("routeKey", "stage")


class Recorder:
    """Stands in for the Lambda runtime: keeps each event, answers with a canned result."""

    def __init__(self, result: dict[str, Any] | None = None) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.result = result or {"statusCode": 200, "body": "{}"}

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append((function, event))
        return self.result


def client(recorder: Recorder) -> TestClient:
    return TestClient(create_app(recorder, TOKENS), client=("203.0.113.20", 50000))


def bearer(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS.issue(role)}"}


def test_a_webhook_post_becomes_the_event_api_gateway_sends() -> None:
    sample = load("apigw-webhook-post.json")
    recorder = Recorder()
    client(recorder).post(
        sample["rawPath"],
        content=sample["body"],
        headers={"content-type": "application/json", "user-agent": "360dialog-webhook/1.0"},
    )
    [(function, event)] = recorder.events
    assert function == "webhook"
    assert {k: event[k] for k in SHAPE} == {k: sample[k] for k in SHAPE}
    assert {k: event["requestContext"][k] for k in CONTEXT} == {
        k: sample["requestContext"][k] for k in CONTEXT
    }
    assert event["body"] == sample["body"]
    assert event["requestContext"]["http"] == {
        **sample["requestContext"]["http"],
        "sourceIp": "203.0.113.20",
    }
    assert "authorizer" not in event["requestContext"]


def test_an_api_call_carries_the_claims_as_the_jwt_authorizer_puts_them() -> None:
    sample = load("apigw-api-get-queue.json")
    recorder = Recorder()
    client(recorder).get("/api/queue?status=queued&limit=20", headers=bearer(Role.MARKETING))
    [(function, event)] = recorder.events
    assert function == "api"
    assert {k: event[k] for k in SHAPE} == {k: sample[k] for k in SHAPE}
    assert event["queryStringParameters"] == sample["queryStringParameters"]
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    expected = sample["requestContext"]["authorizer"]["jwt"]["claims"]
    assert set(claims) == set(expected)
    assert claims["cognito:groups"] == expected["cognito:groups"]
    assert claims["email_verified"] == expected["email_verified"]
    assert all(isinstance(value, str) for value in claims.values())
    assert "body" not in event


def test_api_calls_without_a_valid_token_get_api_gateways_401_and_reach_no_handler() -> None:
    recorder = Recorder()
    gateway = client(recorder)
    other_key = DevTokens("another-key-another-key-another-key")
    expired = TOKENS.issue(Role.ADMIN, now=datetime.now(UTC) - timedelta(hours=13))
    for headers in (
        {},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": f"Bearer {other_key.issue(Role.ADMIN)}"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": "Bearer not-a-jwt"},
    ):
        answer = gateway.get("/api/rules", headers=headers)
        assert (answer.status_code, answer.json()) == (401, {"message": "Unauthorized"})
    assert recorder.events == []
    assert gateway.get("/api/openapi.json").status_code == 200


def test_repeated_query_names_are_joined_and_binary_bodies_are_base64() -> None:
    recorder = Recorder()
    client(recorder).post(
        "/api/contacts/import?tag=a&tag=b",
        content=b"\x00\xffraw",
        headers={**bearer(Role.ADMIN), "content-type": "application/octet-stream"},
    )
    [(_, event)] = recorder.events
    assert event["queryStringParameters"] == {"tag": "a,b"}
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xffraw"


def test_a_json_body_not_in_utf8_reaches_the_api_as_bytes_and_is_refused(
    engine: LocalEngine,
) -> None:
    # Given a CRM posting a contact in Latin-1 under a JSON media type
    latin1 = json.dumps({"wa_id": "6281100000009", "name": "José"}, ensure_ascii=False)
    app = TestClient(create_app(engine.invoke, TOKENS))
    answer = app.post(
        "/api/contacts",
        content=latin1.encode("latin-1"),
        headers={**bearer(Role.MARKETING), "content-type": "application/json"},
    )
    # Then it is refused as the deployed API refuses it, and no contact keeps "Jos\ufffd"
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        400,
        "the body is not JSON in UTF-8",
    )
    assert app.get("/api/contacts", headers=bearer(Role.MARKETING)).json()["contacts"] == []


def test_a_handler_result_becomes_the_response_with_headers_cookies_and_binary_bodies() -> None:
    recorder = Recorder(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/octet-stream", "X-Request": "r1"},
            "cookies": ["a=1; Path=/", "b=2; Path=/"],
            "body": base64.b64encode(b"\x01\x02").decode(),
            "isBase64Encoded": True,
        }
    )
    answer = client(recorder).get("/api/rules", headers=bearer(Role.ADMIN))
    assert answer.status_code == 201
    assert answer.content == b"\x01\x02"
    assert answer.headers["x-request"] == "r1"
    assert answer.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]


def test_a_crashing_handler_is_a_json_500_and_unknown_paths_a_json_404() -> None:
    def crash(function: str, event: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("boom")

    gateway = TestClient(create_app(crash, TOKENS))
    answer = gateway.get("/api/rules", headers=bearer(Role.ADMIN))
    assert (answer.status_code, answer.json()) == (500, {"message": "Internal Server Error"})
    answer = gateway.get("/nowhere")
    assert (answer.status_code, answer.json()) == (404, {"message": "Not Found"})


@pytest.mark.parametrize(
    ("role", "expected"), [(Role.MARKETING, 201), (Role.COUNSELOR, 403), (Role.ADMIN, 201)]
)
def test_roles_from_the_token_decide_what_the_real_handler_allows(
    engine: LocalEngine, role: Role, expected: int
) -> None:
    gateway = TestClient(create_app(engine.invoke, TOKENS))
    body = rule(rule_id=f"by-{role.value}").model_dump(mode="json")
    answer = gateway.post("/api/rules", json=body, headers=bearer(role))
    assert answer.status_code == expected, answer.text


def test_the_whatsapp_webhook_needs_no_token(engine: LocalEngine) -> None:
    gateway = TestClient(create_app(engine.invoke, TOKENS))
    secret = engine.config.webhook_secrets.get_secret_value().split(",")[0]
    answer = gateway.post(f"/webhooks/whatsapp/{secret}", json=payload("text.json"))
    assert answer.status_code == 200, answer.text
    assert gateway.post("/webhooks/whatsapp/wrong", json={}).status_code == 404
    assert json.loads(gateway.get("/api/openapi.json").text)["openapi"] == "3.1.0"


def test_concurrent_requests_each_run_with_their_own_event(engine: LocalEngine) -> None:
    # Lambda runs one request per instance at a time: the resolver's current event is the
    # caller's own, so a counsellor never borrows an admin's rights from a request in flight
    settings = engine.deps.rules.settings().model_dump(mode="json")
    with serving(create_app(engine.invoke, TOKENS)) as url, httpx.Client(timeout=60) as http:

        def call(n: int) -> tuple[str, int]:
            if n % 2:
                answer = http.get(f"{url}/api/settings", headers=bearer(Role.ADMIN))
                return "admin", answer.status_code
            answer = http.put(f"{url}/api/settings", json=settings, headers=bearer(Role.COUNSELOR))
            return "counselor", answer.status_code

        with ThreadPoolExecutor(max_workers=24) as pool:
            answers = list(pool.map(call, range(120)))
    assert sorted(set(answers)) == [("admin", 200), ("counselor", 403)]


def test_local_only_paths_answer_only_this_machine_by_host_and_origin() -> None:
    async def token(_: Request) -> JSONResponse:
        return JSONResponse({"token": "t"})

    app = create_app(
        Recorder(), TOKENS, [Route("/dev/token", token, methods=["POST"])], loopback_only=["/dev/"]
    )
    gateway = TestClient(app, base_url="http://127.0.0.1:8000")
    allowed: list[dict[str, str]] = [
        {},
        {"Host": "localhost:8000"},
        {"Host": "[::1]:8000"},
        {"Origin": "http://127.0.0.1:8000"},
        {"Origin": "http://localhost:5173"},
    ]
    refused: list[dict[str, str]] = [
        {"Host": "127.0.0.1.attacker.example"},
        {"Host": "localhost.attacker.example:8000"},
        {"Host": "192.168.1.20:8000"},
        {"Origin": "https://attacker.example"},
        {"Origin": "http://localhost.attacker.example"},
        {"Origin": "null"},
    ]
    for headers in allowed:
        assert gateway.post("/dev/token", headers=headers).status_code == 200, headers
    for headers in refused:
        answer = gateway.post("/dev/token", headers=headers)
        assert (answer.status_code, answer.json()) == (403, {"message": "Forbidden"}), headers
    # The API keeps its own sign-in and is reachable by any host, as in AWS
    api = gateway.get("/api/rules", headers={"Host": "api.example", **bearer(Role.ADMIN)})
    assert api.status_code == 200
