"""Configuration from environment variables, validated once per cold start.

In AWS the secrets (360dialog key, webhook secrets, Meta app secret, Anthropic key, the
unsubscribe link secret, the key that signs outbound notifications) are
not in the environment: `FOLLOWUP_SECRETS_NAME` names a Secrets Manager secret holding them as
JSON under the same names (`D360_API_KEY` or `D360_NUMBERS`, `WEBHOOK_SECRET`, ...), read through
Powertools parameters (cached) when the configuration is built. Environment variables
win over the secret, so a local run never needs one.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from followup.adapters.timeouts import (
    AI,
    API_TIMEOUT,
    ENDS,
    HEADROOM,
    NOTIFY,
    PROVIDER,
    PUSH,
    SECRETS,
    SENDER_TIMEOUT,
    TICK_TIMEOUT,
    WEBHOOK_TIMEOUT,
    CallLimit,
    notify_reserve,
    sender_record,
)
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.numbers import DEFAULT_NUMBER, Numbers, SendingNumber
from followup.domain.pacing import DEFAULT_RATE, MAX_RATE
from followup.loading import loading

if TYPE_CHECKING:
    from followup.services.deps import Timings

SECRETS_NAME = "FOLLOWUP_SECRETS_NAME"
SECRETS_MAX_AGE_SECONDS = 300


def secret_document(name: str, *, force_fetch: bool = False) -> Any:
    """The secret's JSON through Powertools parameters (cached), from a client that keeps
    to `timeouts.SECRETS`: botocore's defaults would let one hanging read take minutes."""
    with loading():
        from aws_lambda_powertools.utilities import parameters
        from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    if "secrets" not in DEFAULT_PROVIDERS:
        DEFAULT_PROVIDERS["secrets"] = parameters.SecretsProvider(boto_config=SECRETS.botocore())
    return parameters.get_secret(
        name, transform="json", max_age=SECRETS_MAX_AGE_SECONDS, force_fetch=force_fetch
    )


def http_url(value: str) -> str:
    """`value` when it is an http:// or https:// URL with a host (and a port that is a
    number); ValueError otherwise, since every request made with it would fail before
    leaving the process."""
    parts = urlsplit(value)
    try:
        parts.port  # noqa: B018 - reading it checks it
    except ValueError:
        raise ValueError(f"has a port that is not a number, got {value!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http:// or https:// URL with a host, got {value!r}")
    return value


def _http_url_if_set(value: str) -> str:
    """`value` when empty (not set), else as `http_url` allows it."""
    return http_url(value) if value else value


UrlSetting = Annotated[str, AfterValidator(http_url)]
"""An http(s) URL with a host, kept as the text it was given."""
OptionalUrlSetting = Annotated[str, AfterValidator(_http_url_if_set)]
"""An http(s) URL with a host, or empty for none."""
UnsetIfEmpty = Annotated[UrlSetting | None, BeforeValidator(lambda value: value or None)]
"""An http(s) URL with a host; empty is not set (AWS's own endpoints, not an address of no
text)."""
ANTHROPIC_API = "https://api.anthropic.com"
"""Where Claude answers. Given to the SDK whatever the environment says: left to itself it
would read `ANTHROPIC_BASE_URL` again, an empty one included."""


class SecretsManagerSource(PydanticBaseSettingsSource):
    """Settings from the JSON secret named by FOLLOWUP_SECRETS_NAME, if any."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # the whole document is read in __call__

    def __call__(self) -> dict[str, Any]:
        name = os.environ.get(SECRETS_NAME)
        if not name:
            return {}
        document = secret_document(name)
        if not isinstance(document, dict):
            raise ValueError(f"secret {name} must hold a JSON object of settings")
        return {key: value for key, value in document.items() if value not in (None, "")}


class NumberDescription(BaseModel):
    """One sending number of `FOLLOWUP_NUMBERS`: who it is and its pace, without its key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phone_number_id: str = Field(min_length=1, max_length=64)
    display_phone_number: str = Field(default="", max_length=32)
    sends_per_second: int = Field(default=DEFAULT_RATE, ge=1, le=MAX_RATE)
    warm_up_started_on: date | None = Field(
        default=None,
        description="a new number's first day: it keeps to the workspace's warm-up schedule "
        "from then (without it the default number goes by the warm-up setting)",
    )

    def number(self) -> SendingNumber:
        """The number as the services know it (without its key)."""
        return SendingNumber(
            phone_number_id=self.phone_number_id,
            display_phone_number=self.display_phone_number,
            sends_per_second=self.sends_per_second,
            warm_up_started_on=self.warm_up_started_on,
        )


class NumberSetting(NumberDescription):
    """One sending number of `D360_NUMBERS`: its description and its 360dialog channel's key
    (empty in a function given `FOLLOWUP_NUMBERS` without the keys: it sends nothing)."""

    api_key: SecretStr


_Number = TypeVar("_Number", bound=NumberDescription)

LOCAL_WEBHOOK_SECRET = "local-webhook-secret"  # noqa: S105
"""The path secret when none is set: known to anyone who reads this repository, so the
webhook refuses it on Lambda."""


class Config(BaseSettings):
    """Every setting has a default that works locally; AWS sets the real ones."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    secrets_name: str = Field(default="", validation_alias=SECRETS_NAME)
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")
    aws_endpoint_url: UnsetIfEmpty = Field(default=None, validation_alias="AWS_ENDPOINT_URL")
    aws_emulated: bool = Field(default=False, validation_alias="FOLLOWUP_AWS_EMULATED")
    """The AWS endpoint is a local emulation that runs one call at a time (the local stack):
    AWS calls wait as long as `adapters.timeouts.EMULATED` allows, not AWS's limits."""
    table_prefix: str = Field(default="followup-", validation_alias="FOLLOWUP_TABLE_PREFIX")
    send_queue_url: OptionalUrlSetting = Field(
        default="", validation_alias="FOLLOWUP_SEND_QUEUE_URL"
    )
    d360_base_url: UrlSetting = Field(
        default="https://waba-v2.360dialog.io", validation_alias="D360_BASE_URL"
    )
    d360_api_key: SecretStr = Field(default=SecretStr(""), validation_alias="D360_API_KEY")
    d360_number: str = Field(
        default=DEFAULT_NUMBER,
        validation_alias="D360_NUMBER",
        description="the single number's display number, as quality webhooks name it",
    )
    d360_phone_number_id: str = Field(
        default="",
        validation_alias="D360_PHONE_NUMBER_ID",
        description="the single number's phone_number_id (as webhooks carry it in "
        "metadata.phone_number_id); without it the number goes by D360_NUMBER",
    )
    d360_numbers: tuple[NumberSetting, ...] = Field(
        default=(),
        validation_alias="D360_NUMBERS",
        description="several sending numbers, as a JSON list of {phone_number_id, "
        "display_phone_number, api_key, sends_per_second}; the first is the default. When "
        "set, it replaces D360_API_KEY, D360_NUMBER, D360_PHONE_NUMBER_ID and "
        "FOLLOWUP_SENDS_PER_SECOND",
    )
    followup_numbers: tuple[NumberDescription, ...] = Field(
        default=(),
        validation_alias="FOLLOWUP_NUMBERS",
        description="several sending numbers without their keys, as a JSON list of "
        "{phone_number_id, display_phone_number, sends_per_second, warm_up_started_on}: "
        "not secret, so the functions that only pace and route need no secret; the keys "
        "are in D360_KEYS. Instead of D360_NUMBERS, never with it",
    )
    d360_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        validation_alias="D360_KEYS",
        description="with FOLLOWUP_NUMBERS: each number's 360dialog key, as a JSON object "
        "{phone_number_id: key}",
    )
    d360_timeout_seconds: float = Field(
        default=PROVIDER.read, gt=0, le=60, validation_alias="D360_TIMEOUT_SECONDS"
    )
    sending_deadline_minutes: int = Field(
        default=15, ge=1, validation_alias="FOLLOWUP_SENDING_DEADLINE_MINUTES"
    )
    redrive_after_minutes: int = Field(
        default=30, ge=1, validation_alias="FOLLOWUP_REDRIVE_AFTER_MINUTES"
    )
    tick_minutes: int = Field(
        default=60,
        ge=1,
        le=1440,
        validation_alias="FOLLOWUP_TICK_MINUTES",
        description="minutes between scheduler ticks: each dispatch hands the send queue "
        "what falls due before the next tick, delayed to its due time",
    )
    template_wait_hours: int = Field(
        default=72,
        ge=1,
        le=24 * 30,
        validation_alias="FOLLOWUP_TEMPLATE_WAIT_HOURS",
        description="hours a follow-up holds while its template is paused, disabled, "
        "rejected, pending or unknown, before it ends skipped",
    )
    lookahead_seconds: int = Field(
        default=120,
        ge=0,
        le=900,
        validation_alias="FOLLOWUP_LOOKAHEAD_SECONDS",
        description="margin past the next tick that dispatch also hands over, for a late tick",
    )
    webhook_secrets: SecretStr = Field(
        default=SecretStr(LOCAL_WEBHOOK_SECRET),
        validation_alias="WEBHOOK_SECRET",
        description="the path secret; several comma-separated ones while rotating",
    )
    webhook_header_name: str = Field(default="", validation_alias="WEBHOOK_HEADER_NAME")
    webhook_header_secret: SecretStr = Field(
        default=SecretStr(""), validation_alias="WEBHOOK_HEADER_SECRET"
    )
    meta_app_secret: SecretStr = Field(default=SecretStr(""), validation_alias="META_APP_SECRET")
    meta_verify_token: SecretStr = Field(
        default=SecretStr(""), validation_alias="META_VERIFY_TOKEN"
    )
    webhook_max_body_bytes: int = Field(
        default=256 * 1024, ge=1024, validation_alias="WEBHOOK_MAX_BODY_BYTES"
    )
    send_concurrency: int = Field(
        default=10,
        ge=1,
        le=100,
        validation_alias="FOLLOWUP_SEND_CONCURRENCY",
        description="sends one sender instance runs at once (threads); the rate is paced",
    )
    sends_per_second: int = Field(
        default=DEFAULT_RATE,
        ge=1,
        le=MAX_RATE,
        validation_alias="FOLLOWUP_SENDS_PER_SECOND",
        description="the sending number's throughput: every sender together keeps to it",
    )
    cognito_issuer: OptionalUrlSetting = Field(
        default="",
        validation_alias="COGNITO_ISSUER",
        description="the user pool's issuer URL; WebSocket sign-ins are checked against it",
    )
    cognito_client_id: str = Field(default="", validation_alias="COGNITO_CLIENT_ID")
    websocket_callback_url: OptionalUrlSetting = Field(
        default="",
        validation_alias="WEBSOCKET_CALLBACK_URL",
        description="the WebSocket API's management endpoint, for pushing queue changes",
    )
    websocket_push_timeout_seconds: float = Field(
        default=PUSH.read,
        gt=0,
        le=10,
        validation_alias="WEBSOCKET_PUSH_TIMEOUT_SECONDS",
        description="how long one push waits for the management API to answer (and at "
        "most as long to connect), per attempt; past it that connection misses the batch",
    )

    def notify_limit(self) -> CallLimit:
        """An outbound notification's limits, with the configured timeout for each phase."""
        seconds = self.notify_timeout_seconds
        return replace(NOTIFY, connect=seconds, read=seconds)

    def provider_limit(self) -> CallLimit:
        """360dialog's limits, with the configured read timeout (and at most as long to
        connect, as the WhatsApp client does)."""
        seconds = self.d360_timeout_seconds
        return replace(PROVIDER, connect=min(PROVIDER.connect, seconds), read=seconds)

    def ai_limit(self) -> CallLimit:
        """Anthropic's limits: the configured budget for each phase."""
        seconds = self.anthropic_timeout_seconds
        return replace(AI, connect=seconds, read=seconds)

    def push_limit(self) -> CallLimit:
        """The management API client's limits, with the configured timeout."""
        seconds = self.websocket_push_timeout_seconds
        return replace(PUSH, connect=min(PUSH.connect, seconds), read=seconds)

    email_from: str = Field(
        default="",
        validation_alias="EMAIL_FROM",
        description="the SES verified identity emails come from; without it email is skipped",
    )
    ses_configuration_set: str = Field(
        default="",
        validation_alias="SES_CONFIGURATION_SET",
        description="the SES configuration set emails go with, which publishes their bounces"
        " and complaints to EventBridge; without it none is heard",
    )
    public_api_url: UrlSetting = Field(
        default="http://localhost:3000",
        validation_alias="PUBLIC_API_URL",
        description="where the HTTP API is reached from outside: unsubscribe links point here",
    )
    unsubscribe_secret: SecretStr = Field(
        default=SecretStr(""),
        validation_alias="UNSUBSCRIBE_SECRET",
        description="signs the one-click unsubscribe links of emails (HMAC-SHA256); without"
        " it no email is sent, since none could carry a working link",
    )
    notify_secret: SecretStr = Field(
        default=SecretStr(""),
        validation_alias="NOTIFY_SECRET",
        description="signs outbound webhook notifications (X-Followup-Signature); without "
        "it none is sent (they stay pending, retried, then given up)",
    )
    notify_timeout_seconds: float = Field(
        default=NOTIFY.read, gt=0, le=30, validation_alias="NOTIFY_TIMEOUT_SECONDS"
    )
    notify_private_addresses: bool | None = Field(
        default=None,
        validation_alias="NOTIFY_PRIVATE_ADDRESSES",
        description="may webhook notifications go to loopback, private and link-local "
        "addresses (the instance metadata service among them)? Default: on one machine yes, "
        "on Lambda no",
    )
    event_bus_name: str = Field(
        default="",
        validation_alias="FOLLOWUP_EVENT_BUS_NAME",
        description="the bus journeys' `notify` actions put events on",
    )
    anthropic_api_key: SecretStr = Field(
        default=SecretStr(""),
        validation_alias="ANTHROPIC_API_KEY",
        description="without it AI messages are unavailable and the static content is sent",
    )
    anthropic_model: str = Field(default=DEFAULT_MODEL, validation_alias="ANTHROPIC_MODEL")
    anthropic_base_url: Annotated[UrlSetting, BeforeValidator(lambda v: v or ANTHROPIC_API)] = (
        Field(default=ANTHROPIC_API, validation_alias="ANTHROPIC_BASE_URL")
    )
    anthropic_timeout_seconds: float = Field(
        default=AI.read,
        gt=0,
        le=30,
        validation_alias="ANTHROPIC_TIMEOUT_SECONDS",
        description="time budget of one AI call; past it the static content is sent",
    )
    anthropic_input_usd_per_million: float = Field(
        default=0.10, ge=0, validation_alias="ANTHROPIC_INPUT_USD_PER_MILLION"
    )
    anthropic_output_usd_per_million: float = Field(
        default=0.50, ge=0, validation_alias="ANTHROPIC_OUTPUT_USD_PER_MILLION"
    )

    @field_validator("d360_numbers", "followup_numbers", "d360_keys", mode="before")
    @classmethod
    def _decoded(cls, value: Any) -> Any:
        """The secret may hold the list itself or its JSON text."""
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("d360_numbers")
    @classmethod
    def _distinct(cls, value: tuple[NumberSetting, ...]) -> tuple[NumberSetting, ...]:
        """Each number once, each with its key: a repeated one would send with either key
        and pace, one without a key could send nothing."""
        for setting in _once_each(value):
            if not setting.api_key.get_secret_value().strip():
                raise ValueError(f"the api_key of {setting.phone_number_id} is empty")
        return value

    @field_validator("followup_numbers")
    @classmethod
    def _described_once(cls, value: tuple[NumberDescription, ...]) -> tuple[NumberDescription, ...]:
        return _once_each(value)

    @model_validator(mode="after")
    def _keys_fit_the_numbers(self) -> Self:
        """`FOLLOWUP_NUMBERS` and `D360_NUMBERS` are two ways to say the same thing: one
        only. With `FOLLOWUP_NUMBERS`, `D360_KEYS` names only numbers it lists, and a
        function that reads the secret (or is given keys) has every number's key."""
        if self.followup_numbers and self.d360_numbers:
            raise ValueError("give the numbers as FOLLOWUP_NUMBERS or D360_NUMBERS, not both")
        listed = [n.phone_number_id for n in self.followup_numbers]
        if self.d360_keys and not listed:
            raise ValueError("D360_KEYS holds the keys of FOLLOWUP_NUMBERS, which is not set")
        unknown = sorted(set(self.d360_keys) - set(listed))
        if unknown:
            raise ValueError(f"D360_KEYS names numbers FOLLOWUP_NUMBERS does not list: {unknown}")
        if listed and (self.secrets_name or self.d360_keys):
            keys = {n: k.get_secret_value().strip() for n, k in self.d360_keys.items()}
            keyless = [number for number in listed if not keys.get(number)]
            if keyless:
                raise ValueError(f"D360_KEYS has no key for the numbers {keyless}")
        return self

    @model_validator(mode="after")
    def _calls_fit(self) -> Self:
        """A call that may block longer than its function runs would be cut off mid-flight
        (a send's outcome unknown, a webhook delivered again, an admin shown a gateway
        error): refuse timeouts that add up to that, for every function they govern."""
        provider, ai = self.provider_limit(), self.ai_limit()
        d360 = f"D360_TIMEOUT_SECONDS={self.d360_timeout_seconds:g}"
        claude = f"ANTHROPIC_TIMEOUT_SECONDS={self.anthropic_timeout_seconds:g}"
        notify = f"NOTIFY_TIMEOUT_SECONDS={self.notify_timeout_seconds:g}"
        governed = (
            ("one send", "the sender", sender_record(provider, ai), SENDER_TIMEOUT, (d360, claude)),
            ("a reply read", "the webhook", max(ai.stall, ENDS), WEBHOOK_TIMEOUT, (claude,)),
            ("a template sync", "the API", max(provider.stall, ENDS), API_TIMEOUT, (d360,)),
            (
                "the enqueue tick",
                "the enqueue tick",
                provider.stall + ENDS + notify_reserve(self.notify_limit()),
                TICK_TIMEOUT,
                (d360, notify),
            ),
        )
        for what, function, worst, timeout, settings in governed:
            if worst * HEADROOM > timeout:
                raise ValueError(
                    f"{' and '.join(settings)} let {what} block {worst:g} s; {function} runs "
                    f"{timeout} s, which must cover that by a fifth: lower "
                    f"{'it' if len(settings) == 1 else 'one of them'}"
                )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, SecretsManagerSource(settings_cls)

    def sending_numbers(self) -> tuple[NumberSetting, ...]:
        """`D360_NUMBERS` (or `FOLLOWUP_NUMBERS` with `D360_KEYS`), else the one number of
        `D360_API_KEY` and `D360_NUMBER`."""
        if self.d360_numbers:
            return self.d360_numbers
        if self.followup_numbers:
            return tuple(
                NumberSetting(
                    **described.model_dump(),
                    api_key=self.d360_keys.get(described.phone_number_id, SecretStr("")),
                )
                for described in self.followup_numbers
            )
        shown = "" if self.d360_number == DEFAULT_NUMBER else self.d360_number
        single = NumberSetting(
            phone_number_id=self.d360_phone_number_id or self.d360_number,
            display_phone_number=shown,
            api_key=self.d360_api_key,
            sends_per_second=self.sends_per_second,
        )
        return (single,)

    def numbers(self) -> Numbers:
        """The sending numbers as the services know them (no keys)."""
        return Numbers(tuple(setting.number() for setting in self.sending_numbers()))

    def current_d360_key(self, phone_number_id: str) -> str:
        """A number's 360dialog key as configured now, the secret fetched again (after a
        rotation); empty when the number is no longer configured."""
        if self.secrets_name:
            secret_document(self.secrets_name, force_fetch=True)
        fresh = Config().sending_numbers()
        found = {setting.phone_number_id: setting for setting in fresh}
        # A single number may be named otherwise than before (no D360_PHONE_NUMBER_ID then).
        setting = found.get(phone_number_id) or (fresh[0] if len(fresh) == 1 else None)
        return setting.api_key.get_secret_value() if setting else ""

    def timings(self) -> Timings:
        with loading():
            from followup.services.deps import Timings

        return Timings(
            sending_deadline=timedelta(minutes=self.sending_deadline_minutes),
            sender_run=timedelta(seconds=SENDER_TIMEOUT),
            redrive_after=timedelta(minutes=self.redrive_after_minutes),
            tick=timedelta(minutes=self.tick_minutes),
            lookahead_margin=timedelta(seconds=self.lookahead_seconds),
            template_wait=timedelta(hours=self.template_wait_hours),
        )


def _once_each(numbers: tuple[_Number, ...]) -> tuple[_Number, ...]:
    """The numbers, refused if one is given twice: it would send with either key and pace."""
    seen: set[str] = set()
    for number in numbers:
        if number.phone_number_id in seen:
            raise ValueError(f"phone_number_id {number.phone_number_id} is given twice")
        seen.add(number.phone_number_id)
    return numbers
