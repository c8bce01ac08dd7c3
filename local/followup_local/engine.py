"""The real handlers on one machine: embedded AWS (moto), the WhatsApp sandbox, a clock you
drive. The simulator and the integration tests run the engine through this."""

from __future__ import annotations

import importlib
import json
import os
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from unittest.mock import patch

import boto3

from followup.adapters import tables
from followup.loading import loading
from followup.services.deps import Deps
from followup.services.ports import Delayed, SendQueue
from followup.wiring import runtime
from followup.wiring.config import Config
from followup_local import envelopes
from followup_local.moto_tuning import stream_records, tune_moto
from followup_local.outbox import EMAIL_FROM, Sent, emails, sms, verify_sender
from followup_local.sandbox import WhatsAppSandbox
from followup_local.streams import COUNTED, StreamPump, stream_of, streams_client

REGION = "us-east-1"
LOCAL_API_KEY = "local-sandbox-key"
LOCAL_NOTIFY_SECRET = "local-notify-secret"  # noqa: S105  # signs notifications of local runs
MAX_RECEIVES = 5
"""Receives before SQS moves a message to the dead-letter queue (as in AWS)."""

_QUIET_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


class VirtualClock:
    """Time that moves only when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, by: timedelta) -> datetime:
        self._now += by
        return self._now

    def sleep(self, seconds: float) -> None:
        """Waiting, as the services do it: the time passes at once."""
        self._now += timedelta(seconds=seconds)


@dataclass
class _Held:
    due: datetime
    message: Delayed


class VirtualDelayQueue:
    """Holds delayed messages until the virtual clock reaches them, then hands them to SQS.

    SQS delays run on real time; under a virtual clock they would never line up.
    """

    def __init__(self, inner: SendQueue, clock: VirtualClock) -> None:
        self._inner, self._clock = inner, clock
        self._held: list[_Held] = []

    def enqueue(self, followup_ids: Iterable[str], delay_seconds: int = 0) -> None:
        self.enqueue_each(Delayed(fid, delay_seconds) for fid in followup_ids)

    def enqueue_each(self, messages: Iterable[Delayed]) -> None:
        now, at_once = self._clock.now(), []
        for message in messages:
            if message.delay_seconds <= 0:
                at_once.append(message)
            else:
                due = now + timedelta(seconds=min(message.delay_seconds, 900))
                self._held.append(_Held(due, replace(message, delay_seconds=0)))
        if at_once:
            self._inner.enqueue_each(at_once)

    def next_due(self) -> datetime | None:
        """When the next held message comes out of its delay, if any is held."""
        return min((held.due for held in self._held), default=None)

    def clear(self) -> None:
        """Forget every held message (a fresh start for the next run)."""
        self._held.clear()

    def release_due(self) -> None:
        now = self._clock.now()
        ready = [held.message for held in self._held if held.due <= now]
        self._held = [held for held in self._held if held.due > now]
        if ready:
            self._inner.enqueue_each(ready)


@dataclass
class LambdaContext:
    """Enough of Lambda's context object for Powertools."""

    function_name: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


class Functions:
    """The Lambda functions, each run as one warm instance: one request at a time.

    Lambda never hands an instance a second event while it handles one, and handlers rely
    on it (Powertools' resolvers keep the current event on the resolver object); so calls
    to the same function wait for each other, calls to different functions do not.
    """

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Call `functions/<function>/handler.py` exactly as Lambda would."""
        with self._guard:
            lock = self._locks.setdefault(function, threading.Lock())
        with loading():  # a handler's first import, beside other functions' first calls
            module = importlib.import_module(f"functions.{function}.handler")
        with lock:
            try:
                return module.handler(event, LambdaContext(function_name=function))
            finally:
                # With POWERTOOLS_METRICS_DISABLED, Powertools 3.37 skips the flush but keeps
                # the values, then prints them all once 100 pile up: drop them here instead.
                module.metrics.clear_metrics()


class Ticking(ABC):
    """An engine driven tick by tick: each scheduled function, and the sender draining."""

    clock: VirtualClock
    delays: VirtualDelayQueue

    @abstractmethod
    def scheduled(self, function: str) -> Any:
        """Run the scheduled function (enqueue, dispatch, expire) at the clock's time."""

    @abstractmethod
    def drain(self, max_batches: int = 10_000) -> dict[str, int]:
        """Let the sender take every message queued for it."""

    def run_until(self, at: datetime) -> None:
        """Move the clock to `at`, the sender taking each delayed message the moment its
        delay ends, as SQS hands them over between ticks."""
        while (due := self.delays.next_due()) is not None and due <= at:
            if due > self.clock.now():
                self.clock.advance(due - self.clock.now())
            self.drain()
        if at > self.clock.now():
            self.clock.advance(at - self.clock.now())

    def tick(self) -> dict[str, Any]:
        """One scheduler tick: enqueue, dispatch, let the sender drain the queue, expire."""
        enqueued = self.scheduled("enqueue")
        dispatched = self.scheduled("dispatch")
        sent = self.drain()
        expired = self.scheduled("expire")
        return {"enqueue": enqueued, "dispatch": dispatched, "sender": sent, "expire": expired}

    def ticks(self, count: int, *, every: timedelta) -> None:
        """`count` scheduler ticks, `every` apart: each time the clock moves on, then one tick."""
        for _ in range(count):
            self.clock.advance(every)
            self.tick()

    def ticks_until(self, at: datetime, *, every: timedelta) -> None:
        """Scheduler ticks `every` apart until the clock reaches `at`; the last may pass it."""
        while self.clock.now() < at:
            self.ticks(1, every=every)


@dataclass
class LocalEngine(Ticking):
    """A running engine: handlers, tables, queues and sandbox, driven tick by tick."""

    clock: VirtualClock
    sandbox: WhatsAppSandbox
    deps: Deps
    delays: VirtualDelayQueue
    sqs: Any
    queue_url: str
    dlq_url: str
    config: Config
    streams: dict[str, StreamPump]
    """The follow-up and enrollment tables' streams, by table."""
    functions: Functions = field(default_factory=Functions)
    pump_each_step: bool = True
    """Feed the streams to the stats function before and after every other
    invocation, so a step's counters are in place when it returns and what was written
    outside any function is counted before the next one reads (seconds later on AWS)."""

    def configure(self, **changes: object) -> Config:
        """Run the handlers with these configuration fields changed (e.g. meta_app_secret)."""
        self.config = Config.model_validate({**self.config.model_dump(), **changes})
        runtime.install(self.deps, self.config)
        return self.config

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Call `functions/<function>/handler.py` exactly as Lambda would."""
        pumped = self.pump_each_step and function != "stats"
        if pumped:
            self.pump_stream()  # what was written outside any function, e.g. by a test
        try:
            return self.functions.invoke(function, event)
        finally:
            if pumped:
                self.pump_stream()

    def pump_stream(self) -> int:
        """The streams' new records to the stats function, as its triggers would."""
        return sum(
            stream.pump(lambda records: self.functions.invoke("stats", {"Records": records}))
            for stream in self.streams.values()
        )

    def scheduled(self, function: str) -> Any:
        return self.invoke(function, scheduled_event(self.clock.now()))

    def drain(self, max_batches: int = 10_000) -> dict[str, int]:
        """Feed queued messages to the sender in batches of 10, as the SQS trigger does."""
        self.delays.release_due()
        batches = failures = 0
        while batches < max_batches:
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                VisibilityTimeout=30,
            ).get("Messages", [])
            if not received:
                break
            batches += 1
            try:
                response = self.invoke("sender", sqs_event(received, self.queue_url))
            except Exception:
                response = {
                    "batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in received]
                }
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
            failures += len(failed)
            for message in received:
                if message["MessageId"] in failed:
                    # Visible again at once: virtual time has no visibility timeout to wait.
                    self.sqs.change_message_visibility(
                        QueueUrl=self.queue_url,
                        ReceiptHandle=message["ReceiptHandle"],
                        VisibilityTimeout=0,
                    )
                else:
                    self.sqs.delete_message(
                        QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                    )
        return {"batches": batches, "failures": failures}

    def deliver(self, document: dict[str, Any]) -> int:
        """POST a webhook delivery through the webhook handler; returns the HTTP status."""
        secret = self.config.webhook_secrets.get_secret_value().split(",")[0]
        response = self.invoke("webhook", envelopes.http_event(document, secret))
        status: int = response["statusCode"]
        return status

    def outbox(self) -> list[Sent]:
        """The SMS, then the emails, the engine sent (as moto's SNS and SES recorded them)."""
        return sms(REGION) + emails(REGION)

    def dead_letters(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.dlq_url, MaxNumberOfMessages=10
        ).get("Messages", [])
        return messages


def scheduled_event(at: datetime) -> dict[str, Any]:
    """An EventBridge scheduled event, as AWS delivers it."""
    return {
        "version": "0",
        "id": uuid.uuid4().hex,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:000000000000:rule/followup-tick"],
        "detail": {},
    }


def sqs_event(messages: list[dict[str, Any]], queue_url: str) -> dict[str, Any]:
    """The event Lambda's SQS trigger builds from received messages."""
    queue_name = queue_url.rsplit("/", 1)[-1]
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:000000000000:{queue_name}",
                "awsRegion": REGION,
            }
            for message in messages
        ]
    }


def create_queues(sqs: Any, prefix: str) -> tuple[str, str]:
    """The send queue and its dead-letter queue."""
    dlq_url: str = sqs.create_queue(QueueName=f"{prefix}send-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)})
    queue_url: str = sqs.create_queue(
        QueueName=f"{prefix}send",
        Attributes={"VisibilityTimeout": "180", "RedrivePolicy": redrive},
    )["QueueUrl"]
    return queue_url, dlq_url


@cache
def _aws() -> boto3.Session:
    """The boto3 session every local run makes its clients from, its handlers' included.

    moto hands each run a fresh default session, which would read every service model its
    clients need (megabytes of JSON) again: most of what starting a run costs. This one
    reads each model once per process; its credentials are moto's fake ones in every run.
    A Lambda still builds its own clients once per container (`wiring.runtime`).
    """
    return boto3.Session()


@contextmanager
def local_engine(
    start: datetime, *, prefix: str = "followup-", settings: dict[str, Any] | None = None
) -> Iterator[LocalEngine]:
    """Start moto in-process, create tables and queues, start the sandbox, wire the handlers;
    `settings` adds to the configuration (e.g. `D360_NUMBERS`, whose keys the sandbox takes)."""
    with loading():
        from moto import mock_aws

    tune_moto()
    for name, value in _QUIET_ENV.items():
        os.environ.setdefault(name, value)
    clock = VirtualClock(start)
    with (
        mock_aws(),
        patch.object(boto3, "DEFAULT_SESSION", _aws()),
        WhatsAppSandbox(LOCAL_API_KEY, clock.now) as sandbox,
    ):
        tables.bind(prefix, REGION)
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        tables.create_tables(dynamodb)
        reader = streams_client(REGION)
        streams = {
            table: StreamPump(
                reader,
                stream_of(dynamodb, f"{prefix}{table}"),
                written=stream_records(f"{prefix}{table}", REGION),
            )
            for table in COUNTED
        }
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url, dlq_url = create_queues(sqs, prefix)
        verify_sender(boto3.client("sesv2", region_name=REGION))
        config = Config.model_validate(
            {
                "AWS_REGION": REGION,
                "FOLLOWUP_TABLE_PREFIX": prefix,
                "FOLLOWUP_SEND_QUEUE_URL": queue_url,
                "D360_BASE_URL": sandbox.base_url,
                "D360_API_KEY": LOCAL_API_KEY,
                "NOTIFY_SECRET": LOCAL_NOTIFY_SECRET,
                "D360_NUMBER": envelopes.BUSINESS_NUMBER["display_phone_number"],
                "D360_PHONE_NUMBER_ID": envelopes.BUSINESS_NUMBER["phone_number_id"],
                "EMAIL_FROM": EMAIL_FROM,
                "UNSUBSCRIBE_SECRET": "local-unsubscribe-secret",
                **(settings or {}),
            }
        )
        for number in config.sending_numbers():
            sandbox.accept(number.api_key.get_secret_value())
        deps = runtime.build(config, clock)
        # Pacing waits in real time, which a virtual clock never sees pass: tests that pace
        # install a pacer that moves the virtual clock instead.
        deps.pacer = None
        deps.sleep = clock.sleep
        delays = VirtualDelayQueue(deps.queue, clock)
        deps.queue = delays
        runtime.install(deps, config)
        try:
            yield LocalEngine(
                clock, sandbox, deps, delays, sqs, queue_url, dlq_url, config, streams
            )
        finally:
            runtime.install(None)
