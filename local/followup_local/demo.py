"""What `followup dev` seeds on a first start: the demo funnel, and the clock it runs on.

The demo is there to be watched working, at whatever hour someone first starts it. So the
demo workspace's send window is open every day around the clock, without holidays: the
demo's choice, shown in the start banner and in the settings, not the engine's default
(office hours on weekdays). The engine applies it as it applies any window; rules with
hours of their own keep them. Score gating leaves hot leads to the counsellor, so the
demo keeps one hot lead, to show that skip, and scores the other hot leads warm.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from followup.domain.contact import Score
from followup.domain.policy import SendWindow, TimeRange, Weekday
from followup.domain.settings import WorkspaceSettings
from followup.services.deps import Deps
from followup_local.sandbox import WhatsAppSandbox
from followup_local.simulator.funnel import demo_settings, people
from followup_local.simulator.run import add_quiet_lead, install_workspace


class DemoClock:
    """The stack's clock: now, or a given instant that then runs forward in real time."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = start - datetime.now(UTC) if start is not None else timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


AROUND_THE_CLOCK = SendWindow(
    hours={day: [TimeRange(start="00:00", end="24:00")] for day in Weekday}, blackout_days=[]
)
"""The demo workspace's send window: open every day, all day, holidays included."""


def dev_settings() -> WorkspaceSettings:
    """The simulator's demo settings, with the send window open around the clock."""
    return demo_settings().model_copy(update={"send_window": AROUND_THE_CLOCK})


def seed_demo(deps: Deps, sandbox: WhatsAppSandbox, contacts: int, now: datetime) -> None:
    """Demo settings and rules, and leads gone quiet in the last days (one of them hot)."""
    install_workspace(deps, dev_settings())
    hot = 0
    for person in people(random.Random(7), contacts, now, 1):  # noqa: S311
        if person.arrives:
            continue
        if person.score is Score.HOT:
            hot += 1
            person = replace(person, score=Score.HOT if hot == 1 else Score.WARM)
        add_quiet_lead(deps, person)
        sandbox.record_inbound(person.wa_id, person.first_message_at)
