"""What a reply means for its follow-ups (`Intent`), and one reply's reading (`Detected`): the
types alone. The rules that read a reply (`intents.classify`, `replytime`) compile their
phrase patterns as they load, about a tenth of a second, so only what reads replies loads
them; what stores, plans or counts an intent loads this."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal


class Intent(StrEnum):
    """What a reply means for its follow-ups."""

    NOT_INTERESTED = "not_interested"
    WRONG_NUMBER = "wrong_number"
    BUSY = "busy"
    CALL_BACK_AT = "call_back_at"
    DONE = "done"
    QUESTION = "question"
    OTHER = "other"


@dataclass(frozen=True)
class Detected:
    """One reply's intent; `at` (UTC) and `local` (wall clock in the contact's zone, ISO
    to the minute) only for `call_back_at`."""

    intent: Intent
    confidence: float
    source: Literal["rules", "ai"] = "rules"
    at: datetime | None = None
    local: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence {self.confidence} is outside 0..1")
        if self.at is not None and self.at.utcoffset() != timedelta(0):
            raise ValueError(f"call-back time {self.at.isoformat()} must be in UTC")
