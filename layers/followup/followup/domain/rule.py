"""Rules: a trigger, conditions and ordered steps that say whom to follow up and how."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictInt,
    Tag,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from followup.domain.channels import Channel, EmailContent, FallbackWhen
from followup.domain.conditions import Condition, Facts, all_hold, field_error
from followup.domain.contact import Contact, Score, Speaker
from followup.domain.durations import Duration, Unit
from followup.domain.limits import MAX_ITEMS, Attributes, Label, Labels
from followup.domain.policy import SendWindow
from followup.domain.stored import Written, new_input
from followup.domain.task import Assignee, Priority
from followup.domain.triggers import (
    DateTrigger,
    EventTrigger,
    IntentTrigger,
    StageEnteredTrigger,
)


class LastSpeaker(StrEnum):
    CONTACT = "contact"
    AGENT = "agent"
    SYSTEM = "system"
    ANY = "any"


class IdleTrigger(BaseModel):
    """Fires once per silence: the contact is in one of `stages` and quiet for `idle`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

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
                raise PydanticCustomError(
                    "idle_units", "idle times are elapsed time: use minutes to weeks"
                )
        if self.max_idle is not None and self.max_idle.approx() <= self.idle.approx():
            raise PydanticCustomError("max_idle", "max_idle must be longer than idle")
        return self

    def matches(self, contact: Contact) -> bool:
        """Stage, speaker and open/closed match (idle time is the caller's window)."""
        if self.stages and contact.stage not in self.stages:
            return False
        if not self.include_closed and not contact.conversation_open:
            return False
        return self.spoke_last(contact)

    def spoke_last(self, contact: Contact) -> bool:
        """Whether the contact's conversation was last spoken in by whom `last_speaker` asks."""
        if self.last_speaker is LastSpeaker.ANY:
            return True
        return contact.last_speaker is Speaker(self.last_speaker.value)


TRIGGER_KINDS = ("idle", "intent", "stage_entered", "event", "date")


def _kind(trigger: Any) -> Any:
    """A trigger's kind; a body without one is an idle trigger (as every rule once was)."""
    if isinstance(trigger, dict):
        return trigger.get("kind", "idle")
    return getattr(trigger, "kind", None)


Trigger = Annotated[
    Annotated[IdleTrigger, Tag("idle")]
    | Annotated[IntentTrigger, Tag("intent")]
    | Annotated[StageEnteredTrigger, Tag("stage_entered")]
    | Annotated[EventTrigger, Tag("event")]
    | Annotated[DateTrigger, Tag("date")],
    Discriminator(
        _kind,
        custom_error_type="invalid_trigger",
        custom_error_message="kind is one of " + ", ".join(TRIGGER_KINDS),
    ),
]
"""What starts a rule, told apart by `kind`."""


def field_path(loc: Sequence[str | int]) -> str:
    """A validation error's place as the API names fields (`trigger.intents`): without the
    trigger kind pydantic puts after `trigger`."""
    parts = [str(part) for part in loc]
    for n in range(len(parts) - 1):
        if parts[n] == "trigger" and parts[n + 1] in TRIGGER_KINDS:
            del parts[n + 1]
            break
    return ".".join(parts)


class Conditions(BaseModel):
    """Filters on the contact, all of which must hold."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    scores: list[Score] = Field(default_factory=list, description="empty means any score")
    tags: Labels = Field(
        default_factory=list, description="the contact has all of them, in any case"
    )
    attributes: Attributes = Field(default_factory=dict)
    no_agent_message_within: Duration | None = None
    match: list[Condition] = Field(
        default_factory=list,
        max_length=MAX_ITEMS,
        description="more tests (numbers, dates, negation), all of which must hold",
    )

    def hold(self, contact: Contact, now: datetime, zone: ZoneInfo) -> bool:
        """Whether `contact` passes every filter at `now`; dates read in `zone`."""
        facts = Facts(now=now, zone=contact.zone(zone), since=contact.quiet_since)
        if not all_hold(self.match, contact, facts):
            return False
        if self.scores and contact.score not in self.scores:
            return False
        if not all(contact.has_tag(tag) for tag in self.tags):
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

    model_config = ConfigDict(frozen=True, defer_build=True)

    field: str | None = None
    text: str | None = None
    default: str = ""
    ai: StrictBool = Field(
        default=False, description="the AI writes this parameter when the step has `ai`"
    )

    @model_validator(mode="after")
    def _one_source(self) -> TemplateParam:
        if (self.field is None) == (self.text is None):
            raise PydanticCustomError(
                "param_source", "a parameter takes either a contact field or a fixed text"
            )
        return self


class TemplateRef(BaseModel):
    """An approved WhatsApp template."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str = Field(min_length=1, max_length=512)
    language: str = Field(min_length=2, max_length=15)
    category: Literal["marketing", "utility"] = Field(
        default="marketing",
        description="as approved by Meta; users who stop marketing still get utility ones",
    )
    params: list[TemplateParam] = Field(default_factory=list, max_length=MAX_ITEMS)
    sibling: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="another template, same language and parameters, sent while this one "
        "is paused, disabled, rejected, pending or unknown",
    )

    @model_validator(mode="after")
    def _one_ai_param(self) -> TemplateRef:
        if sum(param.ai for param in self.params) > 1:
            raise PydanticCustomError(
                "one_ai_param", "at most one parameter may be written by the AI"
            )
        return self

    @property
    def ai_param(self) -> int | None:
        """The index of the parameter the AI writes, if any."""
        return next((index for index, param in enumerate(self.params) if param.ai), None)


class AiMessage(BaseModel):
    """Ask the AI to write the message: free text inside the 24 h window, else the
    template's `ai` parameter. The step's static content is sent when it cannot."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    instructions: Annotated[str, Written] = Field(
        min_length=1, max_length=2000, description="what to say"
    )
    extra: str | None = Field(default=None, max_length=2000, description="rules for special cases")
    approval: StrictBool = Field(
        default=False, description="a person approves (or edits) each written text before it goes"
    )


class Repeat(BaseModel):
    """Send the step again every `every` until the contact replies, at most `times` more."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    every: Duration
    times: StrictInt = Field(ge=1, le=50)


class Step(BaseModel):
    """Wait, then send on `channel`: on WhatsApp free text inside the 24 h window, else the
    approved template; by SMS the text; by email `email`. `fallbacks` are tried in order
    when a channel cannot reach the contact or `fallback_when` says so."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["send"] = "send"
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
    def _has_message(self, info: ValidationInfo) -> Step:
        if len(set(self.chain)) != len(self.chain):
            raise PydanticCustomError(
                "channel_twice", "a channel appears once in a step's channel and fallbacks"
            )
        if "whatsapp" in self.fallbacks:
            raise PydanticCustomError(
                "whatsapp_fallback", "WhatsApp can only be a step's first channel, not a fallback"
            )
        if "whatsapp" in self.chain and not self._says(info) and self.template is None:
            raise PydanticCustomError("no_message", "a step needs a free text, a template, or both")
        if "sms" in self.chain and not self._says(info):
            raise PydanticCustomError("sms_needs_text", "an SMS step needs a free text")
        if "email" in self.chain and self.email is None:
            raise PydanticCustomError(
                "email_needs_content", "an email step needs `email` with a subject and a body"
            )
        return self

    @property
    def chain(self) -> list[Channel]:
        """The channels in the order they are tried."""
        return [self.channel, *self.fallbacks]

    def _says(self, info: ValidationInfo) -> bool:
        """Whether the step has free text. New text of spaces alone is none, as an empty
        one: it renders blank, so only a template could go; a step read back keeps its own."""
        return bool(self.text and (self.text.strip() or not new_input(info)))

    @model_validator(mode="after")
    def _ai_has_a_place(self, info: ValidationInfo) -> Step:
        template_param = self.template.ai_param if self.template else None
        if self.ai is not None and not self._says(info) and template_param is None:
            raise PydanticCustomError(
                "ai_needs_place",
                "an AI step needs a free text or a template parameter with ai: true",
            )
        return self

    def sends(self) -> int:
        return 1 + (self.repeat.times if self.repeat else 0)


_ALIASED = ConfigDict(
    frozen=True,
    validate_by_name=True,
    validate_by_alias=True,
    serialize_by_alias=True,
    defer_build=True,
)


class WaitStep(BaseModel):
    """Wait `for` a duration, `until_time` (the next such local time of day), or
    `until_attribute` (a date or time on the contact, moved by `offset`), in the contact's
    zone. A moment already past goes on at once; a missing or unreadable attribute, or a
    date a `before` wait has already passed, ends the journey."""

    model_config = _ALIASED

    kind: Literal["wait"]
    for_: Duration | None = Field(default=None, alias="for")
    until_time: str | None = Field(
        default=None, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="HH:MM local"
    )
    until_attribute: Label | None = None
    offset: Duration | None = Field(default=None, description="with until_attribute")
    before: StrictBool = Field(default=False, description="the offset goes before the date")

    @model_validator(mode="after")
    def _one_target(self) -> WaitStep:
        named = [self.for_, self.until_time, self.until_attribute]
        if sum(target is not None for target in named) != 1:
            raise PydanticCustomError(
                "wait_target", "a wait takes exactly one of for, until_time, until_attribute"
            )
        if self.until_attribute is None and (self.offset is not None or self.before):
            raise field_error(
                ("offset",), "offset and before go with until_attribute", code="wait_offset"
            )
        return self


class BranchStep(BaseModel):
    """Go to step `then` if the condition holds, else to `else` (default: the next step).
    Without `if`, always to `then`. A target equal to the number of steps ends the journey."""

    model_config = _ALIASED

    kind: Literal["branch"]
    if_: Condition | None = Field(default=None, alias="if")
    then: StrictInt
    else_: StrictInt | None = Field(default=None, alias="else")


class AddTag(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["action"]
    do: Literal["add_tag"]
    tag: Annotated[Label, Written] = Field(min_length=1)


class RemoveTag(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["action"]
    do: Literal["remove_tag"]
    tag: Annotated[Label, Written] = Field(min_length=1)


class SetStage(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["action"]
    do: Literal["set_stage"]
    stage: Annotated[Label, Written] = Field(min_length=1)


class SetAttribute(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["action"]
    do: Literal["set_attribute"]
    attribute: Annotated[Label, Written] = Field(min_length=1)
    value: str = Field(max_length=1000)


class CloseConversation(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["action"]
    do: Literal["close_conversation"]


class CreateTask(BaseModel):
    """A task for a counsellor (an email) or a team, about the contact, due `due` from now."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["action"]
    do: Literal["create_task"]
    title: Annotated[str, Written] = Field(min_length=1, max_length=200)
    assignee: Assignee = Field(
        min_length=1, max_length=254, description="a counsellor's email or a team"
    )
    due: Duration
    priority: Priority = Priority.NORMAL


class Notify(BaseModel):
    """Tell another system: a signed POST to `webhook`, or an event on the workspace's bus
    (`bus: true`) with `detail_type`; `payload` travels with it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: Literal["action"]
    do: Literal["notify"]
    webhook: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    bus: StrictBool = False
    detail_type: Annotated[str, Written] | None = Field(default=None, min_length=1, max_length=128)
    payload: Attributes = Field(default_factory=dict)

    @field_validator("webhook")
    @classmethod
    def _reachable(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and new_input(info) and not _host_named(value):
            raise PydanticCustomError(
                "webhook_host", "names no host a request can go to (check the address for typos)"
            )
        return value

    @model_validator(mode="after")
    def _one_target(self) -> Notify:
        if (self.webhook is None) == (not self.bus):
            raise PydanticCustomError(
                "notify_target", "a notification goes to a webhook or to the bus (bus: true)"
            )
        if self.bus and self.detail_type is None:
            raise field_error(
                ("detail_type",), "an event on the bus needs a detail_type", code="detail_type"
            )
        return self


def _host_named(url: str) -> bool:
    """`url` names a host: an IP address, or a name each label of which DNS can carry."""
    try:
        host = urlsplit(url).hostname or ""
        ascii_host = host.encode("idna").decode()
    except (ValueError, UnicodeError):
        return False
    if ":" in host:  # an IPv6 literal
        return _IPV6.fullmatch(host) is not None
    return _HOST.fullmatch(ascii_host) is not None and all(host.split("."))


_HOST = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]+")


Action = AddTag | RemoveTag | SetStage | SetAttribute | CloseConversation | CreateTask | Notify
_ACTIONS: dict[str, type[BaseModel]] = {
    "add_tag": AddTag,
    "remove_tag": RemoveTag,
    "set_stage": SetStage,
    "set_attribute": SetAttribute,
    "close_conversation": CloseConversation,
    "create_task": CreateTask,
    "notify": Notify,
}
_KINDS: dict[str, type[BaseModel]] = {"send": Step, "wait": WaitStep, "branch": BranchStep}
_STEP_TYPES = (*_KINDS.values(), *_ACTIONS.values())


def _by_kind(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """Validate a step as the model its `kind` (and an action's `do`) names, so errors
    name the step's own fields (`steps.2.for`); no kind is a send step (rules stored
    before there were kinds)."""
    if isinstance(value, _STEP_TYPES):
        return value
    if not isinstance(value, dict):
        raise ValueError("a step is an object with a kind")
    kind, do = str(value.get("kind", "send")), str(value.get("do"))
    if kind == "action":
        model = _ACTIONS.get(do)
        if model is None:
            raise field_error(("do",), f"do is one of {', '.join(_ACTIONS)}", value.get("do"))
    else:
        model = _KINDS.get(kind)
        if model is None:
            raise field_error(("kind",), "kind is one of send, wait, branch, action", kind)
    return model.model_validate(value, context=info.context)


AnyStep = Annotated[Step | WaitStep | BranchStep | Action, WrapValidator(_by_kind)]
"""A journey step: send, wait, branch or action, told apart by `kind`."""


class ExitPolicy(BaseModel):
    """What ends the journey early: a reply, reaching one of `stages`, one of `events`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    on_reply: StrictBool = True
    stages: Labels = Field(default_factory=list)
    events: Labels = Field(
        default_factory=list, description="custom event names (as `POST /api/events` sends)"
    )


class Goal(BaseModel):
    """What the journey is for: the contact reaching one of `stages`, or one of `events`
    happening, ends it as reached (exit reason `goal`, not `exit_stage` or `exit_event`)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    stages: Labels = Field(default_factory=list)
    events: Labels = Field(
        default_factory=list, description="custom event names (as `POST /api/events` sends)"
    )


class ReentryPolicy(StrEnum):
    ALWAYS = "always"
    NEVER = "never"
    COOLDOWN = "cooldown"


class Reentry(BaseModel):
    """Whether a contact who was in this journey may start it again: `always` (each new
    silence or occurrence), `never`, or `cooldown` (not within `cooldown` of its last start;
    an occurrence inside it is passed over, not put off)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    policy: ReentryPolicy = ReentryPolicy.ALWAYS
    cooldown: Duration | None = None

    @model_validator(mode="after")
    def _cooldown_with_its_policy(self) -> Reentry:
        cooling = self.policy is ReentryPolicy.COOLDOWN
        if cooling and self.cooldown is None:
            raise field_error(("cooldown",), "policy cooldown needs a cooldown duration")
        if not cooling and self.cooldown is not None:
            raise field_error(
                ("cooldown",), "a cooldown goes only with policy cooldown", self.cooldown
            )
        return self


class Rule(BaseModel):
    """One version of a follow-up sequence."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$")
    version: StrictInt = Field(default=1, ge=1)
    name: Annotated[str, Written] = Field(min_length=1, max_length=200)
    active: StrictBool = True
    trigger: Trigger
    conditions: Conditions = Field(default_factory=Conditions)
    steps: list[AnyStep] = Field(min_length=1, max_length=20)
    exit: ExitPolicy = Field(default_factory=ExitPolicy)
    goal: Goal = Field(default_factory=Goal)
    reentry: Reentry = Field(default_factory=Reentry)
    max_sends: StrictInt | None = Field(default=None, ge=1)
    send_window: SendWindow | None = Field(
        default=None, description="overrides the workspace window for this rule"
    )
    send_anytime: StrictBool = False
    numbers: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list,
        max_length=20,
        description="the sending numbers (phone_number_id) this rule sends from; empty: any. "
        "Contacts who talk to another number are left alone; new contacts get the first",
    )

    @model_validator(mode="after")
    def _jumps_forward(self) -> Rule:
        """Branches jump forward only, so a journey cannot loop, and land on a step or the
        end (the number of steps)."""
        last = len(self.steps)
        for index, step in enumerate(self.steps):
            if not isinstance(step, BranchStep):
                continue
            if step.if_ is None and step.else_ is not None:
                raise field_error(
                    ("steps", index, "else"), "an else needs an if", step.else_, "else_needs_if"
                )
            for name, target in (("then", step.then), ("else", step.else_)):
                if target is not None and not index < target <= last:
                    raise field_error(
                        ("steps", index, name),
                        f"jump forward to a step from {index + 1} to {last} ({last} ends the"
                        " journey): branches cannot loop",
                        target,
                        "jump_forward",
                    )
        return self

    def window(self, workspace: SendWindow) -> SendWindow:
        """The send window this rule's sends wait for: its own hours and blackout days when
        it overrides the workspace's, the workspace's holidays and custom dates either way."""
        if self.send_window is None:
            return workspace
        return self.send_window.keeping_holidays_of(workspace)

    def send_step(self, index: int) -> Step:
        """The send step at `index`; a ValueError if that step sends nothing."""
        step = self.steps[index]
        if not isinstance(step, Step):
            raise ValueError(f"step {index} is a {step.kind} step: it sends nothing")
        return step

    @property
    def total_sends(self) -> int:
        planned = sum(step.sends() for step in self.steps if isinstance(step, Step))
        return min(planned, self.max_sends) if self.max_sends else planned

    def closed_to(self, contact: Contact) -> bool:
        """The contact's conversation is closed and this rule does not send into closed ones."""
        sends_into_closed = self.idle is not None and self.idle.include_closed
        return not contact.conversation_open and not sends_into_closed

    @property
    def calls_back(self) -> bool:
        """Whether the rule follows up a call back the lead asked for (a reply read as
        `call_back_at`): its journeys answer the lead, and the caps let them go."""
        return isinstance(self.trigger, IntentTrigger) and self.trigger.fires_on_intent(
            "call_back_at"
        )

    @property
    def idle(self) -> IdleTrigger | None:
        """The trigger when the rule fires on idle (the enqueue tick enrolls), else None."""
        return self.trigger if isinstance(self.trigger, IdleTrigger) else None

    @property
    def trigger_stages(self) -> list[str]:
        """The stages the trigger names (idle and stage_entered triggers only)."""
        if isinstance(self.trigger, IdleTrigger | StageEnteredTrigger):
            return list(self.trigger.stages)
        return []

    def lookback(self, default: timedelta) -> timedelta:
        """How far past its idle time a silence may be and still enroll."""
        idle = self.idle
        if idle is not None and idle.max_idle is not None:
            return idle.max_idle.approx() - idle.idle.approx()
        return default
