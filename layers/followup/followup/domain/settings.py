"""Workspace settings: the policy every rule runs under."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from followup.domain.costs import RateCard, Rates, rate_card
from followup.domain.durations import Duration, Unit
from followup.domain.limits import LABEL_LENGTH, MAX_ITEMS
from followup.domain.localtime import ZoneName
from followup.domain.messaging_limit import MessagingLimit
from followup.domain.optout import normalise
from followup.domain.policy import SendWindow
from followup.domain.stored import new_input

DEFAULT_STAGES = ("new", "qualified", "applied", "paid", "enrolled")
SERVICE_WINDOW = timedelta(hours=24)
"""WhatsApp's customer-service window: free text only this long after the last inbound."""


PHRASE_LENGTH = 200
"""The longest phrase the AI's text is kept from."""

AN_HOUR = timedelta(hours=1)
"""The least a save takes for `gating.frequency_cap.per`, `expire_after`,
`trigger_lookback` and `attribution_window`. The ticks that enqueue, dispatch and expire
run up to an hour apart (`tick_minutes`): a cap counted over less may count the sends of
one tick only, an expiry of less ends a follow-up at the first tick after its send, before
its lead could answer or anyone approve it, a lookback of less drops what came due since
the tick before, and an attribution window of less credits a send with next to nothing.
Settings stored with less still load."""


_TOO_SHORT = {
    "attribution_window": "would count no reply or conversion for a send",
    "expire_after": "would expire a follow-up before its lead could reply",
    "trigger_lookback": "would drop what came due between two ticks",
}
"""What a duration of the workspace's under `AN_HOUR` would do, by its field."""


def _hours(amount: int) -> Duration:
    return Duration(amount=amount, unit=Unit.HOURS)


def _at_least_an_hour(duration: Duration, info: ValidationInfo, what: str) -> Duration:
    if new_input(info) and duration.approx() < AN_HOUR:
        raise ValueError(f"{duration} {what}: give at least 1 hour")
    return duration


class FrequencyCap(BaseModel):
    """At most `max_sends` follow-ups to one contact within `per`, across all rules."""

    model_config = ConfigDict(defer_build=True)

    max_sends: StrictInt = Field(default=2, ge=1)
    per: Duration = Field(
        default_factory=lambda: _hours(24),
        description="the time over which sends are counted; at least 1 hour",
    )

    @field_validator("per")
    @classmethod
    def _long_enough(cls, per: Duration, info: ValidationInfo) -> Duration:
        return _at_least_an_hour(per, info, "is too short to cap sends between two ticks")


class Gating(BaseModel):
    model_config = ConfigDict(defer_build=True)

    skip_hot: StrictBool = Field(default=True, description="hot leads are left to the counsellor")
    cold_max_followups: StrictInt = Field(default=2, ge=0)
    frequency_cap: FrequencyCap = Field(default_factory=FrequencyCap)
    min_gap: Duration = Field(
        default_factory=lambda: _hours(1),
        description="the least time between a message to a contact and a follow-up of"
        " another journey (0 minutes: none)",
    )


class ReviewThresholds(BaseModel):
    """Rules past these are flagged for review in the stats."""

    model_config = ConfigDict(defer_build=True)

    min_response_rate: StrictFloat = Field(default=0.05, ge=0, le=1)
    max_opt_out_rate: StrictFloat = Field(default=0.02, ge=0, le=1)
    min_opt_out_sample: StrictInt = Field(
        default=50, ge=1, le=1_000_000, description="sends before an opt-out rate is judged"
    )
    min_response_sample: StrictInt = Field(
        default=20, ge=1, le=1_000_000, description="sends before a response rate is judged"
    )
    pause_on_opt_out_spike: StrictBool = Field(
        default=False,
        description="switch a rule off when its opt-out rate over the last 7 days passes"
        " `max_opt_out_rate` (it is flagged, with an alarm, either way)",
    )


class AiSettings(BaseModel):
    """AI-written messages: off entirely when `enabled` is false (the static content goes)."""

    model_config = ConfigDict(defer_build=True)

    enabled: StrictBool = True
    language: str = Field(default="id", min_length=2, max_length=15)
    tone: str = Field(default="friendly, brief", max_length=200)
    forbidden_phrases: list[str] = Field(
        default_factory=list,
        description=f"an AI text containing one is not sent; at most {MAX_ITEMS}, each up to"
        f" {PHRASE_LENGTH} characters",
    )

    @field_validator("forbidden_phrases")
    @classmethod
    def _bounded_phrases(cls, phrases: list[str], info: ValidationInfo) -> list[str]:
        """Every AI text is searched for each phrase (`guardrails`), which passes over one of
        spaces alone: saved, it would look kept out and keep nothing out."""
        if not new_input(info):
            return phrases  # as stored: settings saved before these checks still load
        if len(phrases) > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS} forbidden phrases")
        for n, phrase in enumerate(phrases, 1):
            if not phrase.strip():
                raise ValueError(f"phrase {n} holds no words: it would keep nothing out")
            if len(phrase) > PHRASE_LENGTH:
                raise ValueError(f"phrase {n}: at most {PHRASE_LENGTH} characters")
        return phrases


class IntentSettings(BaseModel):
    """What the engine does with the intent it reads in a reply (see `domain.replies`).

    Rules with an intent trigger follow up `busy` and `call_back_at`; settings stored with
    the former `call_back_rule` and `busy_rule` still load, and those fields are ignored.
    """

    model_config = ConfigDict(defer_build=True)

    enabled: StrictBool = Field(default=True, description="read the intent of each reply")
    min_confidence: StrictFloat = Field(
        default=0.7, ge=0, le=1, description="below this an intent is recorded, not acted on"
    )
    not_interested_suppresses_marketing: StrictBool = Field(
        default=False, description="'not interested' also stops marketing templates"
    )


class EmailPause(BaseModel):
    """SES refused the whole account (sending paused or suspended by AWS, the sender's
    identity not verified...): no email goes until an admin resumes email."""

    model_config = ConfigDict(defer_build=True)

    reason: str = Field(description="SES's refusal, e.g. `ses: SendingPausedException`")
    at: AwareDatetime = Field(description="when the refusal paused email")


class WorkspaceSettings(BaseModel):
    model_config = ConfigDict(defer_build=True)

    timezone: ZoneName = "Asia/Jakarta"
    stages: list[str] = Field(
        default_factory=lambda: list(DEFAULT_STAGES),
        description="the funnel in order; reaching a later stage counts as a conversion",
    )
    send_window: SendWindow = Field(default_factory=SendWindow)
    gating: Gating = Field(default_factory=Gating)
    opt_out_keywords: list[str] = Field(
        default_factory=list,
        description="added to the built-in opt-out keywords and phrasings, which always"
        f" apply; at most {MAX_ITEMS}, each up to {LABEL_LENGTH} characters with a letter or"
        " digit, none twice (case, accents and punctuation do not matter)",
    )
    whatsapp_stop_stops_all: StrictBool = Field(
        default=True,
        description="a STOP on WhatsApp stops SMS and email too; off: it stops WhatsApp only",
    )
    expire_after: Duration = Field(
        default_factory=lambda: _hours(72),
        description="a follow-up with no reply this long after its send expires (one "
        "awaiting approval, this long after it was written); at least 1 hour",
    )
    attribution_window: Duration = Field(
        default_factory=lambda: _hours(72),
        description="a reply, an opt-out or a conversion this long after a send counts for"
        " it; at least 1 hour",
    )
    trigger_lookback: Duration = Field(
        default_factory=lambda: Duration(amount=7, unit=Unit.DAYS),
        description="a new rule reaches back this far past its idle time, no further; a "
        "date rule's journey ends for a goal reached this long before its date; at least "
        "1 hour",
    )
    max_attempts: StrictInt = Field(
        default=10,
        ge=1,
        le=20,
        description="tries of a send 360dialog could not take (unreachable, 5xx), 30 s apart "
        "and doubling, at most 15 minutes: 10 ride out an hour's outage",
    )
    withheld_attempts: StrictInt = Field(
        default=4,
        ge=1,
        le=10,
        description="tries of a marketing message Meta withholds (131049), a day apart and "
        "more each time, before it is skipped",
    )
    message_rates: Rates = Field(
        default_factory=dict,
        description="US dollars per delivered WhatsApp message by market and category, or "
        "per SMS part sent (`sms`), in place of the shipped rate card's (e.g. "
        '{"indonesia": {"marketing": 0.04, "sms": 0.03}}), for markets the rate card names',
    )
    email_rate: StrictFloat | None = Field(
        default=None,
        ge=0,
        le=1,
        description="US dollars per email sent, in place of the shipped rate card's",
    )
    review: ReviewThresholds = Field(default_factory=ReviewThresholds)
    intents: IntentSettings = Field(default_factory=IntentSettings)
    mass_send_limit: StrictInt = Field(
        default=200,
        ge=1,
        description="activating a rule that would enqueue more at once must be confirmed",
    )
    ai: AiSettings = Field(default_factory=AiSettings)
    messaging_limit: MessagingLimit = Field(default_factory=MessagingLimit)
    paused: StrictBool = False
    paused_reason: str | None = Field(
        default=None,
        description="why sending is paused, when the engine paused it (e.g. a refused API key)",
    )
    paused_at: AwareDatetime | None = Field(
        default=None,
        description="read only: since when sending is paused, set by the save (or the "
        "engine's pause) that paused it and kept as stored by any later save; null while "
        "sending is on, and for a pause stored before this was kept",
    )
    email_paused: EmailPause | None = Field(
        default=None,
        description="read only: set when SES refuses the whole account, cleared by POST "
        "/api/email/resume; a save of the settings keeps it as stored",
    )

    @model_validator(mode="after")
    def _reason_only_while_paused(self) -> WorkspaceSettings:
        # Resuming clears the reason and since when, whatever the request carried back.
        if not self.paused:
            self.paused_reason = self.paused_at = None
        return self

    def saved_over(self, stored: WorkspaceSettings, at: datetime) -> WorkspaceSettings:
        """These settings as a save at `at` writes them over `stored`: what no save sets is
        kept as stored, whatever the save carried back (a page read before, or a client's
        own value). Email's pause stays as stored (only resuming email lifts it); the
        workspace's pause is since `at` when this save pauses it, since when it was stored
        while it stays paused, and since no time once it resumes."""
        since = (stored.paused_at if stored.paused else at) if self.paused else None
        return self.model_copy(update={"email_paused": stored.email_paused, "paused_at": since})

    @field_validator(*_TOO_SHORT)
    @classmethod
    def _an_hour_at_least(cls, duration: Duration, info: ValidationInfo) -> Duration:
        return _at_least_an_hour(duration, info, _TOO_SHORT[str(info.field_name)])

    @field_validator("opt_out_keywords")
    @classmethod
    def _matchable_keywords(cls, keywords: list[str], info: ValidationInfo) -> list[str]:
        """Keywords match a reply whatever its case, accents and punctuation (`normalise`):
        one with no letter or digit left would match no reply, and two that read the same
        are one keyword."""
        if not new_input(info):
            return keywords  # as stored: settings saved before these checks still load
        if len(keywords) > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS} opt-out keywords")
        read: dict[str, int] = {}
        for n, keyword in enumerate(keywords, 1):
            if len(keyword) > LABEL_LENGTH:
                raise ValueError(f"keyword {n}: at most {LABEL_LENGTH} characters")
            words = normalise(keyword)
            if not words:
                raise ValueError(
                    f"keyword {n}: {keyword!r} has no letter or digit, so no reply would match it"
                )
            if words in read:
                raise ValueError(
                    f"keyword {n}: {keyword!r} is keyword {read[words]} again"
                    " (case, accents and punctuation do not matter)"
                )
            read[words] = n
        return keywords

    @field_validator("message_rates")
    @classmethod
    def _markets_on_the_card(cls, rates: Rates, info: ValidationInfo) -> Rates:
        """A send is priced by the market the rate card puts its number in (`market_of`):
        a rate for a market the card does not name would price nothing."""
        if not new_input(info):
            return rates  # as stored: settings saved before these checks still load
        markets = rate_card().markets
        for market in rates:
            if market not in markets:
                raise ValueError(
                    f"unknown market {market!r}: use one of the rate card's,"
                    f" {', '.join(sorted(markets))}"
                )
        return rates

    @field_validator("stages")
    @classmethod
    def _some_stage(cls, stages: list[str], info: ValidationInfo) -> list[str]:
        if not new_input(info):
            return stages  # as stored: settings saved before these checks still load
        if not stages:
            raise ValueError("name at least one stage: new contacts start in the first")
        if len(stages) > MAX_ITEMS:
            raise ValueError(f"at most {MAX_ITEMS} stages")
        for n, stage in enumerate(stages):
            if not stage.strip() or len(stage) > LABEL_LENGTH:
                raise ValueError(f"stage {n + 1}: a name of 1 to {LABEL_LENGTH} characters")
            if stage in stages[:n]:
                raise ValueError(f"stage {n + 1}: {stage!r} is named twice")
        return stages

    @property
    def entry_stage(self) -> str:
        """Where new contacts start: the first stage (the default one if none is named)."""
        return self.stages[0] if self.stages else DEFAULT_STAGES[0]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def rate_card(self) -> RateCard:
        """The shipped rate card at the workspace's own prices (`message_rates`,
        `email_rate`)."""
        return rate_card().overridden(self.message_rates, self.email_rate)

    def stage_rank(self, stage: str) -> int:
        """Position in the funnel; unknown stages rank before all others."""
        return self.stages.index(stage) if stage in self.stages else -1
