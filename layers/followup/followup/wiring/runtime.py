"""Builds the dependencies the handlers use, once per container, plus observability."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import AwareDatetime, BaseModel, ConfigDict

from followup.adapters import timeouts
from followup.loading import loading
from followup.wiring import logs
from followup.wiring.lazy import on_first_use

if TYPE_CHECKING:
    from followup.adapters.claude import ClaudeWriter
    from followup.adapters.connections import ConnectionPoster, Connections
    from followup.adapters.dynamo_pacing import DynamoPacing
    from followup.adapters.email import SesEmail
    from followup.adapters.notify import OutboundNotifier
    from followup.adapters.sms import SnsSms
    from followup.adapters.sqs import SqsQueue
    from followup.adapters.whatsapp import D360Numbers
    from followup.services.deps import Deps
    from followup.services.pacing import Pacer
    from followup.services.ports import Clock
    from followup.wiring.config import Config

NAMESPACE = "FollowUp"
# A function that fails before it counts anything has no metric to publish: Lambda counts
# the error and the log holds it, so Powertools' warning of an empty flush says nothing more.
warnings.filterwarnings("ignore", "No application metrics to publish", UserWarning)


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class _Installed:
    deps: Deps | None = None
    config: Config | None = None


def build(config: Config, clock: Clock | None = None) -> Deps:
    """Real adapters from configuration: DynamoDB, SQS, 360dialog, SNS, SES (with a sender)
    and Claude (with a key). Only the store is built now; each other adapter, with its
    library and client, is built the first time a use case calls it."""
    with loading():
        from followup.adapters import tables
        from followup.adapters.dynamo import DynamoStore
        from followup.services.deps import Deps

    tables.bind(
        config.table_prefix,
        config.aws_region,
        config.aws_endpoint_url,
        emulated=config.aws_emulated,
    )
    has_ai = bool(config.anthropic_api_key.get_secret_value())
    has_email = bool(config.email_from and config.unsubscribe_secret.get_secret_value())
    if config.email_from and not has_email:
        logs.package().warning(
            "EMAIL_FROM is set but UNSUBSCRIBE_SECRET is not: every email has an unsubscribe"
            " link signed with it, so email steps are passed over (not_set_up:email)"
        )
    clock = clock or SystemClock()
    return Deps.over(
        DynamoStore(),
        queue=on_first_use(lambda: _queue(config)),
        whatsapp=on_first_use(lambda: _whatsapp(config)),
        clock=clock,
        timings=config.timings(),
        numbers=config.numbers(),
        writer=on_first_use(lambda: _writer(config)) if has_ai else None,
        classifier=on_first_use(lambda: _writer(config)) if has_ai else None,
        sms=on_first_use(lambda: _sms(config)),
        email=on_first_use(lambda: _email(config)) if has_email else None,
        notifier=on_first_use(lambda: notifier(config)),
        pacer=on_first_use(lambda: _pacer(config, clock)),
        reach=on_first_use(_reach),
        template_source=on_first_use(lambda: _whatsapp(config)),
    )


def _client(service: str, config: Config, limit: timeouts.CallLimit = timeouts.AWS) -> Any:
    # Timeouts and attempts from adapters.timeouts: botocore's defaults let one hanging call
    # outlast any function. boto3's default session may not create clients from two
    # threads at once, and a client's first build loads modules.
    with loading():
        import boto3

        return boto3.client(
            service,
            region_name=config.aws_region,
            endpoint_url=config.aws_endpoint_url,
            config=timeouts.towards(limit, emulated=config.aws_emulated).botocore(),
        )


def _pacer(config: Config, clock: Clock) -> Pacer:
    """Each number's sends paced at its rate by counters every sender shares."""
    with loading():
        import time

        from followup.adapters.dynamo_pacing import DynamoPacing
        from followup.services.pacing import Pacer

    first, *others = config.numbers().configured
    return Pacer(
        DynamoPacing(),
        first.phone_number_id,
        first.sends_per_second,
        clock,
        time.sleep,
        others={n.phone_number_id: n.sends_per_second for n in others},
    )


def _reach() -> DynamoPacing:
    """The portfolio's messaging-limit counters, beside the pacing counters."""
    with loading():
        from followup.adapters.dynamo_pacing import DynamoPacing

    return DynamoPacing()


def _queue(config: Config) -> SqsQueue:
    with loading():
        from followup.adapters.sqs import SqsQueue

    return SqsQueue(config.send_queue_url, _client("sqs", config))


def _whatsapp(config: Config) -> D360Numbers:
    return channels(config)


def channels(config: Config) -> D360Numbers:
    """A 360dialog channel per sending number, each with its own key (asked again from
    the secret after a refusal, so a rotated key is used without a new container)."""
    with loading():
        from followup.adapters.whatsapp import D360Client, D360Numbers

    settings = config.sending_numbers()
    built = {
        each.phone_number_id: D360Client(
            config.d360_base_url,
            each.api_key.get_secret_value(),
            timeout=config.d360_timeout_seconds,
            current_key=_current_key(config, each.phone_number_id),
        )
        for each in settings
    }
    return D360Numbers(settings[0].phone_number_id, built)


def _current_key(config: Config, phone_number_id: str) -> Callable[[], str] | None:
    if not config.secrets_name:
        return None
    return lambda: config.current_d360_key(phone_number_id)


def _writer(config: Config) -> ClaudeWriter:
    with loading():
        from followup.wiring import ai

    return ai.writer(config)


def _sms(config: Config) -> SnsSms:
    """SMS through SNS: a publish is tried once (`timeouts.SMS_EMAIL`), while the opt-out
    check, a read, keeps the retries of any AWS call."""
    with loading():
        from followup.adapters.sms import SnsSms

    return SnsSms(_client("sns", config), publisher=_client("sns", config, timeouts.SMS_EMAIL))


def notifier(config: Config) -> OutboundNotifier:
    """Signed webhooks and bus events, as configured; the bus client is built on first use."""
    with loading():
        import httpx

        from followup.adapters.notify import OutboundNotifier

    private = config.notify_private_addresses
    if private is None:
        private = not os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    return OutboundNotifier(
        httpx.Client(timeout=config.notify_timeout_seconds),
        config.notify_secret.get_secret_value(),
        config.event_bus_name,
        lambda: _client("events", config),
        private_addresses=private,
    )


def _email(config: Config) -> SesEmail:
    """Email through SES v2, each send tried once (`timeouts.SMS_EMAIL`)."""
    with loading():
        from followup.adapters.email import SesEmail

    secret = config.unsubscribe_secret.get_secret_value()
    return SesEmail(
        config.email_from,
        config.public_api_url,
        secret,
        _client("sesv2", config, timeouts.SMS_EMAIL),
        configuration_set=config.ses_configuration_set,
    )


@cache
def connections() -> Connections:
    """The open WebSocket connections; their table's model loads on first use, as the store's."""
    with loading():
        from followup.adapters.connections import Connections

    return Connections()


@cache
def connection_poster() -> ConnectionPoster:
    """Pushes to WebSocket connections through the stage's management API."""
    settings = config()
    with loading():
        import boto3

        from followup.adapters.connections import ConnectionPoster

        client = boto3.client(
            "apigatewaymanagementapi",
            region_name=settings.aws_region,
            endpoint_url=settings.websocket_callback_url,
            config=settings.push_limit().botocore(),  # not botocore's 60 s (adapters.timeouts)
        )
    return ConnectionPoster(client)


def config() -> Config:
    """The configuration: from the environment, validated once per container."""
    return _Installed.config or _environment_config()


@cache
def _environment_config() -> Config:
    """Read on first use: pydantic-settings loads with it, not with the handler."""
    with loading():
        from followup.wiring.config import Config

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
    model_config = ConfigDict(defer_build=True)

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


def observability(service: str) -> tuple[Logger, Metrics]:
    """Structured logs, never holding a lead's number or address (`logs`), and metrics for
    one function."""
    return logs.logger(service), Metrics(namespace=NAMESPACE, service=service)
