"""A write DynamoDB made whose answer never reached the sender: the client gives up on it
after its read timeout and sends the same request again. The claim, sent again, finds
itself made and the follow-up goes out once; a second sender's claim is still refused.

DynamoDB here is a moto server behind a proxy on 127.0.0.1, reached over real HTTP with
the production client's timeouts and retries (followup.adapters.timeouts.DYNAMODB).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from followup.domain.followup import Status
from followup.services import rules, settings
from followup.services.contacts import upsert
from followup.services.ports import Versioned
from followup.services.send import Outcome, SendResult, send_one
from followup_local.engine import LocalEngine, local_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import before_renewal, quiet_contact, rule
from tests.support.hooks import serving

RETRY_WAIT = 60.0
"""The longest a withheld answer waits for the client's retry: far past its read timeout."""
_HOP_BY_HOP = {"content-length", "transfer-encoding", "connection", "date", "server"}

Match = Callable[[str, dict[str, Any]], bool]


@dataclass
class Proxy:
    """DynamoDB's endpoint: every request forwarded to moto, and its answer relayed, except
    as told for the requests `match` picks (by operation and body)."""

    url: str = ""
    match: Match | None = None
    lose_first: bool = False
    """Forward the first picked request, then withhold its answer until the client sends
    the same request again."""
    meanwhile: Callable[[], None] | None = None
    """Run before the first picked request is forwarded."""
    picked: list[dict[str, Any]] = field(default_factory=list)
    """The picked requests' bodies, in the order they came."""
    answers: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    """Each picked request's body and the status moto answered it with, in answer order."""
    retried: threading.Event = field(default_factory=threading.Event)


def _forward(target: tuple[str, int], handler: BaseHTTPRequestHandler, body: bytes) -> Any:
    connection = http.client.HTTPConnection(*target, timeout=RETRY_WAIT)
    try:
        connection.request("POST", handler.path, body, dict(handler.headers.items()))
        answer = connection.getresponse()
        return answer.status, answer.getheaders(), answer.read()
    finally:
        connection.close()


@contextmanager
def proxied_moto() -> Iterator[Proxy]:
    """A moto server (the in-process backends `mock_aws` uses too) behind a proxy."""
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    target = moto.get_host_and_port()
    state = Proxy()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            operation = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
            request = json.loads(body or b"{}")
            picked = state.match is not None and state.match(operation, request)
            with lock:
                first = picked and not state.picked
                if picked:
                    state.picked.append(request)
                if picked and not first and request == state.picked[0]:
                    state.retried.set()
            if first and state.meanwhile is not None:
                state.meanwhile()
            status, headers, answer = _forward(target, self, body)
            if picked:
                state.answers.append((request, status))
            if first and state.lose_first:
                state.retried.wait(RETRY_WAIT)
                return  # the connection closes unanswered; the client gave up on it
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return None

    try:
        with serving(Handler) as url:
            state.url = url
            try:
                yield state
            finally:
                state.retried.set()
    finally:
        moto.stop()


@pytest.fixture
def proxied(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LocalEngine, Proxy]]:
    """The local engine with every DynamoDB call going through the proxy."""
    with proxied_moto() as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", proxy.url)
        with local_engine(TUESDAY_9AM_JAKARTA) as engine:
            yield engine, proxy


def _claim(operation: str, body: dict[str, Any]) -> bool:
    """The sender's claim: a follow-up put as `sending`."""
    return (
        operation == "PutItem"
        and body["TableName"].endswith("followups")
        and body["Item"]["status"] == {"S": "sending"}
    )


def _due_lead(engine: LocalEngine, wa_id: str) -> str:
    """A lead quiet for 25 h and a rule whose step is due for them: the lead's id."""
    engine.deps.rules.save_rule(rule())
    now = engine.clock.now()
    return quiet_contact(engine.deps, wa_id, now - timedelta(hours=25)).id


def test_a_claim_whose_answer_is_lost_is_sent_once(
    proxied: tuple[LocalEngine, Proxy],
) -> None:
    # Given a lead due for a follow-up, and DynamoDB's answer to the claim lost after
    # DynamoDB made it
    engine, proxy = proxied
    lead = _due_lead(engine, "6281100000951")
    proxy.match, proxy.lose_first = _claim, True
    # When the tick queues it and the sender takes it
    engine.tick()
    # Then the client sent the same claim again, and it held
    first, again = proxy.picked
    assert first == again
    assert [status for _, status in proxy.answers] == [200, 200]
    # And the lead got the follow-up once, recorded sent, not left sending
    assert len(engine.sandbox.sent()) == 1
    assert [f.status for f in engine.deps.followups.followups_of(lead)] == [Status.SENT]


def test_a_second_sender_claiming_at_the_same_time_is_refused(
    proxied: tuple[LocalEngine, Proxy],
) -> None:
    # Given a lead's follow-up handed to the sender, and a second sender (a duplicate
    # delivery) that read it queued too and claims it just before the first one's claim
    engine, proxy = proxied
    lead = _due_lead(engine, "6281100000952")
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    [queued] = engine.deps.followups.followups_of(lead)
    second: list[Outcome] = []
    proxy.match = _claim
    proxy.meanwhile = lambda: second.append(send_one(engine.deps, queued.id))
    # When the first sender takes it
    engine.drain()
    # Then the second sender sent it, and of the claims (the first one's perhaps sent again
    # after a read timeout) only the second sender's held
    assert [outcome.result for outcome in second] == [SendResult.SENT]
    statuses = [status for _, status in proxy.answers]
    assert (statuses[0], statuses.count(200), set(statuses[1:])) == (200, 1, {400})
    # And the lead got it once
    assert len(engine.sandbox.sent()) == 1
    assert [f.status for f in engine.deps.followups.followups_of(lead)] == [Status.SENT]


def _new_contact(operation: str, body: dict[str, Any]) -> bool:
    """A contact's first write: put at revision 1."""
    item = body.get("Item", {})
    return (
        operation == "PutItem"
        and body["TableName"].endswith("contacts")
        and item.get("id", {}).get("S", "").startswith("ct_")
        and item.get("revision") == {"N": "1"}
    )


def test_a_new_lead_whose_write_answer_is_lost_still_gets_its_date_reminder(
    proxied: tuple[LocalEngine, Proxy],
) -> None:
    # Given a reminder seven days before each lead's renewal date, and DynamoDB's answer to
    # a new lead's first write lost after DynamoDB made it
    engine, proxy = proxied
    rules.create(engine.deps, rule("renewal-reminder", trigger=before_renewal(), exit={}))
    proxy.match, proxy.lose_first = _new_contact, True
    # When a CRM writes the lead, renewing on 8 December
    lead, created = upsert(
        engine.deps,
        "6281100000953",
        {"name": "Sari", "timezone": "Asia/Jakarta", "attributes": {"renewal_date": "2026-12-08"}},
    )
    # Then the client sent the same write again, and it held: the lead was written as new
    assert created
    first, again = proxy.picked
    assert first == again
    assert [status for _, status in proxy.answers] == [200, 200]
    # And the reminder is set for 1 December, 09:00 in Jakarta, so that tick sends it
    proxy.match = None
    engine.clock.advance(timedelta(days=7))  # to Tuesday 1 December, 09:00 in Jakarta
    engine.tick()
    assert [f.rule_id for f in engine.deps.followups.followups_of(lead.id)] == ["renewal-reminder"]
    assert len(engine.sandbox.sent()) == 1


def _settings_saved(operation: str, body: dict[str, Any]) -> bool:
    return (
        operation == "PutItem"
        and body["TableName"].endswith("state")
        and body["Item"]["key"] == {"S": "settings"}
    )


def test_an_admin_s_settings_save_whose_answer_is_lost_is_not_taken_for_someone_else_s(
    proxied: tuple[LocalEngine, Proxy],
) -> None:
    # Given the settings as an admin's page read them, and DynamoDB's answer to the save
    # lost after DynamoDB made it
    engine, proxy = proxied
    read = engine.deps.rules.versioned_settings()
    edited = read.item.model_copy(update={"mass_send_limit": read.item.mass_send_limit + 50})
    proxy.match, proxy.lose_first = _settings_saved, True
    # When the admin saves from the revision the page showed
    _, _, revision = settings.replace(engine.deps, edited, read.revision)
    # Then the client sent the same save again, it held, and the admin is told it is saved
    # (not that someone else saved meanwhile)
    first, again = proxy.picked
    assert first == again
    assert [status for _, status in proxy.answers] == [200, 200]
    assert revision == read.revision + 1
    assert engine.deps.rules.versioned_settings() == Versioned(edited, read.revision + 1)
