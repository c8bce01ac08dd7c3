"""Every function finishes inside its timeout when an endpoint accepts and never answers:
the live feed's pushes give up on a hanging connection and reach the others, and the
stack gives each function more time than its worst case (followup.adapters.timeouts)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError
from pydantic import ValidationError

from followup.adapters import tables
from followup.adapters.connections import Connections
from followup.adapters.timeouts import (
    API_TIMEOUT,
    AWS,
    DYNAMODB,
    EMULATED,
    ENDS,
    HEADROOM,
    SENDER_TIMEOUT,
    WEBHOOK_TIMEOUT,
    WORST_CASE,
    broadcaster_reserve,
    notify_reserve,
    sender_record,
)
from followup.domain.followup import FollowUp, RenderedMessage, Status
from followup.domain.notification import Notification
from followup.services.ports import DeliveryFailed
from followup.wiring import runtime
from followup.wiring.config import SECRETS_NAME, Config
from followup_local.engine import (
    LambdaContext,
    LocalEngine,
    local_engine,
    scheduled_event,
    sqs_event,
)
from functions.broadcaster import handler as broadcaster
from functions.enqueue import handler as enqueue
from functions.sender import handler as sender
from tests.infra.conftest import Synth, synth
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import journey, quiet_contact, rule
from tests.support.hooks import hook, serving
from tests.support.logs import logged

HELD_SECONDS = 5.0
"""How long the stage holds a hanging push before answering it after all: far past the
configured timeout, far under botocore's default 60 s."""


@dataclass
class Stage:
    """A WebSocket stage's management API on 127.0.0.1; pushes to `hanging` connections are
    accepted and not answered."""

    url: str = ""
    hanging: set[str] = field(default_factory=set)
    received: dict[str, int] = field(default_factory=dict)
    tried: dict[str, int] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)
    answer: bytes = b""
    """What a hanging request gets once held `HELD_SECONDS`."""


@contextmanager
def stage() -> Iterator[Stage]:
    state = Stage()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            connection = self.path.rsplit("/", 1)[-1]
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.tried[connection] = state.tried.get(connection, 0) + 1
            answer = b""
            if connection in state.hanging:
                state.release.wait(HELD_SECONDS)
                answer = state.answer
            else:
                state.received[connection] = state.received.get(connection, 0) + 1
            # A client past its timeout has hung up on a held answer, as the test means.
            with suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            return None

    with serving(Handler) as url:
        state.url = f"{url}/live"
        try:
            yield state
        finally:
            state.release.set()


@pytest.fixture
def live() -> Iterator[tuple[LocalEngine, Stage]]:
    with (
        stage() as running,
        local_engine(
            TUESDAY_9AM_JAKARTA,
            settings={
                "WEBSOCKET_CALLBACK_URL": running.url,
                "WEBSOCKET_PUSH_TIMEOUT_SECONDS": "0.2",
            },
        ) as engine,
    ):
        runtime.connection_poster.cache_clear()
        try:
            yield engine, running
        finally:
            runtime.connection_poster.cache_clear()


def _changed(engine: LocalEngine) -> dict[str, Any]:
    now = engine.clock.now()
    followup = FollowUp(
        id="fu_1",
        contact_id="ct_1",
        rule_id="r",
        rule_version=1,
        silence_key="s",
        created_at=now,
        scheduled_at=now + timedelta(minutes=5),
        rendered=RenderedMessage(kind="email", subject="Penawaran", text="Halo"),
    )
    image = {"id": {"S": followup.id}, "doc": {"S": followup.model_dump_json()}}
    return {"Records": [{"eventName": "MODIFY", "dynamodb": {"NewImage": image}}]}


def _misses(engine: LocalEngine) -> dict[str, int]:
    """Each open app's batches missed, as the connections table holds them."""
    return {c.connection_id: c.misses for c in Connections().listening(engine.clock.now())}


class _Context(LambdaContext):
    """Lambda's context with `remaining_seconds` left, however long the call takes."""

    def __init__(self, remaining_seconds: float, function_name: str = "broadcaster") -> None:
        super().__init__(function_name=function_name)
        self.remaining_seconds = remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining_seconds * 1000)


def test_a_connection_that_never_answers_is_reported_failed_and_the_others_get_the_change(
    live: tuple[LocalEngine, Stage],
) -> None:
    # Given three open admin apps, one of whose pushes the stage accepts and never answers
    engine, feed = live
    for app in ("desk", "stuck", "laptop"):
        Connections().add(app, "u1", engine.clock.now())
    feed.hanging.add("stuck")
    # When the broadcaster pushes a change
    report = engine.invoke("broadcaster", _changed(engine))
    # Then the two others get it, and the hanging one is given up on and counted failed
    assert feed.received == {"desk": 1, "laptop": 1}
    assert report == {"messages": 2, "gone": 0, "failed": 1}
    assert feed.tried["stuck"] == 2  # two attempts, as configured


def test_pushing_stops_while_the_batch_can_still_finish_in_time(
    live: tuple[LocalEngine, Stage],
) -> None:
    # Given two open admin apps and a broadcaster with less time left than one hanging
    # push and a clean-up could take
    engine, feed = live
    for app in ("desk", "laptop"):
        Connections().add(app, "u1", engine.clock.now())
    reserve = broadcaster_reserve(engine.config.push_limit())
    # When the stream hands it a change
    short = broadcaster.handler(_changed(engine), _Context(reserve - 0.1))
    broadcaster.metrics.clear_metrics()
    # Then no push is tried and both apps are marked as having missed that batch, which the
    # stream does not hand over again: with time, the next batch tells each to fetch its
    # view again (a resync), then brings its change
    assert feed.tried == {}
    assert short == {"messages": 0, "gone": 0, "failed": 2}
    assert _misses(engine) == {"desk": 1, "laptop": 1}
    enough = broadcaster.handler(_changed(engine), _Context(reserve + 1))
    broadcaster.metrics.clear_metrics()
    assert feed.received == {"desk": 2, "laptop": 2}
    assert enough == {"messages": 4, "gone": 0, "failed": 0}
    assert _misses(engine) == {"desk": 0, "laptop": 0}


def test_an_enqueue_tick_near_its_end_leaves_notifications_to_the_next_tick(
    engine: LocalEngine,
) -> None:
    # Given a journey that notifies a CRM webhook about two quiet leads
    with hook(engine.config.notify_secret.get_secret_value()) as crm:
        engine.deps.rules.save_rule(journey({"kind": "action", "do": "notify", "webhook": crm.url}))
        for wa_id in ("6281100000971", "6281100000972"):
            quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=25))
        reserve = notify_reserve(engine.config.notify_limit())
        # When a tick runs with less time left than one hanging notification could take
        short = enqueue.handler(
            scheduled_event(engine.clock.now()), _Context(reserve - 0.1, "enqueue")
        )
        enqueue.metrics.clear_metrics()
        # Then it plans its work but tries no notification; the next tick, with time, does
        assert (short["notified"], short["notify_failed"], crm.received) == (0, 0, [])
        engine.clock.advance(timedelta(minutes=1))
        enough = enqueue.handler(scheduled_event(engine.clock.now()), _Context(300, "enqueue"))
        enqueue.metrics.clear_metrics()
        assert (enough["notified"], len(crm.received)) == (2, 2)


class _Shrinking(LambdaContext):
    """Lambda's context whose time left is, at each asking, the next of `remaining`."""

    def __init__(self, *remaining: float) -> None:
        super().__init__(function_name="sender")
        self.remaining = list(remaining)

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining.pop(0) * 1000)


def _handed_to_the_sender(engine: LocalEngine, leads: int) -> list[dict[str, Any]]:
    """`leads` quiet leads planned and dispatched by a tick: their send queue messages."""
    engine.deps.rules.save_rule(rule())
    for n in range(leads):
        quiet_contact(engine.deps, f"628110000098{n}", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    engine.delays.release_due()
    received = engine.sqs.receive_message(QueueUrl=engine.queue_url, MaxNumberOfMessages=10)
    messages: list[dict[str, Any]] = received["Messages"]
    assert len(messages) == leads
    return messages


def _not_started(answer: dict[str, Any]) -> set[str]:
    return {failure["itemIdentifier"] for failure in answer["batchItemFailures"]}


@pytest.fixture
def one_thread(engine: LocalEngine) -> Iterator[LocalEngine]:
    """The engine's sender with one thread (built again after, for the next tests)."""
    engine.configure(send_concurrency=1)
    sender.executor.cache_clear()
    yield engine
    sender.executor.cache_clear()


def test_with_one_thread_a_record_waiting_past_the_time_is_left_to_sqs(
    one_thread: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a sender with one thread, and two follow-ups handed to it in one batch
    engine = one_thread
    first, second = _handed_to_the_sender(engine, 2)
    reserve = sender_record(engine.config.provider_limit(), engine.config.ai_limit())
    # When the first send leaves less time than another may block
    batch = sqs_event([first, second], engine.queue_url)
    answer = sender.handler(batch, _Shrinking(60, reserve - 1))
    counted = {name: sum(m["Value"]) for name, m in sender.metrics.metric_set.items()}
    sender.metrics.clear_metrics()
    # Then the first is sent, the second not started: back to SQS, not cut off mid-flight
    assert _not_started(answer) == {second["MessageId"]}
    # And said so, not as a failure an operator would look into
    assert "send_record_failed" not in counted
    _, [line] = logged(caplog, "sender", "follow-up not started in time; SQS hands it over again")
    assert (line["level"], line["message_id"]) == ("INFO", second["MessageId"])
    assert logged(caplog, "sender", "follow-up failed; SQS hands it over again")[1] == []
    assert len(engine.sandbox.sent()) == 1
    waiting = engine.deps.followups.followup(json.loads(second["Body"])["followup_id"])
    assert waiting is not None
    assert waiting.status is Status.QUEUED
    # And handed over again by SQS, it is sent: each lead once
    again = sender.handler(batch, _Context(60, "sender"))
    sender.metrics.clear_metrics()
    assert _not_started(again) == set()
    sent = sorted(r.body["to"] for r in engine.sandbox.sent() if r.body is not None)
    assert sent == ["6281100000980", "6281100000981"]


def test_a_cold_start_gives_up_on_a_secrets_manager_that_never_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a function whose configuration is in a secret, and a Secrets Manager endpoint
    # that accepts and answers only after holding the request for seconds
    with stage() as secrets:
        secrets.hanging.add("")  # Secrets Manager is posted to at "/"
        secrets.answer = json.dumps(
            {"Name": "followup-prod-secrets", "SecretString": json.dumps({"D360_API_KEY": "k"})}
        ).encode()
        monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets.url.removesuffix("/live"))
        monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.setenv(SECRETS_NAME, "followup-prod-secrets")
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        try:
            # When the configuration loads, then it fails after its two attempts instead of
            # waiting out the endpoint (botocore's default: 60 s, three times)
            with pytest.raises(GetParameterError, match="Read timeout"):
                Config()
        finally:
            parameters.clear_caches()  # type: ignore[no-untyped-call]
        assert secrets.tried == {"": 2}


def test_a_bus_notification_fails_on_an_event_bus_that_never_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given an EventBridge endpoint that accepts and answers only after holding the request
    with stage() as bus:
        bus.hanging.add("")  # EventBridge is posted to at "/"
        bus.answer = b'{"FailedEntryCount": 0, "Entries": [{"EventId": "e1"}]}'
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        monkeypatch.delenv(SECRETS_NAME, raising=False)
        config = Config(
            aws_endpoint_url=bus.url.removesuffix("/live"), event_bus_name="followup-events"
        )
        notification = Notification(
            id="n1", contact_id="ct_1", rule_id="r", step=0, created_at=TUESDAY_9AM_JAKARTA
        )
        # When a journey's notification is put on the bus, then it fails after its three
        # attempts, as a delivery the tick records and tries again later
        with pytest.raises(DeliveryFailed, match="no answer"):
            runtime.notifier(config).deliver(notification, TUESDAY_9AM_JAKARTA)
        assert bus.tried == {"": 3}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(Path(tmp_path_factory.mktemp("timeouts")))


def _timeouts(dev: Synth) -> dict[str, int]:
    """Each function's timeout in seconds, by its name in functions/."""
    return {name: fn.timeout.to_seconds() for name, fn in dev.stack.functions.items()}


def test_every_function_has_more_time_than_its_worst_case_of_hanging_calls(dev: Synth) -> None:
    # Given the stack as deployed
    timeouts = _timeouts(dev)
    # Then every function is budgeted, and its timeout covers the budget with a fifth spare
    assert sorted(timeouts) == sorted(WORST_CASE)
    short = {
        name: (timeouts[name], WORST_CASE[name])
        for name in timeouts
        if timeouts[name] < HEADROOM * WORST_CASE[name]
    }
    assert short == {}


def test_the_send_queue_keeps_a_message_hidden_longer_than_the_sender_may_run(
    dev: Synth,
) -> None:
    # Given the stack as deployed
    timeouts = _timeouts(dev)
    queues = dev.resources("AWS::SQS::Queue")
    mappings = dev.resources("AWS::Lambda::EventSourceMapping")
    functions = {
        dev.stack.resolve(fn.node.default_child.logical_id): name
        for name, fn in dev.stack.functions.items()
    }
    # Then every function an SQS queue triggers runs shorter than the queue hides a message
    triggered = {}
    for mapping in mappings.values():
        source = mapping["Properties"]["EventSourceArn"]
        if "Fn::GetAtt" not in source or source["Fn::GetAtt"][0] not in queues:
            continue
        queue = queues[source["Fn::GetAtt"][0]]["Properties"]
        name = functions[mapping["Properties"]["FunctionName"]["Ref"]]
        triggered[name] = (queue["VisibilityTimeout"], timeouts[name])
    assert set(triggered) == {"sender"}
    assert all(visible >= runs for visible, runs in triggered.values())


def test_the_local_send_queue_hides_and_redrives_as_the_deployed_one(
    dev: Synth, engine: LocalEngine
) -> None:
    # Given the send queue of a local run and the deployed one
    [deployed] = [
        q["Properties"]
        for q in dev.resources("AWS::SQS::Queue").values()
        if "RedrivePolicy" in q["Properties"]
    ]
    local = engine.sqs.get_queue_attributes(
        QueueUrl=engine.queue_url, AttributeNames=["VisibilityTimeout", "RedrivePolicy"]
    )["Attributes"]
    # Then a local message, too, stays hidden longer than the sender may run, and moves to
    # the dead-letter queue after as many receives
    assert int(local["VisibilityTimeout"]) >= _timeouts(dev)["sender"]
    redrive = json.loads(local["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == deployed["RedrivePolicy"]["maxReceiveCount"]


def test_calls_to_the_local_emulation_wait_as_long_as_its_queue_may_take() -> None:
    # The local stack's moto server runs one call at a time: a call given up on there
    # after AWS's 2 s would be sent again once done, and a write that succeeded would
    # look refused. Only the local stack says its AWS is emulated.
    def limits(emulated: bool) -> tuple[float, float]:
        endpoint = "http://127.0.0.1:4566"
        tables.bind("followup-", "us-east-1", endpoint, emulated=emulated)
        dynamodb = tables.client().meta.config
        config = Config.model_validate(
            {"AWS_ENDPOINT_URL": endpoint, "FOLLOWUP_AWS_EMULATED": emulated}
        )
        sqs = runtime._client("sqs", config).meta.config
        return dynamodb.read_timeout, sqs.read_timeout

    try:
        assert limits(emulated=False) == (DYNAMODB.read, AWS.read)
        assert limits(emulated=True) == (EMULATED.read, EMULATED.read)
    finally:
        tables.bind("followup-", "us-east-1")


def _timeouts_set(monkeypatch: pytest.MonkeyPatch, d360: str, anthropic: str) -> None:
    monkeypatch.delenv(SECRETS_NAME, raising=False)
    monkeypatch.setenv("D360_TIMEOUT_SECONDS", d360)
    monkeypatch.setenv("ANTHROPIC_TIMEOUT_SECONDS", anthropic)


@pytest.mark.parametrize(("d360", "anthropic"), [("10", "3"), ("20", "6")])
def test_provider_timeouts_whose_worst_send_fits_in_the_sender_are_taken(
    monkeypatch: pytest.MonkeyPatch, d360: str, anthropic: str
) -> None:
    # Given 360dialog's and Anthropic's timeouts set for the functions
    _timeouts_set(monkeypatch, d360, anthropic)
    # When the configuration is read (once per cold start), they are taken
    config = Config()
    # Then one send's worst case fits in the sender's run with a fifth to spare, a template
    # sync's in the API's and a reply read by Claude in the webhook's
    assert HEADROOM * sender_record(config.provider_limit(), config.ai_limit()) <= SENDER_TIMEOUT
    assert HEADROOM * max(config.provider_limit().stall, ENDS) <= API_TIMEOUT
    assert HEADROOM * max(config.ai_limit().stall, ENDS) <= WEBHOOK_TIMEOUT


@pytest.mark.parametrize(("d360", "anthropic"), [("60", "3"), ("10", "20")])
def test_provider_timeouts_that_let_one_send_outlast_the_sender_are_refused_at_cold_start(
    monkeypatch: pytest.MonkeyPatch, d360: str, anthropic: str
) -> None:
    # Given timeouts with which one send could block past the sender's 60 s
    _timeouts_set(monkeypatch, d360, anthropic)
    # When the configuration is read, it is refused, naming both settings and what to do
    with pytest.raises(ValidationError) as refused:
        Config()
    said = str(refused.value)
    assert f"D360_TIMEOUT_SECONDS={d360}" in said
    assert f"ANTHROPIC_TIMEOUT_SECONDS={anthropic}" in said
    assert "lower one of them" in said


@pytest.mark.parametrize(
    ("d360", "anthropic", "setting", "function"),
    [
        ("30", "3", "D360_TIMEOUT_SECONDS=30", "the API"),
        ("8", "13", "ANTHROPIC_TIMEOUT_SECONDS=13", "the webhook"),
    ],
)
def test_provider_timeouts_that_outlast_the_api_or_the_webhook_are_refused_at_cold_start(
    monkeypatch: pytest.MonkeyPatch, d360: str, anthropic: str, setting: str, function: str
) -> None:
    # Given timeouts that fit the sender, but with which a template sync could block past
    # the API's 30 s, or a reply read by Claude past the webhook's 29 s
    _timeouts_set(monkeypatch, d360, anthropic)
    # When the configuration is read, it is refused, naming the setting and the function
    with pytest.raises(ValidationError) as refused:
        Config()
    said = str(refused.value)
    assert setting in said
    assert f"{function} runs" in said
    assert "lower it" in said
