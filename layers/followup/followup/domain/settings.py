"""Workspace settings: the policy every rule runs under."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, StrictBool, StrictFloat, StrictInt

from followup.domain.durations import Duration, Unit
from followup.domain.localtime import ZoneName
from followup.domain.policy import SendWindow

DEFAULT_OPT_OUT_KEYWORDS = ("STOP", "BERHENTI", "PARAR", "UNSUBSCRIBE", "CANCEL")
SERVICE_WINDOW = timedelta(hours=24)
"""WhatsApp's customer-service window: free text only this long after the last inbound."""


def _hours(amount: int) -> Duration:
    return Duration(amount=amount, unit=Unit.HOURS)


class FrequencyCap(BaseModel):
    """At most `max_sends` follow-ups to one contact within `per`, across all rules."""

    max_sends: StrictInt = Field(default=2, ge=1)
    per: Duration = Field(default_factory=lambda: _hours(24))


class Gating(BaseModel):
    skip_hot: StrictBool = Field(default=True, description="hot leads are left to the counsellor")
    cold_max_followups: StrictInt = Field(default=2, ge=0)
    frequency_cap: FrequencyCap = Field(default_factory=FrequencyCap)


class ReviewThresholds(BaseModel):
    """Rules past these are flagged for review in the stats."""

    min_response_rate: StrictFloat = Field(default=0.05, ge=0, le=1)
    max_opt_out_rate: StrictFloat = Field(default=0.02, ge=0, le=1)


class WorkspaceSettings(BaseModel):
    timezone: ZoneName = "Asia/Jakarta"
    stages: list[str] = Field(
        default_factory=lambda: ["new", "qualified", "applied", "paid", "enrolled"],
        min_length=1,
        description="the funnel in order; reaching a later stage counts as a conversion",
    )
    send_window: SendWindow = Field(default_factory=SendWindow)
    gating: Gating = Field(default_factory=Gating)
    opt_out_keywords: list[str] = Field(default_factory=lambda: list(DEFAULT_OPT_OUT_KEYWORDS))
    expire_after: Duration = Field(default_factory=lambda: _hours(72))
    attribution_window: Duration = Field(default_factory=lambda: _hours(72))
    trigger_lookback: Duration = Field(
        default_factory=lambda: Duration(amount=7, unit=Unit.DAYS),
        description="a new rule reaches back this far past its idle time, no further",
    )
    max_attempts: StrictInt = Field(default=5, ge=1, le=20)
    review: ReviewThresholds = Field(default_factory=ReviewThresholds)
    mass_send_limit: StrictInt = Field(
        default=200,
        ge=1,
        description="activating a rule that would enqueue more at once must be confirmed",
    )
    paused: StrictBool = False

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def stage_rank(self, stage: str) -> int:
        """Position in the funnel; unknown stages rank before all others."""
        return self.stages.index(stage) if stage in self.stages else -1
