"""Triggers that fire on an occurrence rather than a silence: a reply's intent, a stage
entered, a custom event, a date on the contact. `domain.rule` joins them with the idle
trigger into `Trigger`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from followup.domain.conditions import moved_moment, parse_moment
from followup.domain.durations import Duration
from followup.domain.limits import Attributes, Label, Labels
from followup.domain.localtime import to_utc
from followup.domain.stored import Written

FollowedIntent = Literal["busy", "call_back_at"]
"""The intents a rule can follow up (the others end follow-ups or do nothing)."""


class IntentTrigger(BaseModel):
    """Fires when a reply's intent is one of `intents` (above the confidence threshold)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["intent"] = "intent"
    intents: list[FollowedIntent] = Field(min_length=1, max_length=2)

    def fires_on_intent(self, intent: str) -> bool:
        return intent in self.intents


class StageEnteredTrigger(BaseModel):
    """Fires when a contact enters one of `stages`; the first step waits from the entry."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["stage_entered"] = "stage_entered"
    stages: Labels = Field(min_length=1)

    def fires_on_stage(self, stage: str) -> bool:
        return stage in self.stages


class EventTrigger(BaseModel):
    """Fires on a custom event named `name` whose properties equal every `where` value."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["event"] = "event"
    name: Annotated[Label, Field(min_length=1), Written]
    where: Attributes = Field(default_factory=dict, description="property equalities, all hold")

    def fires_on_event(self, name: str, properties: Mapping[str, str]) -> bool:
        return name == self.name and all(properties.get(k) == v for k, v in self.where.items())


_EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=2)
_LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=2)
"""The moments a date rule may fire at: a day's margin from the years a datetime holds, so
every zone's calendar can read the day."""


class DateTrigger(BaseModel):
    """Fires when a date attribute comes round, moved by `offset` (`before` it or after),
    in the contact's zone: at the local time `at` of that day when given, else at the
    moment itself (the start of the day for a date without a time)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["date"] = "date"
    attribute: Annotated[Label, Field(min_length=1)]
    offset: Duration = Field(default_factory=lambda: Duration.of(0, "days"))
    before: StrictBool = Field(default=False, description="the offset goes before the date")
    at: str | None = Field(
        default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM local"
    )

    def due(self, attributes: Mapping[str, str], zone: ZoneInfo) -> datetime | None:
        """When it fires for a contact with these attributes, or None when the attribute is
        missing, reads as no date, or is too far off to move by the offset, or to be read in
        any zone's calendar (a CRM's "no date", 9999-12-31: its day in Jakarta is in no year
        a datetime holds)."""
        text = attributes.get(self.attribute)
        try:
            moved = moved_moment(text, self.offset, self.before, zone) if text is not None else None
            if moved is None:
                return None
            if self.at is not None:
                hour, minute = (int(part) for part in self.at.split(":"))
                day = moved.astimezone(zone).date()
                moved = to_utc(datetime.combine(day, time(hour, minute)), zone)
        except (ValueError, OverflowError):
            return None  # moved past the years a datetime holds: no date to wait for
        return moved if _EARLIEST < moved < _LATEST else None

    def passed(
        self,
        attributes: Mapping[str, str],
        zone: ZoneInfo,
        now: datetime,
        timed: datetime | None = None,
    ) -> bool:
        """Whether a reminder `before` the date comes too late at `now`: the date itself
        (its local midnight, for a date without a time) has come, as a `before` wait whose
        date has passed ends the journey (`journey.wait_ends`). A moment just missed while
        the date is still ahead is not: "1 day before at 09:00" still goes at 11:00 for a
        date tomorrow. Nor is a rule for the day itself or after it, whose moment comes
        once the date has. `timed` is when the message is meant to go (by default the
        rule's moment; a later step's, `journey.timed_from_date`): one meant for the date
        or after it is not too late either."""
        text = attributes.get(self.attribute)
        due = self.due(attributes, zone) if timed is None else timed
        if not self.before or text is None or due is None:
            return False
        moment = parse_moment(text, zone)
        return moment is not None and due < moment <= now
