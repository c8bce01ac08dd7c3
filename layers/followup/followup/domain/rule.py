"""Rules: a trigger, conditions and ordered steps that say whom to follow up and how."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from followup.domain.channels import Channel, EmailContent, FallbackWhen
from followup.domain.contact import Contact, Score, Speaker
from followup.domain.durations import Duration, Unit
from followup.domain.limits import MAX_ITEMS, Attributes, Labels
from followup.domain.policy import SendWindow


class LastSpeaker(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    SYSTEM = "system"
    ANY = "any"


class IdleTrigger(BaseModel):
    """Fires once per silence: the contact is in one of `stages` and quiet for `idle`."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["idle"] = "idle"
    stages: Labels = Field(default_factory=list, description="empty means any stage")
    idle: Duration
    last_speaker: LastSpeaker = LastSpeaker.ANY
    include_closed: StrictBool = False
    max_idle: Duration | None = Field(
        default=None, description="ignore silences longer than this (default: the lookback)"
    )

    @model_validator(mode="after")
    def _fixed_units(self) -> IdleTrigger:
        for duration in (self.idle, self.max_idle):
            if duration is not None and duration.unit is Unit.MONTHS:
                raise ValueError("idle times are elapsed time: use minutes to weeks")
        if self.max_idle is not None and self.max_idle.approx() <= self.idle.approx():
            raise ValueError("max_idle must be longer than idle")
        return self

    def matches(self, contact: Contact) -> bool:
        """Stage, speaker and open/closed match (idle time is the caller's window)."""
        if self.stages and contact.stage not in self.stages:
            return False
        if not self.include_closed and not contact.conversation_open:
            return False
        if self.last_speaker is LastSpeaker.ANY:
            return True
        return contact.last_speaker is Speaker(self.last_speaker.value)


class Conditions(BaseModel):
    """Filters on the contact, all of which must hold."""

    model_config = ConfigDict(frozen=True)

    scores: list[Score] = Field(default_factory=list, description="empty means any score")
    tags: Labels = Field(default_factory=list, description="the contact has all of them")
    attributes: Attributes = Field(default_factory=dict)
    no_agent_message_within: Duration | None = None

    def hold(self, contact: Contact, now: datetime) -> bool:
        if self.scores and contact.score not in self.scores:
            return False
        if any(tag not in contact.tags for tag in self.tags):
            return False
        if any(contact.attributes.get(k) != v for k, v in self.attributes.items()):
            return False
        if self.no_agent_message_within is not None and contact.last_agent_at is not None:
            return now - contact.last_agent_at >= self.no_agent_message_within.approx()
        return True


class TemplateParam(BaseModel):
    """One body parameter: a contact field (`name`, `attributes.program`) or fixed text.

    With `ai: true` and a step that asks for an AI message, the model writes this parameter
    (one line) when the template is sent; the field or text is the fallback.
    """

    model_config = ConfigDict(frozen=True)

    field: str | None = None
    text: str | None = None
    default: str = ""
    ai: StrictBool = Field(
        default=False, description="the AI writes this parameter when the step has `ai`"
    )

    @model_validator(mode="after")
    def _one_source(self) -> TemplateParam:
        if (self.field is None) == (self.text is None):
            raise ValueError("a parameter takes either a contact field or a fixed text")
        return self


class TemplateRef(BaseModel):
    """An approved WhatsApp template."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=2, max_length=15)
    category: Literal["marketing", "utility"] = Field(
        default="marketing",
        description="as approved by Meta; users who stop marketing still get utility ones",
    )
    params: list[TemplateParam] = Field(default_factory=list, max_length=MAX_ITEMS)

    @model_validator(mode="after")
    def _one_ai_param(self) -> TemplateRef:
        if sum(param.ai for param in self.params) > 1:
            raise ValueError("at most one parameter may be written by the AI")
        return self

    @property
    def ai_param(self) -> int | None:
        """The index of the parameter the AI writes, if any."""
        return next((index for index, param in enumerate(self.params) if param.ai), None)


class AiMessage(BaseModel):
    """Ask the AI to write the message: free text inside the 24 h window, else the
    template's `ai` parameter. The step's static content is sent when it cannot."""

    model_config = ConfigDict(frozen=True)

    instructions: str = Field(min_length=1, max_length=2000, description="what to say")
    extra: str | None = Field(default=None, max_length=2000, description="rules for special cases")
    approval: StrictBool = Field(
        default=False, description="a person approves (or edits) each written text before it goes"
    )


class Repeat(BaseModel):
    """Send the step again every `every` until the contact replies, at most `times` more."""

    model_config = ConfigDict(frozen=True)

    every: Duration
    times: StrictInt = Field(ge=1, le=50)


class Step(BaseModel):
    """Wait, then send on `channel`: on WhatsApp free text inside the 24 h window, else the
    approved template; by SMS the text; by email `email`. `fallbacks` are tried in order
    when a channel cannot reach the contact or `fallback_when` says so."""

    model_config = ConfigDict(frozen=True)

    wait: Duration
    channel: Channel = "whatsapp"
    fallbacks: list[Channel] = Field(default_factory=list, max_length=2)
    fallback_when: FallbackWhen = Field(default_factory=FallbackWhen)
    text: str | None = Field(default=None, max_length=4096)
    template: TemplateRef | None = None
    email: EmailContent | None = None
    repeat: Repeat | None = None
    ai: AiMessage | None = None

    @model_validator(mode="after")
    def _has_message(self) -> Step:
        if len(set(self.chain)) != len(self.chain):
            raise ValueError("a channel appears once in a step's channel and fallbacks")
        if "whatsapp" in self.fallbacks:
            raise ValueError("WhatsApp can only be a step's first channel, not a fallback")
        if "whatsapp" in self.chain and not self.text and self.template is None:
            raise ValueError("a step needs a free text, a template, or both")
        if "sms" in self.chain and not self.text:
            raise ValueError("an SMS step needs a free text")
        if "email" in self.chain and self.email is None:
            raise ValueError("an email step needs `email` with a subject and a body")
        return self

    @property
    def chain(self) -> list[Channel]:
        """The channels in the order they are tried."""
        return [self.channel, *self.fallbacks]

    @model_validator(mode="after")
    def _ai_has_a_place(self) -> Step:
        template_param = self.template.ai_param if self.template else None
        if self.ai is not None and not self.text and template_param is None:
            raise ValueError("an AI step needs a free text or a template parameter with ai: true")
        return self

    def sends(self) -> int:
        return 1 + (self.repeat.times if self.repeat else 0)


class ExitPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    on_reply: StrictBool = True
    stages: Labels = Field(default_factory=list)


class Rule(BaseModel):
    """One version of a follow-up sequence."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: StrictInt = Field(default=1, ge=1)
    name: str = Field(min_length=1, max_length=200)
    active: StrictBool = True
    trigger: IdleTrigger
    conditions: Conditions = Field(default_factory=Conditions)
    steps: list[Step] = Field(min_length=1, max_length=20)
    exit: ExitPolicy = Field(default_factory=ExitPolicy)
    max_sends: StrictInt | None = Field(default=None, ge=1)
    send_window: SendWindow | None = Field(
        default=None, description="overrides the workspace window for this rule"
    )
    send_anytime: StrictBool = False

    @property
    def total_sends(self) -> int:
        planned = sum(step.sends() for step in self.steps)
        return min(planned, self.max_sends) if self.max_sends else planned

    def closed_to(self, contact: Contact) -> bool:
        """The contact's conversation is closed and this rule does not send into closed ones."""
        return not contact.conversation_open and not self.trigger.include_closed

    def lookback(self, default: timedelta) -> timedelta:
        """How far past its idle time a silence may be and still enroll."""
        if self.trigger.max_idle is not None:
            return self.trigger.max_idle.approx() - self.trigger.idle.approx()
        return default
