"""The run loop: the demo funnel through the real handlers, tick by tick on a virtual clock."""

from __future__ import annotations

import heapq
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from followup.domain.contact import Contact, Speaker
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.services.contacts import change_stage, create_contact, find_contact, update_contact
from followup.services.deps import Deps
from followup.services.inbound import record_outbound
from followup_local import envelopes
from followup_local.engine import LocalEngine, local_engine
from followup_local.sandbox import SandboxRequest
from followup_local.simulator.funnel import (
    INACTIVE_RULES,
    START,
    Person,
    Persona,
    Reaction,
    demo_rules,
    demo_settings,
    hello,
    people,
    react,
)
from followup_local.simulator.report import Outcome, collect

UNDELIVERABLE = 131026
"""What WhatsApp answers for a number that cannot receive messages (the unreachable leads)."""


@dataclass(frozen=True)
class SimulationConfig:
    """How many leads, for how long, how often the scheduler ticks, and the random seed."""

    contacts: int = 500
    days: int = 14
    tick_minutes: int = 60
    seed: int = 7
    start: datetime = START

    @property
    def ticks(self) -> int:
        return math.ceil(self.days * 24 * 60 / self.tick_minutes)


@dataclass
class World:
    """The simulated people: their pending reactions and what they said and did."""

    engine: LocalEngine
    crowd: list[Person]
    seed: int
    contact_ids: dict[str, str] = field(default_factory=dict)
    inbound: defaultdict[str, list[datetime]] = field(default_factory=lambda: defaultdict(list))
    stage_changes: defaultdict[str, list[tuple[datetime, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    _due: list[tuple[datetime, int, Reaction]] = field(default_factory=list)
    _pending: Counter[str] = field(default_factory=Counter)
    _replies: Counter[str] = field(default_factory=Counter)
    _seen: int = 0
    _seq: int = 0
    _people: dict[str, Person] = field(init=False)

    def __post_init__(self) -> None:
        self._people = {person.wa_id: person for person in self.crowd}

    def populate(self) -> None:
        """Create the leads already quiet at the start; schedule the ones who write later."""
        deps, sandbox = self.engine.deps, self.engine.sandbox
        for person in self.crowd:
            if person.unreachable:
                sandbox.fail_next(status=400, code=UNDELIVERABLE, times=10**9, to=person.wa_id)
            if person.arrives:
                self._schedule(Reaction(person.first_message_at, "arrive", person.wa_id))
                continue
            contact = add_quiet_lead(deps, person)
            self._heard(person.wa_id, person.first_message_at)
            self.contact_ids[person.wa_id] = contact.id
            if person.agent_at is not None:
                text = "Here is the brochure you asked for."
                record_outbound(deps, contact.id, Speaker.AGENT, text, person.agent_at)

    def apply_due(self, now: datetime) -> None:
        """Everything people did since the previous tick, in time order."""
        while self._due and self._due[0][0] <= now:
            _, _, reaction = heapq.heappop(self._due)
            self._pending[reaction.wa_id] -= 1
            self._apply(reaction)

    def observe(self) -> None:
        """Decide how each person reacts to the follow-ups they just received."""
        requests = self.engine.sandbox.requests
        fresh, self._seen = requests[self._seen :], len(requests)
        for request in sorted(fresh, key=lambda r: (r.received_at, r.body and r.body.get("to"))):
            to = (request.body or {}).get("to")
            if request.status != 200 or not isinstance(to, str):
                continue
            self._statuses(request, to)
            if self._pending[to]:
                continue
            person = self._people[to]
            rng = random.Random(f"{self.seed}|{to}|{request.received_at.isoformat()}")  # noqa: S311
            for reaction in react(person, request.received_at, rng, self._replies[to]):
                self._schedule(reaction)

    def _schedule(self, reaction: Reaction) -> None:
        self._seq += 1
        heapq.heappush(self._due, (reaction.at, self._seq, reaction))
        self._pending[reaction.wa_id] += 1
        if reaction.kind == "reply":
            self._replies[reaction.wa_id] += 1

    def _apply(self, reaction: Reaction) -> None:
        deps, wa_id, at = self.engine.deps, reaction.wa_id, reaction.at
        person = self._people[wa_id]
        if reaction.kind == "advance":
            contact_v = deps.contacts.contact(self.contact_ids[wa_id])
            stages = deps.catalog.settings().stages
            if contact_v is not None and contact_v.item.stage in stages[:-1]:
                stage = stages[stages.index(contact_v.item.stage) + 1]
                change_stage(deps, contact_v.item.id, stage, at)
                self.stage_changes[wa_id].append((at, stage))
            return
        text = hello(person) if reaction.kind == "arrive" else reaction.text
        message_id = f"wamid.sim{person.index}x{len(self.inbound[wa_id])}"
        known = find_contact(deps, wa_id, None) is not None
        # Through the webhook, in Meta's envelope: the path production messages take.
        self._deliver(envelopes.text_message(wa_id, text, at, message_id, person.name))
        self._heard(wa_id, at)
        if not known:
            found = find_contact(deps, wa_id, None)
            assert found is not None
            self.contact_ids[wa_id] = found.item.id
            update_contact(deps, found.item.id, _crm_sync(person), at)

    def _deliver(self, document: dict[str, Any]) -> None:
        status = self.engine.deliver(document)
        if status != 200:
            raise RuntimeError(f"the webhook refused a simulated delivery with HTTP {status}")

    def _statuses(self, request: SandboxRequest, to: str) -> None:
        """The phone reports delivery, and reading for anyone who is not ignoring us."""
        if request.wamid is None:
            return
        delivered_at = request.received_at + timedelta(seconds=3)
        pricing = envelopes.pricing_for(request.body)
        self._deliver(
            envelopes.status(
                request.wamid, "delivered", delivered_at, to, request.followup_id, pricing
            )
        )
        if self._people[to].persona is not Persona.SILENT:
            read_at = request.received_at + timedelta(minutes=2)
            self._deliver(envelopes.status(request.wamid, "read", read_at, to, request.followup_id))

    def _heard(self, wa_id: str, at: datetime) -> None:
        self.inbound[wa_id].append(at)
        self.engine.sandbox.record_inbound(wa_id, at)


def add_quiet_lead(deps: Deps, person: Person) -> Contact:
    """A lead who wrote first at `person.first_message_at` and has been quiet since."""
    contact = create_contact(
        deps,
        wa_id=person.wa_id,
        at=person.created_at,
        name=person.name,
        stage=person.stage,
        score=person.score,
        timezone=person.timezone,
        attributes=person.attributes,
    )
    at = person.first_message_at
    return update_contact(deps, contact.id, _spoke_last(at), at)


def _spoke_last(at: datetime) -> Callable[[Contact], Contact]:
    update = {"last_inbound_at": at, "last_activity_at": at, "last_speaker": Speaker.CONTACT}
    return lambda contact: contact.model_copy(update=update)


def _crm_sync(person: Person) -> Callable[[Contact], Contact]:
    """What the CRM fills in about a new lead right after their first message."""
    update = {
        "timezone": person.timezone,
        "score": person.score,
        "attributes": person.attributes,
    }
    return lambda contact: contact.model_copy(update=update)


def install_workspace(deps: Deps, settings: WorkspaceSettings) -> None:
    """The demo's settings and rules (one of them off), as marketing would set them up."""
    deps.rules.save_settings(settings)
    for body in demo_rules():
        deps.rules.save_rule(Rule.model_validate(body))
    for rule_id in sorted(INACTIVE_RULES):
        deps.rules.set_active(rule_id, False)
    deps.catalog.invalidate()


def simulate(
    config: SimulationConfig, on_tick: Callable[[int, int], None] | None = None
) -> Outcome:
    """Run the demo funnel for `config.days` of virtual time through the real handlers."""
    rng = random.Random(config.seed)  # noqa: S311  # a reproducible demo, not a secret
    crowd = people(rng, config.contacts, config.start, config.days)
    with local_engine(config.start) as engine:
        deps = engine.deps
        install_workspace(deps, demo_settings())
        world = World(engine, crowd, config.seed)
        world.populate()
        step, last_tick = timedelta(minutes=config.tick_minutes), config.start
        for done in range(1, config.ticks + 1):
            last_tick = engine.clock.now()
            world.apply_due(last_tick)
            engine.tick()
            world.observe()
            engine.clock.advance(step)
            if on_tick is not None:
                on_tick(done, config.ticks)
        return collect(engine, world, config, last_tick)
