"""Deployment choices, read from CDK context (`cdk.json` or `-c name=value`) and validated."""

from __future__ import annotations

import json
from collections.abc import Iterable
from email.utils import parseaddr
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from followup.domain.channels import EMAIL_PATTERN
from followup.domain.pacing import DEFAULT_RATE, MAX_RATE
from followup.wiring.config import NumberDescription, UrlSetting
from infra.capacity import MAX_INSTANCES, send_capacity

D360_PRODUCTION = "https://waba-v2.360dialog.io"


class DeploySettings(BaseModel):
    """What a team chooses per deployment; every value has a working default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stage: Literal["dev", "prod"] = Field(
        default="dev", description="prod keeps data on stack deletion and protects tables"
    )
    tick_minutes: int = Field(
        default=60, ge=1, le=60, description="minutes between enqueue / dispatch / expire ticks"
    )
    sends_per_second: int = Field(
        default=DEFAULT_RATE,
        ge=1,
        le=MAX_RATE,
        description="the WhatsApp number's throughput limit: every sender together keeps to it"
        " (one number; see number_rates for several)",
    )
    number_rates: tuple[Annotated[int, Field(ge=1, le=MAX_RATE)], ...] = Field(
        default=(),
        max_length=50,
        description="with several numbers (D360_NUMBERS): each one's sends_per_second, as in"
        " the secret; the senders and the webhook are sized for their sum",
    )
    numbers: tuple[NumberDescription, ...] = Field(
        default=(),
        max_length=50,
        description="several numbers described here (FOLLOWUP_NUMBERS: phone_number_id, "
        "display_phone_number, sends_per_second, warm_up_started_on; their keys in the "
        "secret as D360_KEYS): the functions that only pace and route sends then get no "
        "secret; the senders and the webhook are sized for the sum of their rates",
    )
    capacity: Literal["on_demand", "provisioned"] = Field(
        default="on_demand",
        description="DynamoDB capacity: on demand (billed per request), or provisioned with "
        "auto scaling to 70 % use (cheaper for a steady workload above about 30 % average "
        "use; writes past the provisioned rate and its burst allowance are throttled and "
        "retried)",
    )
    min_capacity: int = Field(
        default=1,
        ge=1,
        le=40_000,
        description="with provisioned capacity: the fewest read and write capacity units of "
        "each table and index; auto scaling takes minutes, so this (with the burst allowance"
        " of five minutes' unused capacity) takes a tick's burst of writes",
    )
    max_capacity: int = Field(
        default=1000,
        ge=1,
        le=40_000,
        description="with provisioned capacity: the most read and the most write capacity "
        "units auto scaling gives each table and each of its indexes",
    )
    send_time_ms: int = Field(
        default=250,
        ge=50,
        le=5000,
        description="how long one send takes (360dialog and the engine's reads and writes);"
        " sizes the senders to reach the rate",
    )
    user_pool_id: str | None = Field(
        default=None,
        description="reference an existing Cognito user pool instead of creating one (with "
        "user_pool_client_id and user_pool_domain)",
    )
    user_pool_client_id: str | None = Field(
        default=None, description="with user_pool_id: the app client whose tokens are accepted"
    )
    user_pool_domain: str | None = Field(
        default=None,
        description="with user_pool_id: its hosted UI domain, for the web app's sign-in",
    )
    d360_base_url: UrlSetting = D360_PRODUCTION
    webhook_header_name: str = Field(
        default="", description="also require this header (its value is in the secret)"
    )
    alarm_email: str | None = Field(default=None, description="where alarms are sent, if set")
    email_from: str | None = Field(
        default=None,
        description="the SES verified identity emails come from; without it email steps skip email",
    )
    api_rate_limit: int = Field(default=50, ge=1, description="steady requests per second")
    api_burst_limit: int = Field(default=100, ge=1)

    @field_validator("alarm_email")
    @classmethod
    def _an_address(cls, value: str | None) -> str | None:
        """An address SNS subscribes, refused here rather than minutes into a deploy."""
        if value is not None and not EMAIL_PATTERN.match(value):
            raise ValueError(f"{value!r} is not an email address (name@example.com)")
        return value

    @field_validator("email_from")
    @classmethod
    def _a_sender(cls, value: str | None) -> str | None:
        """An address SES sends from, alone or with a display name, refused here rather
        than as every email is denied: a domain alone is an identity, not a From address."""
        if value is not None and ("," in value or not EMAIL_PATTERN.match(parseaddr(value)[1])):
            raise ValueError(
                f"{value!r} is not an address to send from (admissions@example.edu, or "
                "Admissions <admissions@example.edu>)"
            )
        return value

    @property
    def email_address(self) -> str | None:
        """The address of `email_from`, without its display name."""
        return parseaddr(self.email_from)[1] if self.email_from else None

    @field_validator("number_rates", "numbers", mode="before")
    @classmethod
    def _listed(cls, value: Any) -> Any:
        """`-c number_rates=[80,20]` arrives as text; cdk.json gives the list itself."""
        return json.loads(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _numbers_once(self) -> Self:
        """The rates of described numbers are theirs: `number_rates` would say them twice."""
        if self.numbers and self.number_rates:
            raise ValueError("numbers carry their own sends_per_second: drop number_rates")
        ids = [n.phone_number_id for n in self.numbers]
        if len(set(ids)) < len(ids):
            raise ValueError("numbers: a phone_number_id is given twice")
        return self

    @model_validator(mode="after")
    def _existing_pool_whole(self) -> Self:
        """An existing user pool comes with its app client and hosted UI domain: without the
        domain the web app has nowhere to sign in, and without the pool the other two would
        be ignored for a new one."""
        parts = ("user_pool_client_id", "user_pool_domain")
        given = [name for name in parts if getattr(self, name)]
        if self.user_pool_id and given != list(parts):
            missing = [name for name in parts if name not in given]
            raise ValueError(f"{' and '.join(missing)} needed with user_pool_id")
        if given and not self.user_pool_id:
            raise ValueError(
                f"{' and '.join(given)} given without user_pool_id (a new pool would be "
                "created instead)"
            )
        return self

    @model_validator(mode="after")
    def _senders_sized(self) -> Self:
        """The senders a rate needs fit what an SQS event source may run at once."""
        needed = send_capacity(self.total_rate, self.send_time_ms).instances
        if needed > MAX_INSTANCES:
            raise ValueError(
                f"{self.total_rate} sends a second at send_time_ms={self.send_time_ms} needs"
                f" {needed} sender instances, more than the {MAX_INSTANCES} an SQS event"
                " source runs: lower the numbers' rates (number_rates, numbers,"
                " sends_per_second) or send_time_ms"
            )
        return self

    @model_validator(mode="after")
    def _capacity_range(self) -> Self:
        if self.min_capacity > self.max_capacity:
            raise ValueError("min_capacity is above max_capacity")
        return self

    @property
    def total_rate(self) -> int:
        """Sends a second of every number together: what the senders must reach."""
        rates = [n.sends_per_second for n in self.numbers] or self.number_rates
        return sum(rates) or self.sends_per_second

    def numbers_variable(self) -> str:
        """The numbers as the functions read them (`FOLLOWUP_NUMBERS`): JSON, no keys."""
        return json.dumps([n.model_dump(mode="json", exclude_none=True) for n in self.numbers])

    @property
    def production(self) -> bool:
        return self.stage == "prod"

    @property
    def prefix(self) -> str:
        """Physical names start with this: tables are `<prefix><logical name>`."""
        return f"followup-{self.stage}-"


CONTEXT_KEYS = tuple(DeploySettings.model_fields)


def from_context(read: Any, keys: Iterable[str] = ()) -> DeploySettings:
    """Settings from `read(key)` (a node's try_get_context); a clear error names the key.
    `keys`, all the context's, must be ours or the CDK's own (`@aws-cdk/...`, `aws:...`):
    a misspelt one would otherwise leave its setting at its default unsaid."""
    unknown = sorted(key for key in keys if key not in CONTEXT_KEYS and not _cdk_own(key))
    if unknown:
        raise ValueError(
            f"invalid deployment settings: unknown context {', '.join(unknown)} "
            f"(known: {', '.join(CONTEXT_KEYS)})"
        )
    given = {key: read(key) for key in CONTEXT_KEYS}
    try:
        return DeploySettings.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as error:
        problems = "; ".join(
            f"context {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()
        )
        raise ValueError(f"invalid deployment settings: {problems}") from None


def _cdk_own(key: str) -> bool:
    """A context key the CDK and its tools set (feature flags, lookups, acknowledgements)."""
    return key.startswith("@") or ":" in key or key.startswith(("aws-cdk", "cdk-", "acknowledged"))
