"""Random histories: the same operations on both stores give the same answers and reads.

Each history mixes commits (fresh and stale, right and wrong expectations), rule changes,
watermarks and imports over a few ids, so conditions both hold and fail; after the whole
history every read, index and page is compared.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest
from pynamodb.exceptions import PynamoDBException

from followup.adapters.memory import MemoryStore, Refused
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup.services.ports import (
    Change,
    CommitRejected,
    ContactChange,
    Conversion,
    EnrollmentChange,
    FollowUpChange,
    NewEnrollment,
    NewFollowUp,
    Phase,
    QueueQuery,
    RuleError,
)
from tests.contract.items import T0, contact, enrollment, followup
from tests.contract.stores import dynamo_store
from tests.support.builders import rule

OPERATIONS = 300
PLANNED = [Status.QUEUED, Status.QUEUED, Status.SKIPPED, Status.SENT, Status.CANCELED]
RULES = ("a", "b")


class History:
    """Operations drawn from `seed`; a change's revision or expected status is usually the
    stored one, so commits win as often as they lose."""

    def __init__(self, store: Any, seed: int) -> None:
        self.store, self.seed = store, seed
        self.rng = random.Random(seed)

    def run(self) -> list[Any]:
        answers = []
        for n in range(OPERATIONS):
            self.rng = random.Random(self.seed * 100_000 + n)
            answers.append(self.step())
        return answers

    def step(self) -> Any:
        r, store = self.rng, self.store
        pick = r.random()
        try:
            if pick < 0.6:
                changes = [self.change() for _ in range(r.randrange(1, 3))]
                return store.commit(changes, self.moment())
            if pick < 0.65:
                return store.save_rule(rule(r.choice(RULES))).version
            if pick < 0.7:
                return store.delete_rule(r.choice(RULES))
            if pick < 0.75:
                return store.set_active(r.choice(RULES), r.random() < 0.5)
            if pick < 0.85:
                to = T0 + timedelta(minutes=r.randrange(3))
                return store.advance_watermark(r.choice(RULES), self.maybe(T0), to)
            if pick < 0.9:
                return store.note_rule_error(r.choice(RULES), self.maybe(RuleError(T0, "e")))
            return sorted(store.import_contacts([self.contact() for _ in range(r.randrange(1, 4))]))
        except CommitRejected as rejected:
            return ("rejected", rejected.failed)
        except (Refused, PynamoDBException, AttributeError):
            return "refused"

    def moment(self) -> datetime:
        return T0 + timedelta(minutes=self.rng.randrange(-3000, 3000))

    def maybe(self, value: Any) -> Any:
        return value if self.rng.random() < 0.5 else None

    def change(self) -> Change:
        r = self.rng
        kind = r.randrange(6)
        if kind == 0:
            return NewFollowUp(self.followup())
        if kind == 1:
            planned = self.followup()
            stored = self.store.followup(planned.id)
            known = stored is not None and r.random() < 0.7
            return FollowUpChange(planned, stored.status if known else r.choice(list(Status)))
        if kind == 2:
            return Conversion(self.followup())
        if kind == 3:
            return NewEnrollment(self.enrollment())
        if kind == 4:
            changed = self.enrollment()
            read = self.store.enrollment(changed.id)
            known = read is not None and r.random() < 0.7
            return EnrollmentChange(changed, read.revision if known else r.randrange(4))
        person = self.contact()
        read = self.store.contact(person.id)
        known = read is not None and r.random() < 0.7
        return ContactChange(person, read.revision if known else r.choice([0, 0, 1, 2, 3]))

    def followup(self) -> Any:
        r = self.rng
        return followup(
            f"fu_{r.randrange(8)}",
            contact_id=f"ct_{r.randrange(3)}",
            rule_id=r.choice(RULES),
            status=r.choice(PLANNED),
            at=self.moment(),
            scheduled_at=self.moment(),
            wake_at=self.maybe(self.moment()),
            dispatched_at=self.maybe(self.moment()),
            provider_message_id=self.maybe(f"wamid.{r.randrange(3)}"),
            converted_at=self.maybe(self.moment()),
        )

    def enrollment(self) -> Any:
        r = self.rng
        return enrollment(
            f"en_{r.randrange(6)}",
            contact_id=f"ct_{r.randrange(3)}",
            rule_id=r.choice(RULES),
            at=self.moment(),
            next_due_at=self.maybe(self.moment()),
            held_at=self.maybe(self.moment()),
            state=r.choice(list(EnrollmentState)),
        )

    def contact(self) -> Any:
        r = self.rng
        return contact(
            f"ct_{r.randrange(5)}",
            wa_id=self.maybe(f"62811{r.randrange(3)}"),
            user_id=self.maybe(f"ID.{r.randrange(3)}"),
            stage=r.choice(["new", "paid"]),
            created_at=self.moment(),
            last_activity_at=self.maybe(self.moment()),
            opted_out=r.random() < 0.2,
            tags=["lead"],
        )


def pages(read: Any) -> list[list[str]]:
    found, cursor = [], None
    while True:
        page = read(cursor)
        found.append([item.id for item in page.items])
        cursor = page.cursor
        if cursor is None:
            return found


def reads(store: Any) -> dict[str, Any]:
    """Everything the store answers about the ids a history uses."""
    seen: dict[str, Any] = {"heads": store.rule_heads()}
    day = T0.date()
    seen["stats"] = store.stats(day - timedelta(days=5), day + timedelta(days=5))
    seen["statuses now"] = store.statuses_now(
        day - timedelta(days=5), day + timedelta(days=5), None
    )
    for n in range(5):
        found = store.contact(f"ct_{n}")
        seen[f"contact {n}"] = (found.item, found.revision) if found else None
        seen[f"followups of {n}"] = store.followups_of(f"ct_{n}")
        seen[f"enrollments of {n}"] = [
            (v.item, v.revision) for v in store.enrollments_of(f"ct_{n}")
        ]
    for n in range(3):
        by_wa, by_user = store.contact_by_wa_id(f"62811{n}"), store.contact_by_user_id(f"ID.{n}")
        seen[f"wa {n}"] = (by_wa.item.id, by_wa.revision) if by_wa else None
        seen[f"user {n}"] = (by_user.item.id, by_user.revision) if by_user else None
    for n in range(8):
        seen[f"followup {n}"] = store.followup(f"fu_{n}")
    for n in range(6):
        found = store.enrollment(f"en_{n}")
        seen[f"enrollment {n}"] = (found.item, found.revision) if found else None
    around = (T0 - timedelta(days=1), T0 + timedelta(days=1))
    for stage in ("new", "paid"):
        seen[f"quiet {stage}"] = [
            (v.item.id, v.revision) for v in store.quiet_contacts(stage, *around)
        ]
        seen[f"stage {stage}"] = pages(lambda cursor, s=stage: store.contacts_in(s, 2, cursor))
    seen["due"] = [(v.item.id, v.revision) for v in store.due_enrollments(T0)]
    for rule_id in RULES:
        held = [v.item.id for v in store.held_enrollments(rule_id)]
        seen[f"held {rule_id}"] = (held, store.held_count(rule_id))
    for phase in Phase:
        seen[f"waiting {phase}"] = [f.id for f in store.waiting(phase, around[1])]
    week = (T0 - timedelta(days=3), T0 + timedelta(days=3))
    for query in (
        QueueQuery(*week),
        QueueQuery(*week, status=Status.QUEUED, rule_id="a"),
        QueueQuery(*week, earliest_first=True),
        QueueQuery(*around, contact_id="ct_1"),
    ):
        seen[repr(query)] = pages(lambda cursor, q=query: store.queue(q, 2, cursor))
    return seen


@pytest.mark.parametrize("seed", range(3))
def test_a_random_history_reads_the_same_from_both_stores(seed: int) -> None:
    memory = MemoryStore()
    answers = History(memory, seed).run()
    with dynamo_store() as dynamo:
        assert History(dynamo, seed).run() == answers
        expected, found = reads(memory), reads(dynamo)
    assert {key: found[key] for key in expected if found[key] != expected[key]} == {}
