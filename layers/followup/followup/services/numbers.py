"""The sending numbers as operators see them: health, pause, pace and messaging-limit use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.numbers import number_paused
from followup.services import messaging_limit

if TYPE_CHECKING:
    from followup.domain.numbers import NumberHealth
    from followup.services.deps import Deps


@dataclass(frozen=True)
class NumberStatus:
    """One number: `configured` False for one WhatsApp reported on that the configuration
    does not name (it sends nothing, but its pause is shown until resumed)."""

    phone_number_id: str
    display_phone_number: str
    quality: str
    updated_at: datetime | None
    status: str
    paused: bool
    paused_reason: str | None
    paused_at: datetime | None
    """When its pause began (the earliest of the reports about it); None while it runs,
    and for a pause stored before that time was kept."""
    paused_code: str | None
    """What paused it, for the app to word (e.g. "quality:FLAGGED", "whatsapp:131048",
    "agent", "api_key"); None when it runs, or its reports say different things."""
    sends_per_second: int | None
    default: bool
    configured: bool
    messaging_limit: dict[str, object]


def listing(deps: Deps, now: datetime) -> list[NumberStatus]:
    """Every configured number (the default first), then any other number reported on;
    the messaging limit is the portfolio's, shared by all its numbers."""
    reports = deps.rules.numbers()
    usage = messaging_limit.usage(deps, now)
    found: list[NumberStatus] = []
    for number in deps.numbers.configured:
        about = deps.numbers.health(number.phone_number_id, reports)
        found.append(
            _status(
                number.phone_number_id,
                number.display_phone_number,
                about,
                number.sends_per_second,
                number.phone_number_id == deps.numbers.default,
                usage,
            )
        )
    known = {n.phone_number_id for n in deps.numbers.configured}
    for report in reports:
        if deps.numbers.about(report) not in known:
            found.append(
                _status(
                    report.phone_number_id,
                    report.display_phone_number,
                    [report],
                    None,
                    False,
                    usage,
                )
            )
    return found


def _status(
    number: str,
    display: str,
    about: list[NumberHealth],
    rate: int | None,
    default: bool,
    usage: dict[str, object],
) -> NumberStatus:
    latest = max(about, key=lambda r: r.updated_at, default=None)
    paused = [r for r in about if r.paused]
    codes = {r.paused_code for r in paused}
    return NumberStatus(
        phone_number_id=number,
        display_phone_number=display or (latest.display_phone_number if latest else ""),
        quality=latest.quality if latest else "UNKNOWN",
        updated_at=latest.updated_at if latest else None,
        status="paused" if paused else "active",
        paused=bool(paused),
        paused_reason=number_paused(number, about),
        paused_at=min((r.paused_at for r in paused if r.paused_at), default=None),
        paused_code=codes.pop() if len(codes) == 1 else None,
        sends_per_second=rate,
        default=default,
        configured=rate is not None,
        messaging_limit=usage,
    )
