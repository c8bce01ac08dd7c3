"""The demo funnel: workspace settings, a dozen rules, generated leads and how they behave."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from followup.domain.contact import Score
from followup.domain.policy import SendWindow
from followup.domain.settings import WorkspaceSettings

START = datetime(2026, 12, 21, tzinfo=UTC)
"""A Monday, 07:00 in Jakarta: two weeks that cross Christmas and New Year (holidays)."""
INACTIVE_RULES = frozenset({"winback-10d"})
PROGRAMS = ("Business Administration", "Computer Science", "Nursing", "Graphic Design")
ZONES = {"Asia/Jakarta": 40, "Asia/Makassar": 20, "America/Sao_Paulo": 25, "Europe/Lisbon": 15}
_PREFIX = {
    "Asia/Jakarta": "62812",
    "Asia/Makassar": "62813",
    "America/Sao_Paulo": "55119",
    "Europe/Lisbon": "35191",
}
_NAMES = {
    "id": ("Rudi Hartono", "Siti Lestari", "Budi Santoso", "Dewi Kusuma", "Agus Pratama"),
    "pt": ("Ana Silva", "João Souza", "Inês Ferreira", "Tiago Martins", "Mariana Costa"),
}
_REPLIES = {
    "id": ("Iya, masih tertarik", "Boleh kirim info biayanya?", "Maaf baru balas, oke"),
    "pt": ("Sim, ainda tenho interesse", "Pode me mandar os valores?", "Desculpe, vou ver hoje"),
}
_STOPS = {"id": ("BERHENTI", "STOP", "berhenti"), "pt": ("PARAR", "Parar", "STOP")}
_HELLO = {"id": "Halo, saya mau tanya program {}", "pt": "Olá, quero saber mais sobre {}"}
_LANGUAGE_TAGS = {"America/Sao_Paulo": "pt-BR", "Europe/Lisbon": "pt-PT"}


class Persona(StrEnum):
    REPLIER = "replier"
    STOPPER = "stopper"
    ADVANCER = "advancer"
    SILENT = "silent"


_PERSONAS = {Persona.REPLIER: 35, Persona.STOPPER: 10, Persona.ADVANCER: 25, Persona.SILENT: 30}
_SCORES = {Score.HOT: 15, Score.WARM: 50, Score.COLD: 35}
_STAGES = {"new": 40, "qualified": 25, "applied": 20, "paid": 10, "enrolled": 5}


@dataclass
class Person:
    """A generated lead: who they are, where they live, and how they will behave."""

    index: int
    wa_id: str
    name: str
    timezone: str
    score: Score
    stage: str
    program: str
    persona: Persona
    first_message_at: datetime
    created_at: datetime
    arrives: bool = False
    agent_at: datetime | None = None
    unreachable: bool = False

    @property
    def language(self) -> str:
        return "id" if self.timezone.startswith("Asia/") else "pt"

    @property
    def attributes(self) -> dict[str, str]:
        """What the CRM holds about them: the program, and the language the AI writes to
        them in when it is not the workspace's (Indonesian)."""
        own = _LANGUAGE_TAGS.get(self.timezone)
        return {"program": self.program, **({"language": own} if own else {})}


@dataclass(frozen=True)
class Reaction:
    """Something a person does at a virtual time: reply, stop, advance, or first write."""

    at: datetime
    kind: Literal["arrive", "reply", "stop", "advance"]
    wa_id: str
    text: str = ""


def demo_settings() -> WorkspaceSettings:
    """Default policy with the public holidays of the leads' countries, each for its own."""
    return WorkspaceSettings(send_window=SendWindow(holiday_countries=["ID", "BR", "PT"]))


_ASK = (
    "Hi {first_name|there}! Did you find what you needed about {attributes.program|our programs}?"
)
_APPLY = "Hi {first_name|there}! Applications for {attributes.program|our programs} are open."
_INTERVIEW = "Hi {first_name|there}! Shall we book your interview?"
_LAST_CALL = "Hi {first_name|there}! Last call: your seat is held until Friday."
_ACK = "Thanks {first_name|there}, a counsellor will answer shortly."
_MON_SAT = ("mon", "tue", "wed", "thu", "fri", "sat")


def _d(text: str) -> dict[str, Any]:
    amount, unit = text.split()
    return {"amount": int(amount), "unit": unit}


def _step(template: str, text: str | None = None, wait: str = "0 hours") -> dict[str, Any]:
    params = [
        {"field": "first_name", "default": "there"},
        {"field": "attributes.program", "default": "our programs"},
    ]
    step = {"wait": _d(wait), "template": {"name": template, "language": "en", "params": params}}
    return step | ({"text": text} if text else {})


def _rule(
    rule_id: str, stages: str, idle: str, *steps: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    """A rule body; `extra` takes `last`, `max_idle`, `scores`, `quiet_agent` and Rule fields."""
    order = demo_settings().stages
    later = order[max(order.index(stage) for stage in stages.split()) + 1 :]
    trigger = {"stages": stages.split(), "idle": _d(idle), "last_speaker": extra.pop("last", "any")}
    conditions = {"scores": extra.pop("scores", [])}
    if "max_idle" in extra:
        trigger["max_idle"] = _d(extra.pop("max_idle"))
    if "quiet_agent" in extra:
        conditions["no_agent_message_within"] = _d(extra.pop("quiet_agent"))
    name = rule_id.replace("-", " ").capitalize()
    body = {"id": rule_id, "name": name, "trigger": trigger, "conditions": conditions}
    return body | {"steps": list(steps), "exit": {"stages": later}} | extra


def demo_rules() -> list[dict[str, Any]]:
    """A dozen rules modelled on common re-engagement cases (Rule.model_validate bodies)."""
    hours = {day: [{"start": "10:00", "end": "19:00"}] for day in _MON_SAT}
    own_window = {"hours": hours, "blackout_days": ["sun"], "holiday_countries": ["ID"]}
    repeat = {"repeat": {"every": _d("2 days"), "times": 2}}
    return [
        _rule(
            "new-idle-1h",
            "new",
            "1 hours",
            _step("new_lead_checkin", _ASK),
            last="contact",
            max_idle="1 days",
        ),
        _rule(
            "apply-remind-24h",
            "new",
            "24 hours",
            _step("apply_reminder", _APPLY),
            max_idle="4 days",
        ),
        _rule("open-day-invite", "new", "2 days", _step("open_day_invite"), send_window=own_window),
        _rule("qualified-day2", "qualified", "2 days", _step("interview_invite", _INTERVIEW)),
        _rule(
            "warm-scholarship-day3", "qualified", "3 days", _step("scholarship"), scores=["warm"]
        ),
        _rule("interest-check-repeat", "qualified", "5 days", _step("still_interested") | repeat),
        _rule(
            "applied-not-paid-day3",
            "applied",
            "3 days",
            _step("payment_reminder"),
            _step("payment_last_call", _LAST_CALL, "2 days"),
        ),
        _rule(
            "quick-ack-30m",
            "applied",
            "30 minutes",
            _step("quick_ack", _ACK),
            last="contact",
            max_idle="6 hours",
            send_anytime=True,
        ),
        _rule("paid-not-enrolled-day5", "paid", "5 days", _step("enrolment_documents")),
        _rule(
            "agent-went-quiet",
            "qualified applied",
            "1 days",
            _step("counsellor_checkin"),
            last="agent",
            quiet_agent="1 days",
        ),
        _rule("cold-last-chance", "new qualified", "6 days", _step("last_chance"), scores=["cold"]),
        _rule("winback-10d", "new qualified", "10 days", _step("winback")),
    ]


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def daytime(rng: random.Random, day: date, zone: str, until: int = 22) -> datetime:
    """A random moment between 08:00 and `until` o'clock on `day` in `zone`, in UTC."""
    local = datetime.combine(day, time(8)) + timedelta(minutes=rng.randrange((until - 8) * 60))
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def awake(rng: random.Random, at: datetime, zone: str) -> datetime:
    """`at`, or the next local morning when `at` falls at night."""
    local = at.astimezone(ZoneInfo(zone))
    if 8 <= local.hour < 22:
        return at
    day = local.date() + timedelta(days=1 if local.hour >= 22 else 0)
    return max(at, daytime(rng, day, zone, until=11))


def people(rng: random.Random, count: int, start: datetime, days: int) -> list[Person]:
    """`count` leads: four in five quiet before `start`, the rest writing first during the run."""
    found: list[Person] = []
    for index in range(count):
        zone = _pick(rng, ZONES)
        arrives = rng.random() < 0.2
        if arrives:
            moment = start + timedelta(minutes=rng.randrange(days * 1440))
            first = awake(rng, moment, zone)
            created = first
        else:
            day = start.astimezone(ZoneInfo(zone)).date() - timedelta(days=rng.randrange(1, 10))
            first = daytime(rng, day, zone)
            created = first - timedelta(hours=rng.randrange(0, 24 * 20))
        person = Person(
            index=index,
            wa_id=_PREFIX[zone] + f"{index:07d}",
            name=rng.choice(_NAMES["id" if zone.startswith("Asia/") else "pt"]),
            timezone=zone,
            score=_pick(rng, _SCORES),
            stage="new" if arrives else _pick(rng, _STAGES),
            program=rng.choice(PROGRAMS),
            persona=_pick(rng, _PERSONAS),
            first_message_at=first,
            created_at=created,
            arrives=arrives,
            unreachable=rng.random() < 0.03,
        )
        agent_at = first + timedelta(minutes=rng.randrange(20, 240))
        if person.stage in ("qualified", "applied") and rng.random() < 0.3 and agent_at < start:
            person.agent_at = agent_at  # a counsellor answered, then the lead went quiet
        found.append(person)
    return found


def hello(person: Person) -> str:
    """A new lead's first message."""
    return _HELLO[person.language].format(person.program)


def react(person: Person, sent_at: datetime, rng: random.Random, replies: int) -> list[Reaction]:
    """What `person` does after receiving a follow-up at `sent_at` (possibly nothing)."""
    wa_id, zone, words = person.wa_id, person.timezone, _REPLIES[person.language]
    reply_at = awake(rng, sent_at + timedelta(minutes=rng.randrange(30, 8 * 60)), zone)
    chance = rng.random()
    if person.persona is Persona.REPLIER and replies < 3 and chance < 0.7 / (1 + replies):
        return [Reaction(reply_at, "reply", wa_id, rng.choice(words))]
    if person.persona is Persona.STOPPER and chance < 0.6:
        stop_at = sent_at + timedelta(minutes=rng.randrange(5, 180))
        return [Reaction(stop_at, "stop", wa_id, rng.choice(_STOPS[person.language]))]
    if person.persona is not Persona.ADVANCER or chance >= 0.6:
        return []
    if rng.random() < 0.5:  # says so first, then does it
        reply = Reaction(reply_at, "reply", wa_id, rng.choice(words))
        return [
            reply,
            Reaction(reply_at + timedelta(minutes=rng.randrange(30, 240)), "advance", wa_id),
        ]
    advance_at = awake(rng, sent_at + timedelta(hours=rng.randrange(2, 30)), zone)
    return [Reaction(advance_at, "advance", wa_id)]
