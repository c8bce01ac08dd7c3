"""Every AWS call a handler makes is one its grants allow (`infra/grants.py`).

moto checks no IAM, so a missing grant would only show in AWS. Here each function runs
its use cases on moto while every botocore call is recorded and must be allowed by the
function's grants; `tests/infra` checks that the template grants exactly those.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from followup.adapters.claude import ClaudeWriter
from followup.adapters.connections import ConnectionPoster, Connections
from followup.adapters.dynamo_pacing import DynamoPacing
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.settings import AiSettings
from followup.services.pacing import Pacer
from followup.wiring import runtime
from followup_local import envelopes
from followup_local.engine import LocalEngine
from followup_local.fake_anthropic import LABEL, FakeAnthropic
from functions.ws_authorizer import handler as ws_authorizer
from tests.integration.test_ai_send import ai_step
from tests.integration.test_bsuid import NEW, OLD, from_user, user_id_change
from tests.support import api
from tests.support.builders import quiet_contact, rule
from tests.support.events import load
from tests.support.grants import Recorder, recorder
from tests.support.webhook import post

__all__ = ["recorder"]  # the fixture


def test_the_loop_and_the_webhook_stay_within_their_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given leads due for a rule, one of whom the provider refuses once, sent paced
    deps = engine.deps
    clock = engine.clock

    def wait(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))

    deps.pacer = Pacer(DynamoPacing(), deps.sending_number, 80, clock, wait)
    deps.rules.save_rule(rule())
    now = engine.clock.now()
    leads = [quiet_contact(deps, f"62811000070{n}", now - timedelta(hours=25)) for n in range(4)]
    engine.sandbox.fail_next(status=500, to=leads[2].wa_id)
    # When the ticks, the sender, the webhook and a CRM event run (the last lead never answers)
    for tick in ("enqueue", "dispatch"):
        with recorder.running(engine, tick):
            engine.scheduled(tick)
    with recorder.running(engine, "sender"):
        engine.drain()
    first = engine.sandbox.sent()[0]
    at = engine.clock.advance(timedelta(minutes=5))
    deliveries = [
        envelopes.status(first.wamid or "", "delivered", at, leads[0].wa_id or "", None),
        envelopes.text_message(leads[0].wa_id or "", "Yes please", at, "wamid.IN1"),
        envelopes.text_message(leads[1].wa_id or "", "STOP", at, "wamid.IN2"),
        load("whatsapp/user-preferences-stop.json"),
        load("whatsapp/quality-flagged.json"),
    ]
    with recorder.running(engine, "webhook"):
        assert [engine.deliver(document) for document in deliveries] == [200] * 5
    stage_changed = load("eventbridge-stage-changed.json")
    stage_changed["detail"] = {"contact": leads[0].id, "stage": "paid"}
    closed = load("eventbridge-conversation-closed.json")
    closed["detail"] = {"contact": leads[2].id}
    with recorder.running(engine, "bus_events"):
        assert engine.invoke("bus_events", stage_changed)["applied"]
        assert engine.invoke("bus_events", closed)["applied"]
    # (the close canceled the retry waiting for that lead)
    assert [f.reason for f in deps.followups.followups_of(leads[2].id)] == ["conversation_closed"]
    engine.clock.advance(timedelta(days=8))
    with recorder.running(engine, "expire"):
        engine.scheduled("expire")
    with recorder.running(engine, "stats"):
        assert engine.pump_stream() > 0
    # Then every call each made was one it is granted, and each did its work
    assert recorder.refused() == {}
    assert {"write followups", "write pacing"} <= recorder.used["sender"]
    assert {"write messages", "write state"} <= recorder.used["webhook"]
    assert "send" in recorder.used["dispatch"]
    assert "read state" in recorder.used["dispatch"]  # whether sending is paused
    assert {"read stats", "write stats"} <= recorder.used["stats"]  # the only writer there
    # ...and each send's bookkeeping on its contact and enrollment (services.sent_stream)
    assert {"write contacts", "write enrollments"} <= recorder.used["stats"]


def test_an_ai_written_step_and_a_folded_newcomer_stay_within_their_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a step Claude writes from the conversation so far, and a lead it is due for
    deps = engine.deps
    settings = deps.rules.settings()
    deps.rules.save_settings(settings.model_copy(update={"ai": AiSettings(language="en")}))
    deps.rules.save_rule(rule(steps=[ai_step()]))
    quiet_contact(deps, "6281100000821", engine.clock.now() - timedelta(hours=25))
    with FakeAnthropic("sk-ant-local-test") as fake:
        deps.writer = ClaudeWriter(
            "sk-ant-local-test", DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=60.0
        )
        # When the ticks queue it and the sender has Claude write it
        for tick in ("enqueue", "dispatch"):
            with recorder.running(engine, tick):
                engine.scheduled(tick)
        with recorder.running(engine, "sender"):
            engine.drain()
    [sent] = engine.sandbox.sent()
    assert sent.body is not None
    assert LABEL in json.dumps(sent.body)
    # ...and a lead known by a user id writes from a new one before WhatsApp's notice of
    # the change, which folds the newcomer's messages into the lead
    post(engine, from_user(OLD, "wamid.GR01", engine.clock.now()))
    post(engine, from_user(NEW, "wamid.GR02", engine.clock.now(), text="still interested"))
    with recorder.running(engine, "webhook"):
        notice = user_id_change(OLD, NEW, "wamid.GRSYS", engine.clock.now())
        assert post(engine, notice)["statusCode"] == 200
    # Then the sender read the conversation, the webhook the newcomer's, as granted
    assert recorder.refused() == {}
    assert "read messages" in recorder.used["sender"]
    assert "read messages" in recorder.used["webhook"]


def test_the_admin_api_stays_within_its_grants(engine: LocalEngine, recorder: Recorder) -> None:
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000801", engine.clock.now() - timedelta(hours=1))
    other = rule("other-rule").model_dump(mode="json")
    requests: list[tuple[str, str, Any]] = [
        ("GET", "/api/rules", None),
        ("POST", "/api/rules", other),
        ("POST", "/api/rules/other-rule/deactivate?cancel_queued=true", None),
        ("DELETE", "/api/rules/other-rule", None),
        ("GET", "/api/settings", None),
        ("PUT", "/api/settings", api.call(engine, "GET", "/api/settings")[1]),
        ("GET", "/api/numbers", None),
        ("POST", "/api/contacts", {"wa_id": "6281100000802", "stage": "qualified"}),
        ("POST", f"/api/contacts/{lead.id}/followups", {"rule_id": "apply-remind-24h"}),
        ("GET", f"/api/contacts/{lead.id}/timeline", None),
        ("POST", "/api/events", {"type": "message_sent", "contact": lead.id, "speaker": "agent"}),
        ("POST", "/api/events", {"type": "stage_changed", "contact": lead.id, "stage": "paid"}),
        ("GET", "/api/queue", None),
        ("GET", "/api/contacts?stage=new", None),
        ("GET", "/api/stats", None),
        ("GET", "/api/rules/apply-remind-24h/stats", None),
    ]
    with recorder.running(engine, "api"):
        answers = [api.call(engine, method, path, body)[0] for method, path, body in requests]
        imported, _ = api.call(
            engine,
            "POST",
            "/api/contacts/import",
            raw="wa_id,name\n6281100000803,Sari\n",
            content_type="text/csv",
        )
    assert all(status < 300 for status in [*answers, imported]), answers
    assert recorder.refused() == {}
    assert "send" in recorder.used["api"]  # send-now queues at once


def test_a_raised_messaging_limit_stays_within_the_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given an admin raises the tier, a dispatch tick follows, then WhatsApp raises it again
    settings = api.call(engine, "GET", "/api/settings")[1]
    settings["messaging_limit"]["tier"] = 2000
    capability = load("whatsapp/business-capability-update.json")
    capability["entry"][0]["changes"][0]["value"]["max_daily_conversations_per_business"] = (
        "TIER_10K"
    )
    with recorder.running(engine, "api"):
        assert api.call(engine, "PUT", "/api/settings", settings)[0] == 200
    with recorder.running(engine, "dispatch"):
        engine.scheduled("dispatch")
    with recorder.running(engine, "webhook"):
        assert engine.deliver(capability) == 200
    engine.deps.start_cold()
    with recorder.running(engine, "dispatch"):
        engine.scheduled("dispatch")
    # Then each marked the raise, and dispatch took it, within their grants
    assert engine.deps.rules.settings().messaging_limit.tier == 10_000
    assert recorder.refused() == {}
    for name in ("api", "webhook", "dispatch"):
        assert "write pacing" in recorder.used[name], name


def test_the_live_feed_stays_within_its_grants(
    engine: LocalEngine, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    management = boto3.client(
        "apigatewaymanagementapi",
        region_name=engine.config.aws_region,
        endpoint_url="https://def456.execute-api.ap-southeast-1.amazonaws.com/live",
    )
    monkeypatch.setattr(runtime, "connection_poster", lambda: ConnectionPoster(management))
    connect = load("apigw-ws-connect.json")
    ping = copy.deepcopy(connect)
    ping["requestContext"] |= {"routeKey": "$default", "eventType": "MESSAGE"}
    ping["body"] = '{"action": "ping"}'
    leave = copy.deepcopy(connect)
    leave["requestContext"] |= {"routeKey": "$disconnect", "eventType": "DISCONNECT"}
    Connections().add("gone", "u2", engine.clock.now() - timedelta(minutes=1))
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000901", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    [queued] = deps.followups.followups_of(lead.id)
    image = {"doc": {"S": queued.model_dump_json()}}
    change = {"eventName": "INSERT", "dynamodb": {"NewImage": image}}
    refused = load("apigw-ws-connect-authorizer.json")
    refused["headers"]["Sec-WebSocket-Protocol"] = "followup.live"
    with Stubber(management) as stub:
        stub.add_response("post_to_connection", {})
        stub.add_response("post_to_connection", {})
        stub.add_client_error("post_to_connection", "GoneException", http_status_code=410)
        with recorder.running(engine, "realtime"):
            for event in (connect, ping):
                assert engine.invoke("realtime", event) == {"statusCode": 200}
        with recorder.running(engine, "broadcaster"):
            report = engine.invoke("broadcaster", {"Records": [change]})
        with recorder.running(engine, "realtime"):
            engine.invoke("realtime", leave)
    engine.configure(cognito_issuer="https://cognito-idp.example/pool", cognito_client_id="app")
    ws_authorizer.verifier.cache_clear()
    try:
        with recorder.running(engine, "ws_authorizer"):
            answer = engine.invoke("ws_authorizer", refused)
        [statement] = answer["policyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
    finally:
        ws_authorizer.verifier.cache_clear()
    assert report["messages"] + report["gone"] == 2
    assert recorder.refused() == {}
    assert recorder.used["ws_authorizer"] == set()


def test_tasks_stay_within_the_grants_of_the_tick_that_makes_them_and_the_api(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a journey whose first step creates a task for a counsellor
    deps = engine.deps
    task_step = {
        "kind": "action",
        "do": "create_task",
        "title": "Call",
        "assignee": "sari@example.com",
        "due": {"amount": 2, "unit": "hours"},
    }
    deps.rules.save_rule(rule(steps=[task_step]))
    lead = quiet_contact(deps, "6281100000811", engine.clock.now() - timedelta(hours=25))
    # When the enqueue tick creates it and a counsellor lists, reads and closes it
    with recorder.running(engine, "enqueue"):
        engine.scheduled("enqueue")
    [task] = deps.tasks.tasks_of(lead.id)
    requests: list[tuple[str, str, Any]] = [
        ("GET", "/api/tasks?assignee=sari@example.com&status=open", None),
        ("GET", f"/api/tasks/{task.id}", None),
        ("PATCH", f"/api/tasks/{task.id}", {"status": "done"}),
        ("GET", f"/api/contacts/{lead.id}/tasks", None),
    ]
    with recorder.running(engine, "api"):
        answers = [
            api.call(engine, m, path, body, role="counselor")[0] for m, path, body in requests
        ]
    # Then each call was one its function is granted
    assert answers == [200] * 4
    assert recorder.refused() == {}
    assert "write tasks" in recorder.used["enqueue"]
    assert {"read tasks", "write tasks"} <= recorder.used["api"]


def test_notifications_stay_within_the_grants_of_the_tick_that_delivers_them(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a journey that puts an event on the workspace's bus
    bus = boto3.client("events", region_name=engine.config.aws_region)
    bus.create_event_bus(Name="followup-events")
    engine.deps.notifier = runtime.notifier(engine.configure(event_bus_name="followup-events"))
    notify = {"kind": "action", "do": "notify", "bus": True, "detail_type": "lead_unpaid"}
    engine.deps.rules.save_rule(rule(steps=[notify]))
    quiet_contact(engine.deps, "6281100000812", engine.clock.now() - timedelta(hours=25))
    # When the enqueue tick records and delivers it
    with recorder.running(engine, "enqueue"):
        report = engine.scheduled("enqueue")
    # Then it went out, through calls the tick is granted
    assert report["notified"] == 1
    assert recorder.refused() == {}
    assert {"notify", "read notifications", "write notifications"} <= recorder.used["enqueue"]


def test_resuming_sending_stays_within_the_apis_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a rule with a follow-up queued, and an admin who paused all sending
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100000804", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    with recorder.running(engine, "api"):
        for paused in (True, False):
            # When the admin pauses, then resumes sending, which hands the queue over
            settings = api.call(engine, "GET", "/api/settings")[1]
            status, answer = api.call(
                engine, "PUT", "/api/settings", {**settings, "paused": paused}
            )
            assert status == 200, answer
    # Then every call the API made is one its grants allow, the hand-over's mark included
    assert recorder.refused() == {}
    assert {"read followups", "write rules"} <= recorder.used["api"]
