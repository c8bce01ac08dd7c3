"""The engine's promises under random interleavings of everything that can happen to it.

A Hypothesis state machine drives the services in memory: CSV imports, replies and
STOPs, stage changes from a CRM, ticks, SQS and webhook redeliveries, workspace pauses,
rule toggles and clock jumps. After every step it checks what a WhatsApp number's owner
relies on: no send after an opt-out, at most one send per planned follow-up, no send while
paused, nothing new queued for a rule that is off; after draining, every follow-up ended.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from followup.domain.durations import Duration, Unit
from followup.domain.errors import NotFound
from followup.domain.followup import FollowUp, Status
from followup.domain.rule import Repeat, Rule
from followup.services import crm_events, imports, rules
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.support.builders import rule as rule_body

# Monday 23 Nov 2026, 08:00 in Jakarta: the first examples start inside business hours.
START = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
NUMBERS = ("6281300000001", "6281300000002", "6281300000003")
STAGES = ("new", "qualified", "applied")
RULES = ("quiet-new", "quiet-qualified")
JUMPS = (timedelta(minutes=1), timedelta(minutes=20), timedelta(hours=1), timedelta(hours=7))
DRAIN_LIMIT = 60


def _rules() -> list[Rule]:
    """A two-step sequence and a repeating one, both at any hour so that runs send often
    (the send window has its own tests)."""
    first = rule_body(
        "quiet-new",
        trigger={"stages": ["new"], "idle": {"amount": 20, "unit": "minutes"}},
        send_anytime=True,
    )
    later = first.steps[0].model_copy(update={"wait": Duration(amount=2, unit=Unit.HOURS)})
    second = rule_body(
        "quiet-qualified",
        trigger={"stages": ["qualified"], "idle": {"amount": 1, "unit": "minutes"}},
        send_anytime=True,
    )
    repeat = Repeat(every=Duration(amount=3, unit=Unit.HOURS), times=2)
    return [
        first.model_copy(update={"steps": [first.steps[0], later]}),
        second.model_copy(
            update={"steps": [second.steps[0].model_copy(update={"repeat": repeat})]}
        ),
    ]


@dataclass
class Ledger:
    """What the machine did, positioned against the sandbox's request log."""

    opted_out_at: dict[str, int] = field(default_factory=dict)
    paused: list[tuple[int, int | None]] = field(default_factory=list)
    rule_off: dict[str, list[tuple[datetime, datetime | None]]] = field(default_factory=dict)
    webhooks: list[dict[str, Any]] = field(default_factory=list)


class EngineMachine(RuleBasedStateMachine):
    engine: MemoryEngine  # set by the test before it runs the machine
    seen: Counter[str] = Counter()  # what the runs exercised, summed over all examples

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger()
        self.message_ids = itertools.count()
        self.engine.reset()
        for sequence in _rules():
            self.engine.deps.rules.save_rule(sequence)

    # -- what happens to the engine -------------------------------------------------------

    @rule(numbers=st.sets(st.sampled_from(NUMBERS), min_size=1), stage=st.sampled_from(STAGES))
    def import_contacts(self, numbers: set[str], stage: str) -> None:
        csv = "wa_id,name,stage\n" + "".join(f"{n},Lead {n[-1]},{stage}\n" for n in sorted(numbers))
        report = imports.import_contacts(self.engine.deps, csv, "csv")
        assert not report.rejected, report

    @rule(number=st.sampled_from(NUMBERS), text=st.sampled_from(["Hi, is it still open?", "STOP"]))
    def contact_writes(self, number: str, text: str) -> None:
        document = envelopes.text_message(
            number, text, self.engine.clock.now(), f"wamid.prop{next(self.message_ids)}"
        )
        self._deliver(document)
        self.engine.sandbox.record_inbound(number, self.engine.clock.now())
        if text == "STOP":
            self.ledger.opted_out_at.setdefault(number, len(self.engine.sandbox.requests))

    @precondition(lambda self: bool(self.ledger.webhooks))
    @rule(data=st.data())
    def webhook_redelivered(self, data: st.DataObject) -> None:
        self._deliver(data.draw(st.sampled_from(self.ledger.webhooks)))

    @rule(number=st.sampled_from(NUMBERS), stage=st.sampled_from(STAGES))
    def crm_moves_stage(self, number: str, stage: str) -> None:
        body = {"type": "stage_changed", "contact": number, "stage": stage}
        with suppress(NotFound):  # not imported and never wrote yet
            crm_events.apply(self.engine.deps, crm_events.Event.model_validate(body).root)

    @rule()
    def tick(self) -> None:
        self.engine.tick()

    @rule(data=st.data())
    def sqs_redelivers(self, data: st.DataObject) -> None:
        seen = [f.id for f in self._followups()]
        if seen:
            self.engine.deps.queue.enqueue([data.draw(st.sampled_from(seen))])
            self.engine.drain()

    @rule(paused=st.booleans())
    def admin_pauses(self, paused: bool) -> None:
        deps = self.engine.deps
        changed = deps.rules.settings().model_copy(update={"paused": paused})
        rules.check_settings(deps, changed)
        deps.rules.save_settings(changed)
        deps.catalog.invalidate()
        position = len(self.engine.sandbox.requests)
        open_pause = self.ledger.paused and self.ledger.paused[-1][1] is None
        if paused and not open_pause:
            self.ledger.paused.append((position, None))
        elif not paused and open_pause:
            self.ledger.paused[-1] = (self.ledger.paused[-1][0], position)

    @rule(rule_id=st.sampled_from(RULES), active=st.booleans())
    def marketing_toggles(self, rule_id: str, active: bool) -> None:
        if active:
            rules.activate(self.engine.deps, rule_id, confirmed=True)
        else:
            rules.deactivate(self.engine.deps, rule_id, cancel_queued=False)
        periods = self.ledger.rule_off.setdefault(rule_id, [])
        now = self.engine.clock.now()
        if not active and not (periods and periods[-1][1] is None):
            periods.append((now, None))
        elif active and periods and periods[-1][1] is None:
            periods[-1] = (periods[-1][0], now)

    @rule(by=st.sampled_from(JUMPS))
    def time_passes(self, by: timedelta) -> None:
        self.engine.clock.advance(by)

    # -- what must always hold --------------------------------------------------------------

    @invariant()
    def never_after_opt_out(self) -> None:
        for position, request in enumerate(self.engine.sandbox.requests):
            body = request.body or {}
            mark = self.ledger.opted_out_at.get(str(body.get("to")))
            assert request.status != 200 or mark is None or position < mark, (
                f"sent to {body.get('to')} after their STOP"
            )

    @invariant()
    def at_most_one_send_per_planned_followup(self) -> None:
        sends = Counter(r.followup_id for r in self.engine.sandbox.sent())
        assert all(count == 1 for count in sends.values()), sends

    @invariant()
    def never_while_paused(self) -> None:
        for position, request in enumerate(self.engine.sandbox.requests):
            for began, ended in self.ledger.paused:
                inside = began <= position and (ended is None or position < ended)
                assert request.status != 200 or not inside, "sent while the workspace was paused"

    @invariant()
    def nothing_new_for_a_rule_that_is_off(self) -> None:
        for followup in self._followups():
            for began, ended in self.ledger.rule_off.get(followup.rule_id, []):
                inside = began < followup.created_at and (
                    ended is None or followup.created_at < ended
                )
                assert not inside, f"{followup.id} queued while {followup.rule_id} was off"

    def teardown(self) -> None:
        """Resume, then let time run until nothing is left in flight: all must have ended."""
        if self.ledger.paused and self.ledger.paused[-1][1] is None:
            self.admin_pauses(False)
        self.engine.clock.advance(timedelta(hours=1))  # silences still short of a rule's idle
        for _ in range(DRAIN_LIMIT):
            self.engine.tick()
            waiting = [f for f in self._followups() if not f.status.terminal]
            if not waiting:
                break
            self.engine.clock.advance(self._next_wake(waiting))
        self.never_after_opt_out()
        self.at_most_one_send_per_planned_followup()
        self.seen.update(
            {
                "runs": 1,
                "sends": len(self.engine.sandbox.sent()),
                "stops": len(self.ledger.opted_out_at),
                "pauses": len(self.ledger.paused),
                "rules turned off": sum(len(p) for p in self.ledger.rule_off.values()),
            }
        )
        stuck = [(f.id, f.status.value) for f in self._followups() if not f.status.terminal]
        assert not stuck, f"still in flight after draining: {stuck}"

    # -- helpers ----------------------------------------------------------------------------

    def _deliver(self, document: dict[str, Any]) -> None:
        status = self.engine.deliver(document)
        assert status == 200, status
        self.ledger.webhooks.append(document)

    def _followups(self) -> Iterator[FollowUp]:
        for number in NUMBERS:
            found = self.engine.deps.contacts.contact_by_wa_id(number)
            if found is not None:
                yield from self.engine.deps.followups.followups_of(found.item.id)

    def _next_wake(self, waiting: list[FollowUp]) -> timedelta:
        """How far to jump so that the earliest waiting follow-up can move on."""
        now = self.engine.clock.now()
        horizons = [
            f.scheduled_at if f.status is Status.QUEUED else now + timedelta(hours=72)
            for f in waiting
        ]
        return max(min(horizons) - now, timedelta(minutes=15))


@pytest.mark.slow
def test_the_engine_keeps_its_promises_under_any_interleaving() -> None:
    with memory_engine(START) as engine:
        EngineMachine.engine = engine
        run_state_machine_as_test(
            EngineMachine,
            settings=settings(
                max_examples=1000,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )
    # The runs did reach the situations the invariants are about.
    seen = EngineMachine.seen
    assert seen["runs"] >= 1000, seen
    assert seen["sends"] > 500, seen
    assert min(seen["stops"], seen["pauses"], seen["rules turned off"]) > 70, seen
