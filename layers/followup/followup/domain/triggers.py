"""Triggers that fire on an occurrence rather than a silence: a reply's intent, a stage
entered, a custom event. `domain.rule` joins them with the idle trigger into `Trigger`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from followup.domain.limits import Attributes, Label, Labels

FollowedIntent = Literal["busy", "call_back_at"]
"""The intents a rule can follow up (the others end follow-ups or do nothing)."""


class IntentTrigger(BaseModel):
    """Fires when a reply's intent is one of `intents` (above the confidence threshold)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["intent"] = "intent"
    intents: list[FollowedIntent] = Field(min_length=1, max_length=2)

    def fires_on_intent(self, intent: str) -> bool:
        return intent in self.intents


class StageEnteredTrigger(BaseModel):
    """Fires when a contact enters one of `stages`; the first step waits from the entry."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["stage_entered"] = "stage_entered"
    stages: Labels = Field(min_length=1)

    def fires_on_stage(self, stage: str) -> bool:
        return stage in self.stages


class EventTrigger(BaseModel):
    """Fires on a custom event named `name` whose properties equal every `where` value."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["event"] = "event"
    name: Annotated[Label, Field(min_length=1)]
    where: Attributes = Field(default_factory=dict, description="property equalities, all hold")

    def fires_on_event(self, name: str, properties: Mapping[str, str]) -> bool:
        return name == self.name and all(properties.get(k) == v for k, v in self.where.items())
