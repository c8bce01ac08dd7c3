"""The workspace's sending numbers, their health as WhatsApp reports it, and why sending
from one of them is paused.

Every number is known by its `phone_number_id` (what webhooks carry in
`metadata.phone_number_id`); a pause, a pacing lane and a contact's tie all use it. A
report that names a number some other way (by its display number, or an id from before
the number was configured) is resolved to the configured number it stands for. A report
kept under the id of a number removed from the configuration since is about that number
alone, even when a single number is left.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from followup.domain.messaging_limit import WarmUp
from followup.domain.pacing import DEFAULT_RATE, MAX_RATE
from followup.domain.settings import WorkspaceSettings
from followup.domain.whatsapp import Disposition, ProviderFailure

DEFAULT_NUMBER = "360dialog"
"""The name of the sending number when the configuration does not give one."""


class NumberHealth(BaseModel):
    """A degraded quality (e.g. FLAGGED) or an error that stops the number pauses sending
    from it until an operator resumes it; `paused_reason` says which, `paused_code` the
    same for the app to word (`quality_code`, `failure_code`...), `paused_at` since when.
    `updated_at` is the time of WhatsApp's last report, which a later report moves while
    the pause holds."""

    model_config = ConfigDict(defer_build=True)

    phone_number_id: str
    display_phone_number: str = ""
    quality: str
    updated_at: AwareDatetime
    paused: bool
    paused_reason: str | None = None
    paused_at: AwareDatetime | None = None
    """When the pause began; None while running, and for a pause stored before it was kept."""
    paused_code: str | None = None


AGENT_TOOK_OVER_CODE = "agent"
"""The pause's code when Meta Business Agent took over the number's chats."""
API_KEY_REFUSED_CODE = "api_key"
"""The pause's code when 360dialog refused the number's API key."""


def quality_code(quality: str) -> str:
    """The pause's code for a degraded quality WhatsApp reported, e.g. "quality:FLAGGED"."""
    return f"quality:{quality.upper()}"


def failure_code(failure: ProviderFailure) -> str | None:
    """The pause's code for a refusal that stops the number: its API key refused, or
    WhatsApp's error code (e.g. "whatsapp:131048"); None when the refusal names none."""
    if failure.disposition is Disposition.PAUSE_WORKSPACE:
        return API_KEY_REFUSED_CODE
    return None if failure.code is None else f"whatsapp:{failure.code}"


class SendingNumber(BaseModel):
    """A configured sending number (its API key stays in the configuration)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    phone_number_id: str = Field(min_length=1, max_length=64)
    display_phone_number: str = Field(default="", max_length=32)
    sends_per_second: int = Field(default=DEFAULT_RATE, ge=1, le=MAX_RATE)
    warm_up_started_on: date | None = Field(
        default=None, description="the number's first day of sending, when it is new"
    )

    @field_validator("display_phone_number")
    @classmethod
    def _digits(cls, value: str) -> str:
        """Digits alone, as WhatsApp's reports name a number: "+62 812-3456-7890", as
        WhatsApp Manager shows it, is 6281234567890."""
        return re.sub(r"[^0-9]", "", value)


@dataclass(frozen=True)
class Numbers:
    """The configured sending numbers; the first is the default."""

    configured: tuple[SendingNumber, ...]

    def __post_init__(self) -> None:
        if not self.configured:
            raise ValueError("a workspace has at least one sending number")
        ids = [n.phone_number_id for n in self.configured]
        if len(set(ids)) != len(ids):
            raise ValueError("each sending number's phone_number_id must be unique")

    @classmethod
    def single(cls, phone_number_id: str = DEFAULT_NUMBER, rate: int = DEFAULT_RATE) -> Numbers:
        return cls((SendingNumber(phone_number_id=phone_number_id, sends_per_second=rate),))

    @property
    def default(self) -> str:
        return self.configured[0].phone_number_id

    @property
    def ids(self) -> list[str]:
        return [n.phone_number_id for n in self.configured]

    def resolve(self, named: str | None, display: str = "") -> str | None:
        """The configured number an arriving report names (by id, else by display number);
        with a single number configured, every such report is about it. None for an unknown
        number."""
        return self._matching(named, display) or (
            self.default if len(self.configured) == 1 else None
        )

    def _matching(self, named: str | None, display: str) -> str | None:
        """The configured number named by its id, else by its display number, or None."""
        for number in self.configured:
            if named == number.phone_number_id:
                return number.phone_number_id
        for number in self.configured:
            shown = number.display_phone_number
            if shown and shown in (named, display):
                return number.phone_number_id
        return None

    def sender(self, tied_to: str | None, allowed: Iterable[str] = ()) -> str:
        """The number a contact is sent from: the one it talks to (when configured), else
        the first configured one the rule allows, else the default."""
        tied = self.resolve(tied_to) if tied_to else None
        if tied is not None:
            return tied
        return next((n for n in self._configured(allowed) if n is not None), self.default)

    def _configured(self, allowed: Iterable[str]) -> list[str | None]:
        """The configured number each of a rule's `allowed` names (by id, or by display
        number: a rule saved before the number's id was set), None for one no longer
        configured."""
        return [self.configured_as(name) for name in allowed]

    def refusal(self, tied_to: str | None, allowed: list[str]) -> str | None:
        """Why a rule limited to `allowed` numbers must leave a contact alone (tied to
        another number, or none of the rule's numbers configured any more), or None when
        it may send to them."""
        if not allowed:
            return None
        configured = self._configured(allowed)
        if not any(configured):
            return (
                f"{OTHER_NUMBER}: the rule sends from "
                + ", ".join(allowed)
                + ", no longer configured"
            )
        if not tied_to:
            return None
        number = self.sender(tied_to, allowed)
        if number in configured:
            return None
        return f"{OTHER_NUMBER}: the contact talks to {number}; the rule sends from " + ", ".join(
            allowed
        )

    def configured_as(self, name: str) -> str | None:
        """The configured number `name` is (its id, or its display number), or None."""
        return self._matching(name, "")

    def named(self, named: str, display: str = "") -> str:
        """The configured number a report names, or (an unknown number) the name itself."""
        return self.resolve(named, display) or named

    def warm_up(self, number: str, workspace: WarmUp) -> WarmUp:
        """The warm-up `number` keeps to: the workspace's schedule from the number's own
        first day; the default number without one goes by the workspace's `started_on`,
        any other is warm."""
        own = next(
            (n.warm_up_started_on for n in self.configured if n.phone_number_id == number), None
        )
        if own is None and number != self.default:
            return workspace.model_copy(update={"started_on": None})
        return workspace.model_copy(update={"started_on": own or workspace.started_on})

    def about(self, report: NumberHealth) -> str:
        """The number a stored report is about: the configured number it names; with a
        single number configured, that one too when the report names no number of its own
        (WhatsApp named it by its display number only, or the configuration did not name
        it); else the name it was stored under, a number not configured (any more)."""
        named = report.phone_number_id
        unnamed = named in ("", DEFAULT_NUMBER, report.display_phone_number)
        single = self.default if len(self.configured) == 1 and unnamed else None
        return self._matching(named, report.display_phone_number) or single or named

    def health(self, number: str, reports: list[NumberHealth]) -> list[NumberHealth]:
        """The stored health reports about `number`."""
        return [r for r in reports if self.about(r) == number]

    def former_names(self, number: str, reports: list[NumberHealth]) -> list[str]:
        """The names other than its id that `number` may have gone by before the
        configuration named it so (without `D360_PHONE_NUMBER_ID`, a single number goes by
        its display number, or by the default name): its display number, the default name
        (a single number), and the name of each stored report about it. None of them a
        configured number goes by; what was held under them is `number`'s."""
        shown = next(
            (n.display_phone_number for n in self.configured if n.phone_number_id == number), ""
        )
        names = {r.phone_number_id for r in self.health(number, reports)} | {shown}
        if len(self.configured) == 1 and number == self.default:
            names.add(DEFAULT_NUMBER)
        return sorted(names - {*self.ids, number, ""})


OTHER_NUMBER = "other_number"
"""The reason a rule limited to some numbers skips a contact who talks to another one."""


def workspace_paused(settings: WorkspaceSettings) -> str | None:
    """Why nothing at all may be sent now (the workspace is paused), or None."""
    if settings.paused:
        return f"workspace paused: {settings.paused_reason or 'by an admin'}"
    return None


def number_paused(number: str, reports: list[NumberHealth]) -> str | None:
    """Why `number` may not send now (given the reports about it), or None."""
    paused = [n for n in reports if n.paused]
    return (
        "; ".join(
            f"number {number} paused: {n.paused_reason or 'quality ' + n.quality}" for n in paused
        )
        or None
    )


def sending_paused(
    settings: WorkspaceSettings,
    reports: list[NumberHealth],
    numbers: Numbers,
    number: str | None = None,
) -> str | None:
    """Why `number` may not send now (None: why no number at all may): the workspace is
    paused, or that number is (every number is)."""
    stopped = workspace_paused(settings)
    if stopped is not None:
        return stopped
    if number is not None:
        return number_paused(number, numbers.health(number, reports))
    reasons = [number_paused(n, numbers.health(n, reports)) for n in numbers.ids]
    if all(reasons):
        return "; ".join(r for r in reasons if r)
    return None
