"""Writes that meet another transaction on their items, as DynamoDB refuses them (moto never
does): each goes through once the other transaction is done, or ends in a clear error with
nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from pynamodb.models import Model

from followup.adapters.tables import ContactItem, FollowUpItem, RuleItem, StatsItem, client
from followup.domain.followup import Status
from followup.services.imports import import_contacts
from followup.services.ports import StoreBusy
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

FOREVER = 1_000
"""More refusals than any write is tried."""


class _Raw:
    """An HTTP body as botocore streams it."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


@dataclass
class Refusals:
    """How many sends of the operation were refused, and how many went through."""

    left: int
    refused: int = 0
    passed: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)


CONFLICT = ("TransactionConflict",)
"""A transaction in progress on the first item; no reason on the others."""


def _refusal(operation: str, body: dict[str, Any], reasons: tuple[str, ...]) -> dict[str, Any]:
    """DynamoDB's answer to a write that meets a transaction in progress: a transaction is
    cancelled with `reasons` on its first items and none on the others."""
    if operation != "TransactWriteItems":
        return {
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
            "message": "Transaction is ongoing for the item",
        }
    codes = [*reasons, *["None"] * (len(body["TransactItems"]) - len(reasons))]
    return {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific "
        f"reasons [{', '.join(codes)}]",
        "CancellationReasons": [{"Code": code} for code in codes],
    }


@contextmanager
def conflicting(
    table: type[Model], operation: str, times: int, reasons: tuple[str, ...] = CONFLICT
) -> Iterator[Refusals]:
    """The first `times` sends of `operation` that write to `table` are refused as conflicting
    with another transaction; later ones, and those to other tables, reach moto.

    The refusal is given at the HTTP layer, so the client's retry rules see it as they would
    DynamoDB's. moto answers every request it is shown, even one answered already, so a
    refused send is addressed elsewhere before moto sees it: it changes nothing.
    """
    state = Refusals(times)
    event = f"before-send.dynamodb.{operation}"

    def refuse(request: Any, **_: Any) -> AWSResponse | None:
        body = json.loads(request.body)
        if table.Meta.table_name not in _tables(body):
            return None
        if state.left == 0:
            state.passed += 1
            return None
        state.left -= 1
        state.refused += 1
        state.bodies.append(body)
        request.url = "http://127.0.0.1:9/refused"
        answer = json.dumps(_refusal(operation, body, reasons)).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 400, headers, _Raw(answer))

    events = client().meta.events
    events.register_first(event, refuse)
    try:
        yield state
    finally:
        events.unregister(event, refuse)


def _tables(body: dict[str, Any]) -> set[str]:
    """The tables a write request names: its own, or each of a transaction's items'."""
    if "TableName" in body:
        return {body["TableName"]}
    return {entry["TableName"] for item in body["TransactItems"] for entry in item.values()}


def test_a_step_queued_while_a_transaction_holds_the_follow_up_is_queued_and_sent_once(
    engine: LocalEngine,
) -> None:
    # Given a lead quiet for 25 h, due for the first step of a rule
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000901", engine.clock.now() - timedelta(hours=25))
    # When the tick's put of the follow-up meets a transaction on it twice
    with conflicting(FollowUpItem, "PutItem", 2) as refusals:
        engine.tick()
    # Then the same put, sent a third time, queued it, and it was sent once
    assert refusals.refused == 2
    assert refusals.bodies[0] == refusals.bodies[1]
    assert len(engine.sandbox.sent()) == 1
    followups = engine.deps.followups.followups_of(lead.id)
    assert [f.status for f in followups] == [Status.SENT]


def test_a_rule_saved_through_the_api_while_another_transaction_holds_it_is_saved_once(
    engine: LocalEngine,
) -> None:
    # Given a rule marketing saves; DynamoDB refuses its transaction twice
    body = rule().model_dump(mode="json")
    with conflicting(RuleItem, "TransactWriteItems", 2) as refusals:
        status, saved = call(engine, "POST", "/api/rules", body, role="marketing")
    # Then it is saved, as version 1, once
    assert (status, saved["rule"]["version"]) == (201, 1)
    assert (refusals.refused, refusals.passed) == (2, 1)
    assert [head.version for head in engine.deps.rules.rule_heads()] == [1]


def test_a_contact_written_through_the_api_while_a_transaction_holds_it_is_stored(
    engine: LocalEngine,
) -> None:
    # Given a new lead a CRM posts; DynamoDB refuses its put three times
    lead = {"wa_id": "6281100000902", "name": "Dewi"}
    with conflicting(ContactItem, "PutItem", 3) as refusals:
        status, created = call(engine, "POST", "/api/contacts", lead)
    # Then it is created, once
    assert status == 201
    assert refusals.refused == 3
    found = engine.deps.contacts.contact_by_wa_id("6281100000902")
    assert found is not None
    assert (found.item.id, found.item.name, found.revision) == (created["id"], "Dewi", 1)


def test_a_conflict_that_never_clears_answers_503_and_keeps_what_was_stored(
    engine: LocalEngine,
) -> None:
    # Given a saved rule
    body = rule().model_dump(mode="json")
    assert call(engine, "POST", "/api/rules", body)[0] == 201
    # When every transaction saving its next version meets another transaction
    edited = {**body, "name": "Edited"}
    with conflicting(RuleItem, "TransactWriteItems", FOREVER) as refusals:
        status, answer = call(engine, "PUT", f"/api/rules/{body['id']}", edited)
    # Then the request is refused as busy, after a few tries, and the rule is as it was
    assert (status, answer["error"]["code"]) == (503, "busy")
    assert 1 < refusals.refused < 10
    assert refusals.passed == 0
    [head] = engine.deps.rules.rule_heads()
    assert head.version == 1
    stored = engine.deps.rules.rule(body["id"], 1)
    assert stored is not None
    assert stored.name == body["name"]
    # And the API's description says every write may answer so
    document = call(engine, "GET", "/api/openapi.json")[1]
    writes = [
        operation["responses"]
        for operations in document["paths"].values()
        for method, operation in operations.items()
        if method != "get"
    ]
    assert writes
    assert all("503" in responses for responses in writes)


def test_a_step_whose_follow_up_stays_held_is_queued_by_the_next_tick(
    engine: LocalEngine,
) -> None:
    # Given a lead due for a step, and every put of a follow-up meeting a transaction
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000903", engine.clock.now() - timedelta(hours=25))
    with conflicting(FollowUpItem, "PutItem", FOREVER), pytest.raises(StoreBusy):
        engine.tick()
    # Then nothing was queued or sent, the lead is as stored, and the next tick queues it
    assert engine.deps.followups.followups_of(lead.id) == []
    assert engine.sandbox.sent() == []
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def _sent_unread(engine: LocalEngine) -> list[dict[str, Any]]:
    """Three leads' follow-ups queued and sent, their follow-up stream records left unread."""
    engine.pump_each_step = False
    engine.deps.rules.save_rule(rule())
    now = engine.clock.now()
    for n in range(3):
        quiet_contact(engine.deps, f"62811000091{n}", now - timedelta(hours=25))
    engine.tick()
    engine.streams["enrollments"].pump(lambda batch: engine.invoke("stats", {"Records": batch}))
    records: list[dict[str, Any]] = []
    engine.streams["followups"].pump(records.extend)
    return records


def _counts(engine: LocalEngine) -> dict[str, int]:
    today = engine.clock.now().date()
    [row] = engine.deps.stats.stats(today, today)
    return {name: row.counts.get(name, 0) for name in ("queued", "sent")}


def test_a_stats_batch_whose_counters_meet_another_transaction_is_counted_once(
    engine: LocalEngine,
) -> None:
    # Given three sends the stats function has not counted yet
    records = _sent_unread(engine)
    assert _counts(engine) == {"queued": 0, "sent": 0}
    # When it counts them and its transaction meets another twice
    with conflicting(StatsItem, "TransactWriteItems", 2) as refusals:
        engine.invoke("stats", {"Records": records})
    # Then each is counted once
    assert refusals.refused == 2
    assert _counts(engine) == {"queued": 3, "sent": 3}
    # And the batch delivered again counts nothing more
    engine.invoke("stats", {"Records": records})
    assert _counts(engine) == {"queued": 3, "sent": 3}


def test_a_stats_batch_that_keeps_meeting_a_transaction_fails_and_counts_once_retried(
    engine: LocalEngine,
) -> None:
    # Given three uncounted sends, and the counters' transaction always meeting another
    records = _sent_unread(engine)
    with conflicting(StatsItem, "TransactWriteItems", FOREVER), pytest.raises(StoreBusy):
        engine.invoke("stats", {"Records": records})
    # Then nothing was counted, and the batch, retried by the stream, counts each send once
    assert _counts(engine) == {"queued": 0, "sent": 0}
    engine.invoke("stats", {"Records": records})
    assert _counts(engine) == {"queued": 3, "sent": 3}


def _lead(engine: LocalEngine, wa_id: str) -> str:
    """A new lead, and a rule to send them: the lead's id."""
    engine.deps.rules.save_rule(rule())
    _, contact = call(engine, "POST", "/api/contacts", {"wa_id": wa_id, "name": "Eko"})
    return str(contact["id"])


def _send_now(engine: LocalEngine, contact_id: str) -> tuple[int, dict[str, Any]]:
    """A counsellor's send-now: the follow-up, the lead's slot and the lead written in one
    transaction."""
    path = f"/api/contacts/{contact_id}/followups"
    return call(engine, "POST", path, {"rule_id": "apply-remind-24h"}, role="counselor")


def test_a_send_now_whose_transaction_meets_another_is_queued_and_sent_once(
    engine: LocalEngine,
) -> None:
    # Given a counsellor's send-now whose transaction meets another twice
    contact_id = _lead(engine, "6281100000904")
    with conflicting(ContactItem, "TransactWriteItems", 2) as refusals:
        status, followup = _send_now(engine, contact_id)
    # Then it is accepted, the same transaction having gone through on its third send
    assert status == 202
    assert (refusals.refused, refusals.passed) == (2, 1)
    assert refusals.bodies[0] == refusals.bodies[1]
    # And it is sent once
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    assert [f.id for f in engine.deps.followups.followups_of(contact_id)] == [followup["id"]]


def test_a_send_now_that_lost_a_race_beside_a_conflict_is_refused_as_a_lost_race_at_once(
    engine: LocalEngine,
) -> None:
    # Given a send-now whose transaction is cancelled because a condition failed on one
    # item while another transaction held the next one
    contact_id = _lead(engine, "6281100000905")
    lost = ("ConditionalCheckFailed", "TransactionConflict")
    with conflicting(ContactItem, "TransactWriteItems", 1, lost) as refusals:
        status, answer = _send_now(engine, contact_id)
    # Then it is refused as a lost race, without sending it again (it cannot commit as built)
    assert (status, answer["error"]["code"]) == (409, "kept_changing")
    assert (refusals.refused, refusals.passed) == (1, 0)
    # And nothing was queued or sent
    assert engine.deps.followups.followups_of(contact_id) == []
    engine.drain()
    assert engine.sandbox.sent() == []


def test_an_import_that_keeps_meeting_a_transaction_fails_as_busy_and_runs_again_whole(
    engine: LocalEngine,
) -> None:
    # Given a stored lead, and an import of two new leads whose transaction always meets
    # another one
    quiet_contact(engine.deps, "6281100000920", engine.clock.now())
    text = "\n".join(
        json.dumps({"wa_id": f"62811000009{n}", "name": f"Lead {n}"}) for n in (20, 21, 22)
    )
    with conflicting(ContactItem, "TransactWriteItems", FOREVER), pytest.raises(StoreBusy):
        import_contacts(engine.deps, text, "ndjson")
    # Then it fails whole: neither new lead was written, nor taken for one already there
    for wa_id in ("6281100000921", "6281100000922"):
        assert engine.deps.contacts.contact_by_wa_id(wa_id) is None
    # And the import run again creates them
    report = import_contacts(engine.deps, text, "ndjson")
    assert (report.created, report.updated, report.rejected) == (2, 1, [])
