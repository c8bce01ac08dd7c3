"""Replies read as a lead writes them, on Tuesday 24 November 2026 by the lead's clock in
one of the four languages' zones: the intent, and the wall-clock time a call back asks
for."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from followup.domain.intent import Intent
from followup.domain.intents import classify

JAKARTA = ZoneInfo("Asia/Jakarta")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")
MEXICO_CITY = ZoneInfo("America/Mexico_City")


def at(hour: int, minute: int = 0) -> datetime:
    """Tuesday 24 November 2026 at `hour`:`minute` on the lead's wall clock."""
    return datetime(2026, 11, 24, hour, minute)  # a wall time, placed per zone


def detected(zone: ZoneInfo, text: str, now: datetime | None = None) -> tuple[Intent, str | None]:
    """The intent of `text` written at `now` (09:00 by default) in `zone`, and the
    wall-clock time it asks to be called at, if any."""
    found = classify(text, (now or at(9)).replace(tzinfo=zone), zone)
    return found.intent, found.local
