"""The CDK app, synthesised offline: what it deploys is what the code expects."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest

from followup.adapters.tables import TABLES, table_spec, ttl_attribute
from followup.wiring.config import NumberDescription
from infra import layer
from infra.access import webhook_concurrency
from infra.batching import BROADCASTER, STATS
from infra.capacity import send_capacity
from infra.layer import build as build_layer
from infra.nag import acknowledge
from tests.infra.conftest import SENDER, Synth, synth

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = {"enqueue", "dispatch", "expire", "sender", "webhook", "api", "bus_events", "stats"}
REALTIME = {"ws_authorizer", "realtime", "broadcaster"}
SMS_ACTIONS = {"sns:Publish", "sns:CheckIfPhoneNumberIsOptedOut"}
TRACED = {"enqueue", "dispatch", "expire", "sender"}
CACHE_TAG = "cpython-314"
MAGIC_3_14 = (3627).to_bytes(2, "little") + b"\r\n"  # the same for every 3.14.x
UNCHECKED_HASH = 0b01  # a hash-based .pyc whose source is not re-read (PEP 552)


def _table(s: Synth, logical: str) -> dict[str, Any]:
    [table] = [
        r["Properties"] | {"DeletionPolicy": r.get("DeletionPolicy")}
        for r in s.resources("AWS::DynamoDB::GlobalTable").values()
        if r["Properties"]["TableName"] == f"followup-{s.stack.settings.stage}-{logical}"
    ]
    found: dict[str, Any] = table
    return found


def _ref_of(s: Synth, construct: Any) -> str:
    logical_id: str = s.stack.get_logical_id(construct.node.default_child)
    return logical_id


def test_tables_keys_and_indexes_are_the_codes_own(dev: Synth) -> None:
    assert len(dev.resources("AWS::DynamoDB::GlobalTable")) == len(TABLES)
    for logical, model in TABLES.items():
        spec, table = table_spec(model), _table(dev, logical)
        assert table["KeySchema"] == spec["KeySchema"], logical
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(
            spec["AttributeDefinitions"], key=str
        )
        declared = {
            i["IndexName"]: (i["KeySchema"], i["Projection"])
            for i in table.get("GlobalSecondaryIndexes", [])
        }
        expected = {
            i["IndexName"]: (i["KeySchema"], i["Projection"])
            for i in spec.get("GlobalSecondaryIndexes", [])
        }
        assert declared == expected, logical
        assert table["BillingMode"] == "PAY_PER_REQUEST"
        [replica] = table["Replicas"]
        assert replica["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        ttl = ttl_attribute(model)
        assert table.get("TimeToLiveSpecification") == (
            {"AttributeName": ttl, "Enabled": True} if ttl else None
        )
    assert _table(dev, "followups")["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    }
    assert {logical for logical in TABLES if ttl_attribute(TABLES[logical])} == {
        "messages",
        "connections",
        "pacing",
        "stats",  # the stream's checkpoints
    }


def test_production_tables_are_protected_and_kept(dev: Synth, prod: Synth) -> None:
    for logical in TABLES:
        kept = _table(prod, logical)
        assert kept["Replicas"][0]["DeletionProtectionEnabled"] is True
        assert kept["DeletionPolicy"] == "Retain"
        assert _table(dev, logical)["DeletionPolicy"] == "Delete"


def test_every_handler_is_an_arm64_python_function_on_the_shared_layer(dev: Synth) -> None:
    assert set(dev.stack.functions) == HANDLERS | REALTIME
    layer = _ref_of(dev, dev.stack.layer)
    for name, fn in dev.stack.functions.items():
        props = dev.resources("AWS::Lambda::Function")[_ref_of(dev, fn)]["Properties"]
        assert props["Runtime"] == "python3.14", name
        assert props["Architectures"] == ["arm64"], name
        assert props["Layers"] == [{"Ref": layer}], name
        env = props["Environment"]["Variables"]
        assert env["POWERTOOLS_SERVICE_NAME"] == name
        assert env["FOLLOWUP_TABLE_PREFIX"] == "followup-dev-"
        assert env["FOLLOWUP_TICK_MINUTES"] == "60"  # dispatch looks one tick ahead


def test_only_the_ticks_and_the_sender_are_traced_and_without_the_sdk(dev: Synth) -> None:
    """X-Ray where one invocation calls several services, by Lambda's active tracing alone:
    the X-Ray SDK's import (about a bare `import boto3` again) would double a tick's cold
    start, and at hourly ticks nearly every tick starts cold. The layer does not ship it."""
    policies = dev.resources("AWS::IAM::Policy").values()
    for name, fn in dev.stack.functions.items():
        props = dev.resources("AWS::Lambda::Function")[_ref_of(dev, fn)]["Properties"]
        assert props.get("TracingConfig") == ({"Mode": "Active"} if name in TRACED else None), name
        role = {"Ref": _ref_of(dev, fn.role)}
        actions = {
            action
            for policy in policies
            if role in policy["Properties"]["Roles"]
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
            for action in _listed(statement["Action"])
        }
        assert ("xray:PutTraceSegments" in actions) == (name in TRACED), name
        handler = (ROOT / "functions" / name / "handler.py").read_text()
        assert "tracer" not in handler.lower(), name
    [site] = [path / "python" for path in dev.outdir.glob("asset.*") if (path / "python").is_dir()]
    assert (site / "aws_lambda_powertools").is_dir()
    assert not list(site.glob("aws_xray_sdk*"))


READ, WRITE = "read", "write"
SETTLING = {("contacts", READ), ("enrollments", READ), ("followups", READ)} | {
    ("contacts", WRITE),
    ("enrollments", WRITE),
    ("followups", WRITE),
}
CATALOG = {("rules", READ), ("state", READ)}
TABLE_ACCESS = {
    "enqueue": SETTLING
    | CATALOG
    | {("rules", WRITE), ("state", WRITE), ("tasks", WRITE), ("stats", READ)}
    | {("notifications", READ), ("notifications", WRITE)},
    "dispatch": CATALOG
    | {("followups", READ), ("followups", WRITE), ("pacing", READ), ("pacing", WRITE)}
    | {("rules", WRITE)},
    "expire": SETTLING | CATALOG | {("rules", WRITE)},
    "sender": SETTLING
    | CATALOG
    | {("messages", READ), ("messages", WRITE), ("pacing", READ), ("pacing", WRITE)}
    | {("state", WRITE)},
    "webhook": SETTLING
    | CATALOG
    | {("messages", READ), ("messages", WRITE), ("state", WRITE), ("pacing", WRITE)},
    "api": SETTLING
    | CATALOG
    | {("rules", WRITE), ("state", WRITE)}
    | {("messages", READ), ("messages", WRITE), ("stats", READ)}
    | {("tasks", READ), ("tasks", WRITE), ("pacing", READ), ("pacing", WRITE)},
    "bus_events": SETTLING | CATALOG | {("messages", WRITE)},
    "realtime": {("connections", READ), ("connections", WRITE)},
    "broadcaster": {("connections", READ), ("connections", WRITE)},
    "stats": SETTLING | CATALOG | {("stats", READ), ("stats", WRITE)},
    "ws_authorizer": set(),
}
"""Derived by hand from each handler's use cases and the store methods they call."""
TABLE_ACTIONS = {
    READ: {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"},
    WRITE: {
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem",
    },
}


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _mappings(s: Synth, function: str) -> list[dict[str, Any]]:
    """The event source mappings that trigger `function`, in template order."""
    ref = _ref_of(s, s.stack.functions[function])
    return [
        m["Properties"]
        for m in s.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"]["Ref"] == ref
    ]


def _statements(s: Synth) -> dict[str, list[dict[str, Any]]]:
    """Each function's policy statements: every policy attached to its role (it has no other);
    a role whose inline policy outgrows IAM's size limit gets the rest in a managed policy
    (the CDK's overflow), attached to it the same way."""
    roles = {_ref_of(s, fn.role): name for name, fn in s.stack.functions.items()}
    found: dict[str, list[dict[str, Any]]] = {name: [] for name in s.stack.functions}
    for ref in roles:
        role = s.resources("AWS::IAM::Role")[ref]["Properties"]
        assert "ManagedPolicyArns" not in role
        assert "Policies" not in role
    policies = [
        *s.resources("AWS::IAM::Policy").values(),
        *s.resources("AWS::IAM::ManagedPolicy").values(),
    ]
    for policy in policies:
        for role in policy["Properties"].get("Roles", []):
            if role["Ref"] in roles:
                found[roles[role["Ref"]]] += policy["Properties"]["PolicyDocument"]["Statement"]
    return found


def _allowed(statements: list[dict[str, Any]], action: str, resource: str) -> bool:
    """Whether an Allow statement grants `action` on something referencing `resource`."""
    return any(
        statement["Effect"] == "Allow"
        and action in _listed(statement["Action"])
        and resource in json.dumps(statement["Resource"])
        for statement in statements
    )


def _table_access(s: Synth, statements: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(table, read|write) pairs the statements allow on a table or its indexes."""
    return {
        (logical, kind)
        for logical, table in s.stack.tables.items()
        for kind, actions in TABLE_ACTIONS.items()
        if any(_allowed(statements, a, f'["{_ref_of(s, table)}", "Arn"]') for a in actions)
    }


def test_each_function_may_touch_only_the_tables_its_use_cases_touch(dev: Synth) -> None:
    statements = _statements(dev)
    access = {name: _table_access(dev, found) for name, found in statements.items()}
    assert access == TABLE_ACCESS
    assert ("rules", WRITE) not in access["webhook"]
    # tasks: created by the tick's journey actions (a put, no read), listed and closed in the API
    assert {name for name, found in access.items() if any(t == "tasks" for t, _ in found)} == {
        "enqueue",
        "api",
    }
    assert ("tasks", READ) not in access["enqueue"]
    # pacing: slot counters, recipient markers and the messaging limit's counts, written by
    # the sender; the API and the webhook mark a raised limit there, and dispatch takes the
    # mark
    assert {name for name, found in access.items() if ("pacing", WRITE) in found} == {
        "sender",
        "api",
        "webhook",
        "dispatch",
    }
    assert not any(table == "connections" for name in HANDLERS for table, _ in access[name])
    for name, found in statements.items():
        for statement in found:
            actions = _listed(statement["Action"])
            unscoped = statement["Resource"] == "*"
            texting = name == "sender" and set(actions) == SMS_ACTIONS  # phone numbers: no ARN
            assert not unscoped or texting or all(a.startswith("xray:") for a in actions)
            assert not any(a.endswith(":*") for a in actions), (name, actions)


def test_queue_secret_stream_and_pushes_are_granted_only_where_used(dev: Synth) -> None:
    statements = _statements(dev)
    fn_env = dev.environments()
    queue = f'"{_ref_of(dev, dev.stack.send_queue)}", "Arn"'
    secret = f'"{_ref_of(dev, dev.stack.secret)}"'
    stream = f'"{_ref_of(dev, dev.stack.tables["followups"])}", "StreamArn"'
    api_id = f'"{_ref_of(dev, dev.stack.websocket_api)}"'

    def holders(action: str, resource: str) -> set[str]:
        return {name for name, found in statements.items() if _allowed(found, action, resource)}

    senders = holders("sqs:SendMessage", queue)
    assert senders == {"dispatch", "sender", "api"}  # API: send-now queues at once
    assert senders == {name for name, env in fn_env.items() if "FOLLOWUP_SEND_QUEUE_URL" in env}
    assert holders("sqs:ReceiveMessage", queue) == {"sender"}
    readers = holders("secretsmanager:GetSecretValue", secret)
    # the 360dialog key; the webhook secrets; the API checks email unsubscribe links; the
    # enqueue tick signs journeys' notifications; dispatch and bus events read the numbers
    assert readers == {"sender", "webhook", "api", "enqueue", "dispatch", "bus_events"}
    assert readers == {name for name, env in fn_env.items() if "FOLLOWUP_SECRETS_NAME" in env}
    assert holders("dynamodb:GetRecords", stream) == {"broadcaster", "stats"}
    enrollments = f'"{_ref_of(dev, dev.stack.tables["enrollments"])}", "StreamArn"'
    assert holders("dynamodb:GetRecords", enrollments) == {"stats"}
    assert holders("execute-api:ManageConnections", api_id) == {"realtime", "broadcaster"}
    services = {
        action.split(":")[0]
        for found in statements.values()
        for statement in found
        for action in _listed(statement["Action"])
    }
    bus = f'"{_ref_of(dev, dev.stack.event_bus)}", "Arn"'
    assert holders("events:PutEvents", bus) == {"enqueue"}  # journeys' notify actions
    assert {name for name, env in fn_env.items() if "FOLLOWUP_EVENT_BUS_NAME" in env} == {"enqueue"}
    assert services == {
        "logs",
        "xray",
        "dynamodb",
        "sqs",
        "secretsmanager",
        "execute-api",
        "sns",
        "events",
    }
    authorizer = statements["ws_authorizer"]
    assert {a.split(":")[0] for st in authorizer for a in _listed(st["Action"])} == {"logs"}


def test_only_the_sender_may_send_sms_and_email_and_only_from_its_identity(
    dev: Synth, with_email: Synth
) -> None:
    for built in (dev, with_email):
        statements = _statements(built)
        texters = {
            name
            for name, found in statements.items()
            for statement in found
            if {"sns:Publish", "sns:CheckIfPhoneNumberIsOptedOut"}
            <= set(_listed(statement["Action"]))
        }
        assert texters == {"sender"}
        # and it texts phone numbers only: publishing to any topic or push endpoint is denied
        [denied] = [s for s in statements["sender"] if s.get("Effect") == "Deny"]
        assert _listed(denied["Action"]) == ["sns:Publish"]
        assert ':sns:*:*:*"' in json.dumps(denied["Resource"])
    # Without a sender identity nobody may send email; with one, the sender from it only
    assert not any(
        "ses:" in json.dumps(statement["Action"])
        for found in _statements(dev).values()
        for statement in found
    )
    mailers = {
        name: statement["Resource"]
        for name, found in _statements(with_email).items()
        for statement in found
        if "ses:SendEmail" in _listed(statement["Action"])
    }
    assert list(mailers) == ["sender"]
    granted = json.dumps(mailers["sender"])
    assert "identity/admissions@example.edu" in granted
    assert 'identity/example.edu"' in granted
    assert "Admissions" not in granted  # the address's identity, not its display name
    sender = with_email.resources("AWS::Lambda::Function")[
        _ref_of(with_email, with_email.stack.functions["sender"])
    ]
    variables = sender["Properties"]["Environment"]["Variables"]
    assert variables["EMAIL_FROM"] == SENDER
    assert "PUBLIC_API_URL" in variables


def test_emails_bounces_and_complaints_reach_the_bus_events_function(
    dev: Synth, with_email: Synth
) -> None:
    # Given a deployment that emails from an SES identity (`with_email`)
    # Then the sender sends with a configuration set, and may
    [configuration_set] = with_email.resources("AWS::SES::ConfigurationSet")
    sender = with_email.resources("AWS::Lambda::Function")[
        _ref_of(with_email, with_email.stack.functions["sender"])
    ]
    told = sender["Properties"]["Environment"]["Variables"]["SES_CONFIGURATION_SET"]
    assert told == {"Ref": configuration_set}
    mailing = json.dumps(
        [
            statement["Resource"]
            for statement in _statements(with_email)["sender"]
            if "ses:SendEmail" in _listed(statement["Action"])
        ]
    )
    assert ":configuration-set/" in mailing
    assert configuration_set in mailing
    # And the set publishes hard bounces and complaints to the default bus (the only one
    # SES publishes to), where a rule hands them to the bus_events function
    [destination] = with_email.resources("AWS::SES::ConfigurationSetEventDestination").values()
    published = destination["Properties"]["EventDestination"]
    assert sorted(published["MatchingEventTypes"]) == ["bounce", "complaint"]
    assert "event-bus/default" in json.dumps(published["EventBridgeDestination"])
    bus_events = _ref_of(with_email, with_email.stack.functions["bus_events"])
    [rule] = [
        found["Properties"]
        for found in with_email.resources("AWS::Events::Rule").values()
        if found["Properties"].get("EventPattern", {}).get("source") == ["aws.ses"]
    ]
    assert "EventBusName" not in rule
    assert rule["EventPattern"]["detail-type"] == ["Email Bounced", "Email Complaint Received"]
    assert bus_events in json.dumps(rule["Targets"])
    # Without an identity there is no email, and nothing to hear about it
    assert dev.resources("AWS::SES::ConfigurationSet") == {}


def test_no_secret_is_in_the_template(dev: Synth) -> None:
    text = dev.file.read_text()
    for name in ("D360_API_KEY", "WEBHOOK_SECRET", "META_APP_SECRET", "ANTHROPIC_API_KEY"):
        for fn in dev.resources("AWS::Lambda::Function").values():
            assert name not in fn["Properties"].get("Environment", {}).get("Variables", {})
    [secret] = dev.resources("AWS::SecretsManager::Secret").values()
    generated = secret["Properties"]["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "WEBHOOK_SECRET"
    assert json.loads(generated["SecretStringTemplate"]) == {
        "D360_API_KEY": "",
        "ANTHROPIC_API_KEY": "",
    }
    assert "SecretString" not in secret["Properties"]
    assert "local-webhook-secret" not in text


def _rendered(value: Any) -> str:
    """A template string (`Fn::Join` of text and references) with each reference written
    as `<logical id>`."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_rendered(part) for part in parts)
    if "Ref" in value:
        return f"<{value['Ref']}>"
    if "Fn::GetAtt" in value:
        return f"<{value['Fn::GetAtt'][0]}>"
    return "<>"


def _tick_machine(s: Synth) -> tuple[str, dict[str, Any]]:
    [(ref, machine)] = s.resources("AWS::StepFunctions::StateMachine").items()
    definition: dict[str, Any] = json.loads(_rendered(machine["Properties"]["DefinitionString"]))
    return ref, definition


def test_one_schedule_starts_each_tick_with_retries_and_a_dead_letter_queue(
    dev: Synth, prod: Synth
) -> None:
    for s, rate in ((dev, "rate(1 hour)"), (prod, "rate(5 minutes)")):
        [schedule] = s.resources("AWS::Scheduler::Schedule").values()
        props = schedule["Properties"]
        machine, _ = _tick_machine(s)
        assert props["Target"]["Arn"] == {"Ref": machine}
        assert props["ScheduleExpression"] == rate
        assert props["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 2
        assert props["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] == _ref_of(
            s, s.stack.tick_dlq
        )
        assert json.loads(props["Target"]["Input"])["time"] == "<aws.scheduler.scheduled-time>"


def test_a_tick_runs_enqueue_then_dispatch_then_expire_at_the_scheduled_time(dev: Synth) -> None:
    """Dispatch reads only after enqueue committed; a step that fails, after its retries,
    goes to the dead-letter queue and the next step still runs."""
    _, definition = _tick_machine(dev)
    states = definition["States"]
    order, name = [], definition["StartAt"]
    while name is not None:
        state = states[name]
        if state["Type"] == "Task" and "lambda:invoke" in state["Resource"]:
            order.append(state["Parameters"]["FunctionName"])
            assert state["Parameters"]["Payload"] == {"source": "followup.tick", "time.$": "$.time"}
            assert state["Retry"][-1]["ErrorEquals"] == ["States.ALL"]
            assert state["Retry"][-1]["MaxAttempts"] == 2
            [catch] = state["Catch"]
            assert catch["ErrorEquals"] == ["States.ALL"]
            kept = states[catch["Next"]]
            assert "sqs:sendMessage" in kept["Resource"]
            assert f"<{_ref_of(dev, dev.stack.tick_dlq)}>" in json.dumps(kept["Parameters"])
            assert kept.get("Next") == state.get("Next")
        name = state.get("Next")
    assert order == [
        f"<{_ref_of(dev, dev.stack.functions[tick])}>" for tick in ("enqueue", "dispatch", "expire")
    ]


def test_the_tick_machine_may_invoke_the_three_ticks_and_feed_their_dead_letters_only(
    dev: Synth,
) -> None:
    machine = dev.stack.tick_machine
    role = _ref_of(dev, machine.role)
    statements = [
        statement
        for policy in dev.resources("AWS::IAM::Policy").values()
        if {"Ref": role} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    invoked = {
        ref
        for statement in statements
        if "lambda:InvokeFunction" in _listed(statement["Action"])
        for ref in (_rendered(r) for r in _listed(statement["Resource"]))
    }
    ticks = {_ref_of(dev, dev.stack.functions[name]) for name in ("enqueue", "dispatch", "expire")}
    assert {ref.split(">")[0].strip("<") for ref in invoked} == ticks
    sent_to = {
        _rendered(r)
        for statement in statements
        if "sqs:SendMessage" in _listed(statement["Action"])
        for r in _listed(statement["Resource"])
    }
    assert sent_to == {f"<{_ref_of(dev, dev.stack.tick_dlq)}>"}
    [props] = [m["Properties"] for m in dev.resources("AWS::StepFunctions::StateMachine").values()]
    assert props["StateMachineType"] == "STANDARD"
    alarms = [a["Properties"] for a in dev.resources("AWS::CloudWatch::Alarm").values()]
    watched = {
        a["MetricName"]
        for a in alarms
        if a.get("Namespace") == "AWS/States"
        and a["AlarmActions"]
        and a["Dimensions"]
        == [{"Name": "StateMachineArn", "Value": {"Ref": _ref_of(dev, machine)}}]
    }
    assert watched == {"ExecutionsFailed", "ExecutionsTimedOut"}


def test_the_send_queue_redrives_to_a_dlq_and_outlasts_the_sender(dev: Synth) -> None:
    queues = dev.resources("AWS::SQS::Queue")
    queue = queues[_ref_of(dev, dev.stack.send_queue)]["Properties"]
    sender = dev.resources("AWS::Lambda::Function")[_ref_of(dev, dev.stack.functions["sender"])]
    assert queue["VisibilityTimeout"] >= 6 * sender["Properties"]["Timeout"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    assert queue["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0] == _ref_of(
        dev, dev.stack.send_dlq
    )
    policies = [p["Properties"] for p in dev.resources("AWS::SQS::QueuePolicy").values()]
    secured = {q["Ref"] for p in policies for q in p["Queues"]}
    assert secured == set(queues)
    for policy in policies:
        denials = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert [d["Condition"] for d in denials] == [{"Bool": {"aws:SecureTransport": "false"}}]


@pytest.mark.parametrize(("limit", "instances"), [(1, 2), (20, 2), (80, 3), (250, 8), (1000, 32)])
def test_the_senders_can_reach_the_numbers_rate_with_headroom(limit: int, instances: int) -> None:
    # Given sends that take 250 ms each, one thread per message of a batch of 10
    capacity = send_capacity(limit, 250)
    # Then enough instances run to send a quarter faster than the number allows (the
    # pacer keeps them to the rate), and no more
    assert (capacity.instances, capacity.threads) == (instances, 10)
    assert capacity.peak_rate(250) >= 1.2 * limit


def test_the_sender_is_told_the_numbers_rate_and_scales_to_reach_it(
    dev: Synth, prod: Synth
) -> None:
    for s, limit in ((dev, 80), (prod, 1000)):
        [mapping] = _mappings(s, "sender")
        capacity = send_capacity(limit, 250)
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": capacity.instances}
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BatchSize"] == 10
        sender = s.resources("AWS::Lambda::Function")[_ref_of(s, s.stack.functions["sender"])]
        variables = sender["Properties"]["Environment"]["Variables"]
        assert int(variables["FOLLOWUP_SEND_CONCURRENCY"]) == capacity.threads
        assert int(variables["FOLLOWUP_SENDS_PER_SECOND"]) == limit


def test_with_several_numbers_the_senders_and_webhook_are_sized_for_their_rates_together(
    variants: Path,
) -> None:
    # Given three numbers whose rates add up to 1,000 a second (as `-c number_rates=...`)
    s = synth(variants, number_rates="[250, 250, 500]")
    # Then the senders can reach the sum, each number paced to its own rate
    [mapping] = _mappings(s, "sender")
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": send_capacity(1000, 250).instances}
    # And the webhook takes the statuses of all their sends
    webhook = s.resources("AWS::Lambda::Function")[_ref_of(s, s.stack.functions["webhook"])]
    assert webhook["Properties"]["ReservedConcurrentExecutions"] == webhook_concurrency(1000)


DESCRIBED = [
    {"phone_number_id": "1098001", "display_phone_number": "6281001", "sends_per_second": 200},
    {"phone_number_id": "1098002", "sends_per_second": 50, "warm_up_started_on": "2026-11-02"},
]
"""Two numbers described in the deployment, as `-c numbers=[...]` gives them."""


def test_numbers_the_deployment_describes_keep_the_secret_from_dispatch_and_bus_events(
    variants: Path,
) -> None:
    s = synth(variants, numbers=json.dumps(DESCRIBED))
    statements = _statements(s)
    fn_env = s.environments()
    secret = f'"{_ref_of(s, s.stack.secret)}"'
    readers = {
        name
        for name, found in statements.items()
        if _allowed(found, "secretsmanager:GetSecretValue", secret)
    }
    # Only the functions that use a key or a signing secret read the secret
    assert readers == {"sender", "webhook", "api", "enqueue"}
    assert readers == {name for name, env in fn_env.items() if "FOLLOWUP_SECRETS_NAME" in env}
    # Every function that reads the numbers is told them, with their paces and warm-ups
    told = {
        name: env["FOLLOWUP_NUMBERS"] for name, env in fn_env.items() if "FOLLOWUP_NUMBERS" in env
    }
    assert set(told) == readers | {"dispatch", "bus_events"}
    described = [NumberDescription.model_validate(n) for n in DESCRIBED]
    for value in told.values():
        assert [NumberDescription.model_validate(n) for n in json.loads(value)] == described
    # The senders are sized for the numbers' rates together
    [mapping] = _mappings(s, "sender")
    assert mapping["ScalingConfig"] == {"MaximumConcurrency": send_capacity(250, 250).instances}


@pytest.mark.parametrize(
    ("context", "words"),
    [
        # a key would be written into the template and every function's environment
        ({"numbers": json.dumps([DESCRIBED[0] | {"api_key": "k"}])}, "context numbers.0.api_key"),
        ({"numbers": json.dumps(DESCRIBED), "number_rates": "[80]"}, "drop number_rates"),
        ({"numbers": json.dumps([DESCRIBED[0], DESCRIBED[0]])}, "given twice"),
    ],
)
def test_described_numbers_that_do_not_fit_are_refused_naming_the_setting(
    tmp_path: Path, context: dict[str, str], words: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(words)):
        synth(tmp_path, **context)


def test_provisioned_capacity_scales_every_table_and_index_between_its_bounds(
    dev: Synth, variants: Path
) -> None:
    # On demand unless chosen
    assert {
        t["Properties"]["BillingMode"] for t in dev.resources("AWS::DynamoDB::GlobalTable").values()
    } == {"PAY_PER_REQUEST"}
    # Chosen: each table and each of its indexes reads and writes within the bounds, kept
    # at 70 % use
    s = synth(variants, capacity="provisioned", min_capacity="5", max_capacity="500")
    scaled = {
        "MaxCapacity": 500,
        "MinCapacity": 5,
        "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70},
    }
    tables = s.resources("AWS::DynamoDB::GlobalTable").values()
    assert len(tables) == len(TABLES)
    for table in tables:
        props = table["Properties"]
        assert props["BillingMode"] == "PROVISIONED"
        writes = props["WriteProvisionedThroughputSettings"]["WriteCapacityAutoScalingSettings"]
        [replica] = props["Replicas"]
        reads = replica["ReadProvisionedThroughputSettings"]["ReadCapacityAutoScalingSettings"]
        indexes = props.get("GlobalSecondaryIndexes", [])
        assert len(replica.get("GlobalSecondaryIndexes", [])) == len(indexes)
        assert writes == reads == scaled
        for index in indexes:
            assert index["WriteProvisionedThroughputSettings"] == {
                "WriteCapacityAutoScalingSettings": scaled
            }
        for index in replica.get("GlobalSecondaryIndexes", []):
            assert index["ReadProvisionedThroughputSettings"] == {
                "ReadCapacityAutoScalingSettings": scaled
            }
    with pytest.raises(ValueError, match="min_capacity is above max_capacity"):
        synth(variants, capacity="provisioned", min_capacity="50", max_capacity="10")


def test_admin_routes_need_a_jwt_and_only_the_webhook_and_description_are_open(
    dev: Synth,
) -> None:
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in dev.resources("AWS::ApiGatewayV2::Route").values()
    }
    open_routes = {key for key, props in routes.items() if props["AuthorizationType"] == "NONE"}
    assert open_routes == {
        "GET /api/openapi.json",
        "GET /u/{token}",
        "POST /u/{token}",
        "$disconnect",
        "$default",
    }
    assert routes["ANY /api/{proxy+}"]["AuthorizationType"] == "JWT"
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    authorizers = {
        a["Properties"]["AuthorizerType"]: a["Properties"]
        for a in dev.resources("AWS::ApiGatewayV2::Authorizer").values()
    }
    # the app offers its token as a subprotocol: browsers log a failed socket's URL
    assert authorizers["REQUEST"]["IdentitySource"] == [
        "route.request.header.Sec-WebSocket-Protocol"
    ]
    jwt = authorizers["JWT"]["JwtConfiguration"]
    assert jwt["Audience"] == [{"Ref": _ref_of(dev, dev.stack.user_pool_client)}]
    groups = {
        g["Properties"]["GroupName"] for g in dev.resources("AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {"admin", "marketing", "counselor"}
    stages = dev.resources("AWS::ApiGatewayV2::Stage").values()
    assert all("AccessLogSettings" in s["Properties"] for s in stages)


def test_the_websocket_stage_logs_in_an_account_that_never_set_api_gateways_logging_role(
    dev: Synth,
) -> None:
    # Given the WebSocket stage writes access logs, which API Gateway refuses to set up
    # in an account and region without its CloudWatch Logs role
    [api] = [
        ref
        for ref, a in dev.resources("AWS::ApiGatewayV2::Api").items()
        if a["Properties"]["ProtocolType"] == "WEBSOCKET"
    ]
    [stage] = [
        s
        for s in dev.resources("AWS::ApiGatewayV2::Stage").values()
        if s["Properties"]["ApiId"] == {"Ref": api}
    ]
    assert "AccessLogSettings" in stage["Properties"]
    # When the stack is deployed there
    [(account_ref, account)] = dev.resources("AWS::ApiGateway::Account").items()
    # Then it sets that role first, one API Gateway may assume to write logs
    assert stage["DependsOn"] == [account_ref]
    role_ref, attribute = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"]
    assert attribute == "Arn"
    role = dev.resources("AWS::IAM::Role")[role_ref]
    [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert "AmazonAPIGatewayPushToCloudWatchLogs" in json.dumps(
        role["Properties"]["ManagedPolicyArns"]
    )
    # And deleting the stack leaves it set for the other APIs of the account and region
    assert account["DeletionPolicy"] == role["DeletionPolicy"] == "Retain"


def test_every_function_logs_to_a_group_with_a_retention_kept_in_production(
    dev: Synth, prod: Synth
) -> None:
    for s, kept in ((dev, "Delete"), (prod, "Retain")):
        groups = s.resources("AWS::Logs::LogGroup")
        functions = s.resources("AWS::Lambda::Function")
        # Given every function, the handlers and the CDK's own that uploads the web app
        assert len(functions) == len(HANDLERS | REALTIME) + 1
        for ref, fn in functions.items():
            # Then it writes to a log group of its own, not to one Lambda would make on
            # first use and keep forever
            group = groups[fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]]
            assert group["Properties"]["RetentionInDays"] == 30, ref
            # And the group is kept on stack deletion in production only, as the data is
            assert group["DeletionPolicy"] == kept, ref


@pytest.mark.parametrize(
    ("context", "words"),
    [
        # the web app would sign in at https://undefined/oauth2/authorize
        (
            {"user_pool_id": "ap-southeast-1_Example", "user_pool_client_id": "exampleclientid"},
            "user_pool_domain needed with user_pool_id",
        ),
        (
            {"user_pool_id": "ap-southeast-1_Example", "user_pool_domain": "signin.example.edu"},
            "user_pool_client_id needed with user_pool_id",
        ),
        # a new pool would be created, and the settings ignored
        ({"user_pool_domain": "signin.example.edu"}, "user_pool_domain given without user_pool_id"),
        (
            {"user_pool_client_id": "exampleclientid"},
            "user_pool_client_id given without user_pool_id",
        ),
    ],
)
def test_an_existing_user_pool_given_in_part_is_refused_naming_what_is_missing_or_stray(
    tmp_path: Path, context: dict[str, str], words: str
) -> None:
    # Given an existing user pool's settings that leave one out, or name no pool
    # When the app is synthesised
    # Then the deployment is refused, naming the setting
    with pytest.raises(ValueError, match=f"invalid deployment settings: .*{words}"):
        synth(tmp_path, **context)


def test_the_webhook_is_its_functions_url_open_to_360dialog_and_throttled_by_concurrency(
    dev: Synth, prod: Synth
) -> None:
    """No gateway and no per-request charge: the handler checks the secret path (and the
    header and signature where configured) as before; reserved concurrency caps it."""
    for s, sends_per_second, reserved in ((dev, 80, 56), (prod, 1000, 700)):
        webhook = _ref_of(s, s.stack.functions["webhook"])
        [(url_ref, url)] = s.resources("AWS::Lambda::Url").items()
        assert url["Properties"]["AuthType"] == "NONE"
        assert s.stack.settings.sends_per_second == sends_per_second
        fn = s.resources("AWS::Lambda::Function")[webhook]["Properties"]
        assert fn["ReservedConcurrentExecutions"] == reserved
        others = [
            props.get("ReservedConcurrentExecutions")
            for ref, props in (
                (ref, r["Properties"]) for ref, r in s.resources("AWS::Lambda::Function").items()
            )
            if ref != webhook
        ]
        assert not any(others)
        public = [
            p["Properties"]
            for p in s.resources("AWS::Lambda::Permission").values()
            if p["Properties"]["Principal"] == "*"
        ]
        # anyone may call the URL, and invoke the function only through it
        assert sorted(
            (p["Action"], p.get("FunctionUrlAuthType"), p.get("InvokedViaFunctionUrl"))
            for p in public
        ) == [("lambda:InvokeFunction", None, True), ("lambda:InvokeFunctionUrl", "NONE", None)]
        assert all(p["FunctionName"] == {"Fn::GetAtt": [webhook, "Arn"]} for p in public)
        outputs = s.template.find_outputs("*")
        assert "webhooks/whatsapp/<WEBHOOK_SECRET" in json.dumps(outputs["WebhookUrl"])
        assert outputs["WebhookBaseUrl"]["Value"] == {"Fn::GetAtt": [url_ref, "FunctionUrl"]}
        # and the 360dialog API the numbers are reached at, where the webhook is registered
        assert outputs["D360BaseUrl"]["Value"] == "https://waba-v2.360dialog.io"
        routes = {
            r["Properties"]["RouteKey"] for r in s.resources("AWS::ApiGatewayV2::Route").values()
        }
        assert not any("webhooks" in route for route in routes)


def test_every_handler_is_wired_to_its_trigger(dev: Synth) -> None:
    fn = {name: _ref_of(dev, f) for name, f in dev.stack.functions.items()}
    integrations = json.dumps(
        [
            i["Properties"]["IntegrationUri"]
            for i in dev.resources("AWS::ApiGatewayV2::Integration").values()
        ]
    )
    integrated = {name for name, ref in fn.items() if f'"{ref}"' in integrations}
    assert integrated == {"api", "realtime"}
    [url] = dev.resources("AWS::Lambda::Url").values()
    assert url["Properties"]["TargetFunctionArn"]["Fn::GetAtt"][0] == fn["webhook"]
    sources = {
        m["Properties"]["FunctionName"]["Ref"]
        for m in dev.resources("AWS::Lambda::EventSourceMapping").values()
    }
    assert sources == {fn["sender"], fn["broadcaster"], fn["stats"]}
    [rule] = dev.resources("AWS::Events::Rule").values()
    assert rule["Properties"]["EventPattern"] == {
        "detail-type": [
            "stage_changed",
            "message_sent",
            "conversation_closed",
            "conversation_reopened",
            "custom",
        ],
        # journeys' own notifications on the bus never come back in as CRM events
        "source": [{"anything-but": ["followup.journeys"]}],
    }
    assert rule["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0] == fn["bus_events"]
    # an event the function fails on is kept in the bus's alarmed dead-letter queue, as
    # one EventBridge could not deliver is, not dropped after Lambda's retries
    bus_dlq = _ref_of(dev, dev.stack.bus_dlq)
    assert rule["Properties"]["Targets"][0]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0] == bus_dlq
    [invoke] = dev.resources("AWS::Lambda::EventInvokeConfig").values()
    assert invoke["Properties"]["FunctionName"]["Ref"] == fn["bus_events"]
    assert invoke["Properties"]["MaximumRetryAttempts"] == 2
    failure = invoke["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]
    assert failure["Fn::GetAtt"][0] == bus_dlq
    authorizer_uris = [
        a["Properties"]["AuthorizerUri"]
        for a in dev.resources("AWS::ApiGatewayV2::Authorizer").values()
        if a["Properties"]["AuthorizerType"] == "REQUEST"
    ]
    assert fn["ws_authorizer"] in json.dumps(authorizer_uris)


def test_alarms_watch_dead_letters_errors_throttles_failures_and_opt_outs(dev: Synth) -> None:
    alarms = [a["Properties"] for a in dev.resources("AWS::CloudWatch::Alarm").values()]
    names = {a.get("MetricName") for a in alarms}
    assert {"Errors", "Throttles"} <= names
    assert {"send_failed", "send_retrying", "send_unknown", "webhook_opt_out"} <= names
    assert sum(a.get("MetricName") == "Errors" for a in alarms) == len(dev.stack.functions)
    dead_letters = [m for a in alarms for m in a.get("Metrics", []) if "MetricStat" in m]
    assert [m["MetricStat"]["Metric"]["MetricName"] for m in dead_letters] == [
        "ApproximateNumberOfMessagesVisible"
    ] * 5
    assert all(a["AlarmActions"] for a in alarms)
    assert dev.resources("AWS::CloudWatch::Dashboard")


def test_a_rule_failing_in_an_enqueue_tick_raises_an_alarm(dev: Synth) -> None:
    alarms = [a["Properties"] for a in dev.resources("AWS::CloudWatch::Alarm").values()]
    [rule_errors] = [a for a in alarms if a.get("MetricName") == "enqueue_rule_errors"]
    assert rule_errors["Dimensions"] == [{"Name": "service", "Value": "enqueue"}]
    assert (rule_errors["Threshold"], rule_errors["Statistic"]) == (1, "Sum")
    assert rule_errors["AlarmActions"]


def test_a_rule_past_its_opt_out_threshold_raises_an_alarm(dev: Synth) -> None:
    alarms = [a["Properties"] for a in dev.resources("AWS::CloudWatch::Alarm").values()]
    [spike] = [a for a in alarms if a.get("MetricName") == "enqueue_opt_out_spikes"]
    assert spike["Dimensions"] == [{"Name": "service", "Value": "enqueue"}]
    assert (spike["Threshold"], spike["Statistic"]) == (1, "Sum")
    assert spike["AlarmActions"]


@pytest.mark.parametrize(
    ("metric", "service"),
    [
        ("send_paused", "sender"),
        ("webhook_status_failed_paused", "webhook"),
        ("webhook_agent_standby_paused", "webhook"),
    ],
)
def test_an_alarm_fires_the_first_time_whatsapp_makes_the_engine_pause(
    dev: Synth, metric: str, service: str
) -> None:
    alarms = [a["Properties"] for a in dev.resources("AWS::CloudWatch::Alarm").values()]
    [paused] = [a for a in alarms if a.get("MetricName") == metric]
    assert paused["Namespace"] == "FollowUp"
    assert paused["Dimensions"] == [{"Name": "service", "Value": service}]
    assert (paused["Threshold"], paused["ComparisonOperator"]) == (
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert paused["AlarmActions"]


def test_the_functions_that_sync_templates_know_360dialog_s_address(dev: Synth) -> None:
    functions = dev.resources("AWS::Lambda::Function")
    told = {
        name
        for name, fn in dev.stack.functions.items()
        if "D360_BASE_URL" in functions[_ref_of(dev, fn)]["Properties"]["Environment"]["Variables"]
    }
    assert told == {"sender", "enqueue", "api"}


@pytest.mark.parametrize(
    ("metric", "service"),
    [("webhook_template_at_risk", "webhook"), ("enqueue_templates_newly_at_risk", "enqueue")],
)
def test_a_template_flagged_or_rated_red_raises_an_alarm(
    dev: Synth, metric: str, service: str
) -> None:
    alarms = [a["Properties"] for a in dev.resources("AWS::CloudWatch::Alarm").values()]
    [at_risk] = [a for a in alarms if a.get("MetricName") == metric]
    assert at_risk["Dimensions"] == [{"Name": "service", "Value": service}]
    assert (at_risk["Threshold"], at_risk["Statistic"]) == (1, "Sum")
    assert at_risk["AlarmActions"]


def test_cdk_nag_passes_and_every_acknowledgement_has_a_reason(dev: Synth) -> None:
    report = json.loads((dev.outdir / "validation-report.json").read_text())
    assert all(plugin["conclusion"] == "success" for plugin in report["pluginReports"])
    assert "AwsSolutions" not in {plugin["pluginName"] for plugin in report["pluginReports"]}
    reasons: list[str] = []
    original = cdk.Acknowledgment

    def record(**kwargs: Any) -> Any:
        reasons.append(kwargs["reason"])
        return original(**kwargs)

    pytest.MonkeyPatch().setattr(cdk, "Acknowledgment", record)
    try:
        acknowledge(dev.stack)
    finally:
        pytest.MonkeyPatch().setattr(cdk, "Acknowledgment", original)
    assert reasons
    assert all(len(reason) > 60 for reason in reasons)


def test_the_template_passes_cfn_lint(dev: Synth) -> None:
    lint = shutil.which("cfn-lint", path=str(Path(sys.executable).parent))
    assert lint is not None
    result = subprocess.run(
        [lint, "--non-zero-exit-code", "error", str(dev.file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_bad_context_is_refused_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="context tick_minutes"):
        synth(tmp_path, tick_minutes=0)
    with pytest.raises(ValueError, match="user_pool_client_id"):
        synth(tmp_path, user_pool_id="ap-southeast-1_Example")
    # A misspelt key would leave its setting at the default, unsaid
    with pytest.raises(ValueError, match="unknown context sends_per_seccond"):
        synth(tmp_path, sends_per_seccond=20)


def test_deploy_settings_a_deploy_would_fail_on_are_refused_at_synth_naming_them(
    tmp_path: Path,
) -> None:
    # An address SNS refuses to subscribe, minutes into a deploy rolled back
    for address in ("oncall", "ops@", "ops example.com"):
        with pytest.raises(ValueError, match=r"context alarm_email: .*not an email address"):
            synth(tmp_path, alarm_email=address)
    # Rates more senders would need than an SQS event source runs (each within its bounds)
    with pytest.raises(ValueError, match=r"needs 1250 sender instances.*number_rates"):
        synth(tmp_path, number_rates="[1000,1000]", send_time_ms=5000)


def test_a_deploy_invalidates_the_app_at_its_root_and_its_page(dev: Synth) -> None:
    # The app is opened at "/", which CloudFront caches apart from "/index.html": a page
    # kept from the last deploy would name asset files this one removed
    [files] = dev.resources("Custom::CDKBucketDeployment").values()
    assert files["Properties"]["DistributionPaths"] == ["/", "/index.html", "/config.json"]


def test_a_dev_stack_can_be_deleted_with_its_buckets_and_prod_keeps_them(
    dev: Synth, prod: Synth
) -> None:
    # CloudFormation deletes only an empty bucket: in dev the web app's bucket goes with
    # the stack, its files removed first by the deployment that put them there; the
    # access logs, which arrive until the stack is gone, are kept in both (they expire)
    for s, web, deployed in ((dev, "Delete", False), (prod, "Retain", True)):
        policies = {
            name.rstrip("0123456789ABCDEF"): bucket["DeletionPolicy"]
            for name, bucket in s.resources("AWS::S3::Bucket").items()
        }
        assert policies == {"AccessLogs": "Retain", "WebApp": web}
        [files] = s.resources("Custom::CDKBucketDeployment").values()
        assert files["Properties"]["RetainOnDelete"] is deployed


def test_a_360dialog_address_without_its_scheme_is_refused_naming_the_key(tmp_path: Path) -> None:
    # Given the host alone, as 360dialog's documents show it: every send would fail with it
    # Then the synth stops, naming the key, before anything is deployed
    with pytest.raises(ValueError, match=r"context d360_base_url: .*http:// or https://"):
        synth(tmp_path, d360_base_url="waba-v2.360dialog.io")


@pytest.mark.parametrize("sender", ["example.edu", "admissions@", "a@example.edu, b@example.edu"])
def test_an_email_from_that_is_no_address_to_send_from_is_refused_naming_the_key(
    tmp_path: Path, sender: str
) -> None:
    # A domain alone is an SES identity but no From address: every email would fail
    with pytest.raises(ValueError, match=r"context email_from: .*not an address to send from"):
        synth(tmp_path, email_from=sender)


def test_a_new_rate_card_builds_a_new_layer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the library as shipped, and the same with this quarter's rate card
    library = tmp_path / "followup"
    shutil.copytree(layer.LIBRARY, library, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(layer, "LIBRARY", library)
    before = layer._fingerprint()
    rates = library / "domain" / "rates.toml"
    rates.write_text(rates.read_text() + "\n# prices of the next quarter\n")
    # Then the layer is another: a deploy ships the new prices, not the layer built before
    assert layer._fingerprint() != before
    # while bytecode a local run leaves beside the sources changes nothing
    after = layer._fingerprint()
    (library / "domain" / "__pycache__").mkdir(exist_ok=True)
    (library / "domain" / "__pycache__" / "costs.cpython-311.pyc").write_bytes(b"\0")
    assert layer._fingerprint() == after


def test_the_layer_has_the_library_without_boto3_and_is_reused(tmp_path: Path) -> None:
    built = build_layer()
    site = built / "python"
    assert (site / "followup" / "wiring" / "runtime.py").exists()
    assert (site / "pydantic_core").exists()
    assert (site / "jwt").exists()
    assert (site / "dateparser").exists()
    assert (site / "tzdata" / "zoneinfo" / "zone.tab").exists()  # dates in numbers read by it
    assert (site / "phonenumbers" / "tzdata").exists()  # a lead's zone read from their number
    assert not (site / "phonenumbers" / "geodata").exists()
    assert list(site.glob("regex/_regex.*aarch64*.so"))
    assert (site / "anthropic").exists()  # imported only where a message is written
    assert not list(site.glob("boto*"))
    assert not list(site.glob("s3transfer*"))
    modified = (built / ".complete").stat().st_mtime
    assert build_layer() == built
    assert (built / ".complete").stat().st_mtime == modified


def test_the_layer_ships_bytecode_for_the_runtimes_python(dev: Synth) -> None:
    """Lambda's /opt is read-only: without .pyc built for its Python, every cold start
    compiles the whole layer. Hash-based, since the asset zip does not keep file times."""
    [site] = [path / "python" for path in dev.outdir.glob("asset.*") if (path / "python").is_dir()]
    sources = [path for path in site.rglob("*.py") if "__pycache__" not in path.parts]
    missing = [
        path
        for path in sources
        if not (path.parent / "__pycache__" / f"{path.stem}.{CACHE_TAG}.pyc").exists()
    ]
    assert len(sources) > 1000
    assert missing == []
    for module in ("followup/wiring/runtime.py", "pydantic/main.py", "pynamodb/models.py"):
        path = site / module
        header = (path.parent / "__pycache__" / f"{path.stem}.{CACHE_TAG}.pyc").read_bytes()[:8]
        assert header[:4] == MAGIC_3_14, module
        assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH, module
    assert not [path for path in site.rglob("*.pyc") if CACHE_TAG not in path.name]


def test_the_pinned_cdk_cli_synthesises_the_app(tmp_path: Path) -> None:
    cli = ROOT / "node_modules" / ".bin" / "cdk"
    assert cli.exists(), "run `make test` (it installs the pinned CDK CLI with npm ci)"
    env = {
        **os.environ,
        "CDK_DISABLE_CLI_TELEMETRY": "true",
        "CDK_HOME": str(tmp_path / "home"),
    }
    result = subprocess.run(
        [str(cli), "synth", "--no-notices", "--quiet", "-o", str(tmp_path / "out")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    template = json.loads((tmp_path / "out" / "Followup-dev.template.json").read_text())
    assert "AWS::Scheduler::Schedule" in {r["Type"] for r in template["Resources"].values()}
    # The CDK's bindings warn on a Node.js past its end of life: the pinned one (package.json,
    # first on PATH) runs them; a machine without a build of it needs a supported Node.
    assert "end-of-life" not in result.stdout + result.stderr, result.stderr[-3000:]


def test_the_web_app_is_private_behind_cloudfront_and_knows_where_the_apis_are(
    dev: Synth,
) -> None:
    buckets = dev.resources("AWS::S3::Bucket")
    for bucket in buckets.values():
        assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
    [distribution] = dev.resources("AWS::CloudFront::Distribution").values()
    config = distribution["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert {r["ErrorCode"]: r["ResponsePagePath"] for r in config["CustomErrorResponses"]} == {
        403: "/index.html",
        404: "/index.html",
    }
    assert "OriginAccessControlId" in config["Origins"][0]
    assert config["Logging"]["Prefix"] == "cloudfront/"
    [upload] = dev.resources("Custom::CDKBucketDeployment").values()
    # the build, its index.html with its policy, and config.json
    assert len(upload["Properties"]["SourceObjectKeys"]) == 3
    markers = json.dumps(upload["Properties"].get("SourceMarkers", []))
    assert _ref_of(dev, dev.stack.http_api) in markers
    assert _ref_of(dev, dev.stack.user_pool_client) in markers
    [client] = dev.resources("AWS::Cognito::UserPoolClient").values()
    # the code flow, with no client secret the app would have to hold (it uses PKCE)
    assert client["Properties"]["AllowedOAuthFlows"] == ["code"]
    assert not client["Properties"].get("GenerateSecret", False)
    assert _ref_of(dev, dev.stack.web) in json.dumps(client["Properties"]["CallbackURLs"])
    # signing out of the hosted UI comes back to the app's address, with its slash, as
    # signing in does: the app sends the one address as both, and Cognito takes only these
    assert client["Properties"]["LogoutURLs"] == client["Properties"]["CallbackURLs"]
    [api] = [
        a
        for a in dev.resources("AWS::ApiGatewayV2::Api").values()
        if a["Properties"].get("ProtocolType") == "HTTP"
    ]
    assert _ref_of(dev, dev.stack.web) in json.dumps(api["Properties"]["CorsConfiguration"])


def test_a_staff_sign_in_lasts_a_working_day_renewed_hourly_and_revoked_at_sign_out(
    dev: Synth,
) -> None:
    [client] = dev.resources("AWS::Cognito::UserPoolClient").values()
    properties = client["Properties"]
    validity = properties["TokenValidityUnits"]
    # the ID token the API checks lives an hour; the app renews it with the refresh token,
    # which lives a working day and which signing out revokes
    assert (properties["IdTokenValidity"], validity["IdToken"]) == (60, "minutes")
    assert (properties["RefreshTokenValidity"], validity["RefreshToken"]) == (720, "minutes")
    assert "ALLOW_REFRESH_TOKEN_AUTH" in properties["ExplicitAuthFlows"]
    assert properties["EnableTokenRevocation"] is True


def _text(value: Any) -> str:
    """A template value as text, each deploy-time value written as its reference, in
    braces: `{Ref:Name}`, `{Fn::GetAtt:Name.Attribute}`."""
    if isinstance(value, str):
        return value
    [(function, argument)] = value.items()
    if function == "Fn::Join":
        separator, parts = argument
        return str(separator).join(_text(part) for part in parts)
    return f"{{{function}:{argument if isinstance(argument, str) else '.'.join(argument)}}}"


def _directives(policy: str) -> dict[str, str]:
    named = (directive.strip().partition(" ") for directive in policy.split(";"))
    return {name: sources for name, _, sources in named}


def test_the_web_app_is_served_with_a_content_security_policy_no_injected_script_passes(
    dev: Synth,
) -> None:
    [distribution] = dev.resources("AWS::CloudFront::Distribution").values()
    behavior = distribution["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]
    [(name, policy)] = dev.resources("AWS::CloudFront::ResponseHeadersPolicy").items()
    assert behavior["ResponseHeadersPolicyId"] == {"Ref": name}
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    # the headers CloudFront's managed security headers policy sent, frames refused outright
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] == 31_536_000
    assert headers["ContentTypeOptions"] == {"Override": False}
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    assert headers["XSSProtection"] | {"Override": False} == {
        "Protection": True,
        "ModeBlock": True,
        "Override": False,
    }
    # and a policy under which only the app's own script files run
    text = _text(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    assert "unsafe-eval" not in text
    csp = _directives(text)
    assert csp["default-src"] == csp["script-src"] == "'self'"
    assert (csp["object-src"], csp["frame-ancestors"], csp["form-action"]) == ("'none'",) * 3
    assert csp["base-uri"] == "'self'"
    assert "unsafe-inline" not in csp["script-src"] + csp["default-src"]
    # which connects only to the stack's API Gateway APIs, its live feed and its hosted UI
    connect = csp["connect-src"]
    assert connect.split() == [
        "'self'",
        "https://*.execute-api.{Ref:AWS::Region}.{Ref:AWS::URLSuffix}",
        f"{{Fn::GetAtt:{_ref_of(dev, dev.stack.websocket_api)}.ApiEndpoint}}",
        f"https://{{Ref:{_ref_of(dev, dev.stack.hosted_ui)}}}.auth.{{Ref:AWS::Region}}"
        ".amazoncognito.com",
    ]
    # and the deployed page narrows that to the stack's own API
    [upload] = dev.resources("Custom::CDKBucketDeployment").values()
    pages = [
        (dev.outdir / f"asset.{key.removesuffix('.zip')}" / "index.html", markers)
        for key, markers in zip(
            upload["Properties"]["SourceObjectKeys"],
            upload["Properties"]["SourceMarkers"],
            strict=True,
        )
    ]
    # (the build's own index.html is replaced by the one after it)
    page, markers = [(page, markers) for page, markers in pages if page.exists()][-1]
    deployed = page.read_text()
    for marker, value in markers.items():
        deployed = deployed.replace(marker, _text(value))
    [meta] = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', deployed)
    api = f"{{Fn::GetAtt:{_ref_of(dev, dev.stack.http_api)}.ApiEndpoint}}"
    assert _directives(meta) == {"connect-src": " ".join(["'self'", api, *connect.split()[2:]])}


def test_the_stats_function_takes_both_streams_in_whole_batches_retried_whole(
    dev: Synth,
) -> None:
    mappings = _mappings(dev, "stats")
    tables = [_ref_of(dev, dev.stack.tables[name]) for name in ("followups", "enrollments")]
    assert [m["EventSourceArn"] for m in mappings] == [
        {"Fn::GetAtt": [table, "StreamArn"]} for table in tables
    ]
    for mapping in mappings:
        # the batching the cost benchmark models the function with (infra.batching)
        assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (1000, 60)
        assert (STATS.size, STATS.window_seconds) == (1000, 60)
        # a retry starting anywhere but the batch's first record would count records again
        assert mapping["BisectBatchOnFunctionError"] is False
        assert "FunctionResponseTypes" not in mapping
        assert mapping["MaximumRecordAgeInSeconds"] == 3 * 60 * 60
        assert mapping["StartingPosition"] == "TRIM_HORIZON"
        assert "OnFailure" in mapping["DestinationConfig"]


def test_a_deploy_updates_the_stats_function_before_the_sender(dev: Synth) -> None:
    # the sender's sends are settled by the stats function from the stream: an older one
    # would skip their records
    sender = dev.resources("AWS::Lambda::Function")[_ref_of(dev, dev.stack.functions["sender"])]
    assert _ref_of(dev, dev.stack.functions["stats"]) in sender["DependsOn"]


def test_the_broadcaster_batches_as_the_cost_benchmark_models_it(dev: Synth) -> None:
    [mapping] = _mappings(dev, "broadcaster")
    assert (mapping["BatchSize"], mapping["MaximumBatchingWindowInSeconds"]) == (
        BROADCASTER.size,
        BROADCASTER.window_seconds,
    )
