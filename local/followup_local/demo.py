"""What `followup dev` seeds on a first start: the demo funnel, and the clock it runs on;
on a restart, what the sandbox knew, from the engine's data.

The demo is there to be watched working, at whatever hour someone first starts it. So the
demo workspace's send window is open every day around the clock, without holidays: the
demo's choice, shown in the start banner and in the settings, not the engine's default
(office hours on weekdays). The engine applies it as it applies any window; rules with
hours of their own keep them. Score gating leaves hot leads to the counsellor, so the
demo keeps one hot lead, to show that skip, and scores the other hot leads warm.

One demo rule, `AI_RULE`, asks the AI to write its message (the template's program
parameter outside the 24 h window); its static text and that field stay the fallback.
Two more follow up what a reply says: `busy-nudge` ("lagi sibuk": after 5 minutes, then
15 minutes later) and `call-back` ("besok jam 10": at the time asked), by intent triggers.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from followup.domain.contact import Contact, Score
from followup.domain.policy import SendWindow, TimeRange, Weekday
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.services.deps import Deps
from followup.services.templates import catalogue
from followup_local.sandbox import WhatsAppSandbox
from followup_local.simulator.funnel import demo_rules, demo_settings, people
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
AI_RULE = "apply-remind-24h"
AI_INSTRUCTIONS = "Ask kindly whether they still want to apply, and offer help with the form."


def dev_settings() -> WorkspaceSettings:
    """The simulator's demo settings, with the send window open around the clock."""
    return demo_settings().model_copy(update={"send_window": AROUND_THE_CLOCK})


def ai_rule() -> Rule:
    """`AI_RULE` with an AI message in its step, the template's program parameter written."""
    [body] = [body for body in demo_rules() if body["id"] == AI_RULE]
    [step] = body["steps"]
    first_name, program = step["template"]["params"]
    template = step["template"] | {"params": [first_name, program | {"ai": True}]}
    ai = {"instructions": AI_INSTRUCTIONS}
    return Rule.model_validate(body | {"steps": [step | {"template": template, "ai": ai}]})


def intent_rules() -> list[Rule]:
    """The demo's rules that follow up a busy reply and a call back asked for."""
    template = {"name": "follow_up_later", "language": "id", "params": [{"field": "first_name"}]}

    def step(minutes: int, text: str) -> dict[str, Any]:
        return {"wait": {"amount": minutes, "unit": "minutes"}, "text": text, "template": template}

    busy = {
        "id": "busy-nudge",
        "name": "Busy nudge",
        "trigger": {"kind": "intent", "intents": ["busy"]},
        "steps": [
            step(5, "Siap {first_name|Kak}, kapan waktu yang pas untuk dihubungi?"),
            step(15, "Kak {first_name|}, kami tunggu kabarnya ya."),
        ],
    }
    call_back = {
        "id": "call-back",
        "name": "Call back as asked",
        "trigger": {"kind": "intent", "intents": ["call_back_at"]},
        "steps": [step(0, "Halo {first_name|Kak}, sesuai janji kami hubungi sekarang.")],
    }
    return [Rule.model_validate(body) for body in (busy, call_back)]


def seed_demo(deps: Deps, sandbox: WhatsAppSandbox, contacts: int, now: datetime) -> None:
    """Demo settings and rules, and leads gone quiet in the last days (one of them hot)."""
    install_workspace(deps, dev_settings())
    for rule in (ai_rule(), *intent_rules()):
        deps.rules.save_rule(rule)
    deps.catalog.invalidate()
    sandbox.templates.approve_all(_saved_rules(deps))
    hot = 0
    for person in people(random.Random(7), contacts, now, 1):  # noqa: S311
        if person.arrives:
            continue
        if person.score is Score.HOT:
            hot += 1
            person = replace(person, score=Score.HOT if hot == 1 else Score.WARM)
        add_quiet_lead(deps, person)
        sandbox.record_inbound(person.wa_id, person.first_message_at)


def resume_sandbox(deps: Deps, sandbox: WhatsAppSandbox, contacts: Iterable[Contact]) -> None:
    """What the sandbox knew before a restart, from what the engine kept, so the demo goes
    on as it was: the template catalogue as the engine last synced it (or, never synced,
    the saved rules' templates approved, as the first start did), and when each of
    `contacts` last wrote, which opens their 24-hour window."""
    synced = catalogue(deps).templates
    if synced:
        for template in synced:
            sandbox.templates.add(
                template.name,
                template.language,
                template.body,
                category=template.category,
                status=template.status,
                quality=template.quality,
            )
    else:
        sandbox.templates.approve_all(_saved_rules(deps))
    for contact in contacts:
        if contact.last_inbound_at is None:
            continue
        for address in (contact.wa_id, contact.user_id):
            if address:
                sandbox.record_inbound(address, contact.last_inbound_at)


def _saved_rules(deps: Deps) -> Iterator[Rule]:
    """Each rule's current version, as saved."""
    for head in deps.rules.rule_heads():
        saved = deps.rules.rule(head.rule_id, head.version)
        if saved is not None:
            yield saved
