"""One pending follow-up per contact, held by a slot item beside the contact: concurrent
enqueues and the paths that end its holder."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from followup.domain.enrollment import Enrollment
from followup.domain.followup import Status
from followup.services.deps import Deps
from followup.services.planning import Outcome, advance
from followup.services.ports import Slot, Versioned
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

SATURDAY = timedelta(days=4)  # from the engine's Tuesday start: nothing can be sent


class ReadTogether:
    """The real contacts, except that each read of a slot waits until both workers read it."""

    def __init__(self, deps: Deps, together: threading.Barrier) -> None:
        self._real, self._together = deps.contacts, together

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def slot(self, contact_id: str) -> Versioned[Slot] | None:
        found = self._real.slot(contact_id)
        self._together.wait(timeout=30)
        return found


def statuses(engine: LocalEngine, contact_id: str) -> dict[str, Status]:
    return {f.rule_id: f.status for f in engine.deps.followups.followups_of(contact_id)}


def test_two_concurrent_enqueues_for_one_contact_queue_one_follow_up(
    engine: LocalEngine,
) -> None:
    # Given a lead enrolled in two rules whose steps are due, planned by two workers that
    # both read the contact's slot before either commits
    deps = engine.deps
    engine.clock.advance(SATURDAY)
    rules = {name: rule(name) for name in ("first-rule", "second-rule")}
    for each in rules.values():
        deps.rules.save_rule(each)
    lead = quiet_contact(deps, "6281100000601", engine.clock.now() - timedelta(hours=25))
    contact_v = deps.contacts.contact(lead.id)
    assert contact_v is not None
    enrolled = deps.followups.enrollments_of(lead.id)
    assert sorted(e.item.rule_id for e in enrolled) == sorted(rules)
    deps.contacts = ReadTogether(deps, threading.Barrier(2))
    outcomes: list[Outcome] = []

    def plan(enrollment_v: Versioned[Enrollment]) -> None:
        planned = rules[enrollment_v.item.rule_id]
        now = engine.clock.now()
        outcomes.append(advance(deps, enrollment_v, contact_v, planned, now)[0])

    workers = [threading.Thread(target=plan, args=(each,)) for each in enrolled]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Then one follow-up waits and the other worker lost the race, the contact untouched
    assert sorted(outcomes) == sorted([Outcome.QUEUED, Outcome.LOST_RACE])
    assert list(statuses(engine, lead.id).values()) == [Status.QUEUED]
    assert deps.contacts.contact(lead.id) == contact_v


def test_a_canceled_holder_leaves_the_slot_to_the_next_rule(engine: LocalEngine) -> None:
    # Given two rules for one lead on a Saturday: the first queued, the second deferred
    engine.clock.advance(SATURDAY)
    engine.deps.rules.save_rule(rule("first-rule"))
    engine.deps.rules.save_rule(rule("second-rule"))
    lead = quiet_contact(engine.deps, "6281100000602", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [(holder, queued)] = statuses(engine, lead.id).items()
    assert queued is Status.QUEUED
    # When marketing deletes the rule whose follow-up holds the slot
    assert call(engine, "DELETE", f"/api/rules/{holder}")[0] == 200
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    # Then the other rule's follow-up is queued in its place at the next tick (for Monday
    # morning, when the send window opens), and goes out
    other = "second-rule" if holder == "first-rule" else "first-rule"
    assert statuses(engine, lead.id) == {holder: Status.CANCELED, other: Status.QUEUED}
    engine.ticks(3 * 24, every=timedelta(hours=1))
    assert statuses(engine, lead.id) == {holder: Status.CANCELED, other: Status.SENT}


def test_a_sent_holder_leaves_the_slot_to_the_next_rule(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule("first-rule"))
    engine.deps.rules.save_rule(rule("second-rule"))
    lead = quiet_contact(engine.deps, "6281100000603", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    # The next tick past the least gap after the first send (an hour by default)
    engine.clock.advance(timedelta(hours=1))
    engine.tick()
    assert sorted(s.value for s in statuses(engine, lead.id).values()) == ["sent", "sent"]
    assert len(engine.sandbox.sent()) == 2


def test_a_lead_never_sent_to_whose_slot_was_taken_before_is_still_queued(
    engine: LocalEngine,
) -> None:
    # Given a lead whose only follow-up was canceled unsent: it was never sent anything,
    # yet its slot was taken once
    engine.clock.advance(SATURDAY)
    engine.deps.rules.save_rule(rule("first-rule"))
    lead = quiet_contact(engine.deps, "6281100000605", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    assert call(engine, "DELETE", "/api/rules/first-rule")[0] == 200
    assert engine.deps.contacts.slot(lead.id) is not None
    # When another rule finds the lead quiet
    engine.deps.rules.save_rule(rule("second-rule"))
    engine.tick()
    # Then its follow-up is queued: the guess that the lead holds no slot lost the commit,
    # and the slot was read and taken
    assert statuses(engine, lead.id) == {
        "first-rule": Status.CANCELED,
        "second-rule": Status.QUEUED,
    }
    [queued] = [
        f for f in engine.deps.followups.followups_of(lead.id) if f.rule_id == "second-rule"
    ]
    slot = engine.deps.contacts.slot(lead.id)
    assert slot is not None
    assert (slot.item.holder, slot.revision) == (queued.id, 2)
