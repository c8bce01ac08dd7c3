"""Record every AWS call a function makes, as what its grants must allow (`infra/grants.py`).

moto checks no IAM, so a missing grant would only show in AWS: the grants tests run each
function's use cases on moto with a `Recorder` and compare what it used with `granted`.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.client
import pytest

from followup_local.engine import LocalEngine
from infra.grants import NEEDS

PREFIX = "followup-"
READS = {"GetItem", "Query", "Scan"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
TRANSACT_WRITES = {"Put": "write", "Update": "write", "Delete": "write", "ConditionCheck": "read"}
QUEUE = {
    "SendMessage": "send",
    "SendMessageBatch": "send",
    "ReceiveMessage": "consume",
    "DeleteMessage": "consume",
    "DeleteMessageBatch": "consume",
    "ChangeMessageVisibility": "consume",
}
TEXTS_AND_EMAILS = {
    ("sns", "Publish"): "text",
    ("sns", "CheckIfPhoneNumberIsOptedOut"): "text",
    ("sesv2", "SendEmail"): "email",
}
TRIGGERED = {
    "sender": {"consume"},
    "stats": {f"dynamodbstreams:{call}" for call in ("DescribeStream", "GetShardIterator")}
    | {"dynamodbstreams:GetRecords"},
}
"""The send queue's event source polls with the sender's role, the follow-up stream's
reads with the stats function's."""


def _table(name: str) -> str:
    return name.removeprefix(PREFIX)


def _uses(service: str, operation: str, params: dict[str, Any]) -> set[str]:
    """What one call needs: `read <table>`, `write <table>`, `send`, `push`, ..."""
    if service == "dynamodb":
        if operation in READS:
            return {f"read {_table(params['TableName'])}"}
        if operation in WRITES:
            return {f"write {_table(params['TableName'])}"}
        if operation == "DescribeTable":
            return {f"describe {_table(params['TableName'])}"}
        if operation in ("BatchWriteItem", "BatchGetItem"):
            kind = "write" if operation == "BatchWriteItem" else "read"
            return {f"{kind} {_table(name)}" for name in params["RequestItems"]}
        if operation == "TransactWriteItems":
            return {
                f"{TRANSACT_WRITES[kind]} {_table(action['TableName'])}"
                for item in params["TransactItems"]
                for kind, action in item.items()
            }
    if service == "sqs" and operation in QUEUE:
        return {QUEUE[operation]}
    if service == "secretsmanager":
        return {"secret"}
    if service == "apigatewaymanagementapi":
        return {"push"}
    if service == "events" and operation == "PutEvents":
        return {"notify"}
    if (service, operation) in TEXTS_AND_EMAILS:
        return {TEXTS_AND_EMAILS[service, operation]}
    return {f"{service}:{operation}"}  # anything else is granted to nobody


def granted(name: str) -> set[str]:
    needs = NEEDS[name]
    allowed = {f"read {t}" for t in needs.reads} | {f"write {t}" for t in needs.writes}
    allowed |= {f"describe {t}" for t in needs.tables}
    allowed |= {"secret"} if needs.secret else set()
    allowed |= {"send"} if needs.sends else set()
    allowed |= {"push"} if needs.pushes else set()
    allowed |= {"notify"} if needs.notifies else set()
    allowed |= {"text", "email"} if needs.texts_and_emails else set()
    return allowed | TRIGGERED.get(name, set())


class Recorder:
    """Every botocore call made while a function runs, as what it needs."""

    def __init__(self) -> None:
        self.function: str | None = None
        self.used: dict[str, set[str]] = defaultdict(set)
        self._lock = threading.Lock()

    def record(self, client: Any, operation: str, params: dict[str, Any]) -> None:
        if self.function is not None:
            service = client.meta.service_model.service_name
            with self._lock:  # the sender's threads call too
                self.used[self.function] |= _uses(service, operation, params)

    @contextmanager
    def running(self, engine: LocalEngine, function: str) -> Iterator[None]:
        """Record what `function` does; it starts cold, as in its own container."""
        deps = engine.deps
        deps.start_cold()
        self.function = function
        # The stream's records wait for its trigger, recorded as the stats function.
        pumping, engine.pump_each_step = engine.pump_each_step, False
        try:
            yield
        finally:
            self.function = None
            engine.pump_each_step = pumping

    def refused(self) -> dict[str, set[str]]:
        """What each function did beyond its grants (empty when all is allowed)."""
        return {name: extra for name, used in self.used.items() if (extra := used - granted(name))}


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recording = Recorder()
    call = botocore.client.BaseClient._make_api_call

    def recorded(client: Any, operation: str, params: dict[str, Any]) -> Any:
        recording.record(client, operation, params)
        return call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded)
    return recording
