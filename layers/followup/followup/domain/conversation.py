"""Conversation lines, kept so personalisation can read the last ones."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from followup.domain.contact import Speaker
from followup.domain.intent import Intent


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Referral(BaseModel):
    """Where a click-to-WhatsApp conversation began: the ad or post, and Meta's click id."""

    model_config = ConfigDict(defer_build=True)

    source_type: str | None = None
    source_id: str | None = None
    source_url: str | None = None
    headline: str | None = None
    ctwa_clid: str | None = None


class Scheduled(BaseModel):
    """A follow-up a reply began: its rule, and when it goes on the lead's wall clock."""

    model_config = ConfigDict(defer_build=True)

    rule_id: str
    local: str = Field(description='ISO to the minute, e.g. "2026-12-06T10:00"')
    zone: str


_SCHEDULED_SAID = re.compile(r"follow-up (\S+) at (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) ([^\s;]+)")
_AT_STAGE_SAID = re.compile(r"already at stage (.+)$")


class MessageIntent(BaseModel):
    """What an inbound text meant and what the engine did about it.

    `at` (UTC) and `local` (the contact's wall clock) only for a named time; `effect` says
    what was scheduled or ended, or why nothing was, in a sentence, and `effect_code` with
    its facts (`scheduled`, `at_stage`, `suggested_stage`) says it in data, for an app to
    say in its reader's language. `suggested_stage` awaits staff's confirmation (a stage
    change through the API): the engine never moves it itself.
    With an AI reading, the tokens and cost it took; `ai_fallback` says why the AI's
    reading was not used (the rules' reading was).
    """

    model_config = ConfigDict(defer_build=True)

    intent: Intent
    confidence: float = Field(ge=0, le=1)
    source: Literal["rules", "ai"] = "rules"
    at: AwareDatetime | None = None
    local: str | None = None
    effect: str = ""
    effect_code: str | None = Field(
        default=None,
        description="`effect` as a stable code: low_confidence, ended_not_interested,"
        " ended_not_interested_suppressed, ended_done_suggested_stage,"
        " ended_done_already_at_stage, ended_wrong_number, opted_out, no_rule, follow_up_scheduled,"
        " call_back_pending",
    )
    scheduled: list[Scheduled] = Field(
        default_factory=list,
        description="follow_up_scheduled: each follow-up the reply began, and when it goes",
    )
    at_stage: str | None = Field(
        default=None, description="ended_done_already_at_stage: the stage the lead is at"
    )
    suggested_stage: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost_usd: float | None = None
    ai_fallback: str | None = None

    @model_validator(mode="after")
    def _facts_of_old_records(self) -> Self:
        """A record stored before the effect's facts were kept gives them from its sentence."""
        if self.effect_code == "follow_up_scheduled" and not self.scheduled:
            self.scheduled = [
                Scheduled(rule_id=rule_id, local=f"{day}T{time}", zone=zone)
                for rule_id, day, time, zone in _SCHEDULED_SAID.findall(self.effect)
            ]
        if self.effect_code == "ended_done_already_at_stage" and self.at_stage is None:
            found = _AT_STAGE_SAID.search(self.effect)
            self.at_stage = found[1] if found else None
        return self


class Message(BaseModel):
    model_config = ConfigDict(defer_build=True)

    id: str
    contact_id: str
    at: AwareDatetime
    direction: Direction
    speaker: Speaker
    text: str = ""
    kind: str | None = Field(
        default=None,
        description="what a contact sent on WhatsApp, by WhatsApp's type: `text`, `image`,"
        " `video`, `document`, `audio`, `order`...; `text` is then its caption or the note typed"
        " with it, or a `[kind]` marker. None for other lines, and for ones recorded before"
        " the kind was kept",
    )
    followup_id: str | None = None
    referral: Referral | None = None
    intent: MessageIntent | None = None
    placed_at: AwareDatetime | None = Field(
        default=None,
        description="Where a contact's line falls in the conversation when not at `at`, its"
        " whole-second stamp: just after what we did within that second before it was heard",
    )

    @property
    def placed(self) -> datetime:
        """The moment the conversation orders the line by (a line without `placed_at`, as
        the ones written before it, falls at its stamp)."""
        return self.placed_at or self.at
