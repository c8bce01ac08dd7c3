"""Builds the dependencies the handlers use, once per container, plus observability."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import cache
from typing import Any

import boto3
import httpx
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import AwareDatetime, BaseModel

from followup.adapters import tables
from followup.adapters.connections import ConnectionPoster
from followup.adapters.dynamo import DynamoStore
from followup.adapters.dynamo_pacing import DynamoPacing
from followup.adapters.email import SesEmail
from followup.adapters.notify import OutboundNotifier
from followup.adapters.sms import SnsSms
from followup.adapters.sqs import SqsQueue
from followup.adapters.whatsapp import D360Client
from followup.services.deps import Deps
from followup.services.pacing import Pacer
from followup.services.ports import Clock
from followup.wiring import ai
from followup.wiring.config import Config

NAMESPACE = "FollowUp"


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class _Installed:
    deps: Deps | None = None
    config: Config | None = None


def build(config: Config, clock: Clock | None = None) -> Deps:
    """Real adapters from configuration: DynamoDB, SQS, 360dialog, SNS, SES (with a sender)
    and Claude (with a key)."""
    tables.bind(config.table_prefix, config.aws_region, config.aws_endpoint_url)
    region, endpoint = config.aws_region, config.aws_endpoint_url
    unsubscribe_signing = config.unsubscribe_secret.get_secret_value()
    sqs = boto3.client("sqs", region_name=region, endpoint_url=endpoint)
    clock = clock or SystemClock()
    return Deps.over(
        DynamoStore(),
        queue=SqsQueue(config.send_queue_url, sqs),
        whatsapp=D360Client(
            config.d360_base_url,
            config.d360_api_key.get_secret_value(),
            timeout=config.d360_timeout_seconds,
            current_key=config.current_d360_key if config.secrets_name else None,
        ),
        clock=clock,
        timings=config.timings(),
        sending_number=config.d360_number,
        writer=ai.writer(config) if config.anthropic_api_key.get_secret_value() else None,
        classifier=ai.writer(config) if config.anthropic_api_key.get_secret_value() else None,
        sms=SnsSms(boto3.client("sns", region_name=region, endpoint_url=endpoint)),
        email=_email(config) if config.email_from and unsubscribe_signing else None,
        notifier=notifier(config),
        pacer=Pacer(DynamoPacing(), config.d360_number, config.sends_per_second, clock, time.sleep),
    )


def notifier(config: Config) -> OutboundNotifier:
    """Signed webhooks and bus events, as configured; the bus client is built on first use."""

    def events() -> Any:
        return boto3.client(
            "events", region_name=config.aws_region, endpoint_url=config.aws_endpoint_url
        )

    return OutboundNotifier(
        httpx.Client(timeout=config.notify_timeout_seconds),
        config.notify_secret.get_secret_value(),
        config.event_bus_name,
        events,
    )


def _email(config: Config) -> SesEmail:
    client = boto3.client(
        "sesv2", region_name=config.aws_region, endpoint_url=config.aws_endpoint_url
    )
    secret = config.unsubscribe_secret.get_secret_value()
    return SesEmail(config.email_from, config.public_api_url, secret, client)


@cache
def connection_poster() -> ConnectionPoster:
    """Pushes to WebSocket connections through the stage's management API."""
    settings = config()
    return ConnectionPoster(
        boto3.client(
            "apigatewaymanagementapi",
            region_name=settings.aws_region,
            endpoint_url=settings.websocket_callback_url,
        )
    )


def config() -> Config:
    """The configuration: from the environment, validated once per container."""
    return _Installed.config or _environment_config()


@cache
def _environment_config() -> Config:
    return Config()


@cache
def _from_environment() -> Deps:
    return build(config())


def deps() -> Deps:
    """The container's dependencies: built from the environment on first use."""
    return _Installed.deps or _from_environment()


def install(local: Deps | None, local_config: Config | None = None) -> None:
    """Run the handlers on given dependencies and configuration (local runs); None resets."""
    _Installed.deps, _Installed.config = local, local_config


class _Tick(BaseModel):
    time: AwareDatetime | None = None


def tick_time(event: dict[str, Any], clock: Clock) -> datetime:
    """A scheduled event's own time (so a late retry reads the window it was meant for)."""
    scheduled = _Tick.model_validate(event).time
    return scheduled.astimezone(UTC) if scheduled else clock.now()


def publish(report: dict[str, Any], service: str, logger: Logger, metrics: Metrics) -> None:
    """Each count in a tick's report becomes a metric; the report is logged whole."""
    for name, value in report.items():
        if isinstance(value, int) and not isinstance(value, bool):
            metrics.add_metric(name=f"{service}_{name}", unit=MetricUnit.Count, value=value)
    logger.info(f"{service} tick done", extra={"report": report})


def observability(service: str) -> tuple[Logger, Tracer, Metrics]:
    """Structured logs, traces and metrics for one function."""
    return (
        Logger(service=service),
        Tracer(service=service),
        Metrics(namespace=NAMESPACE, service=service),
    )
