"""Requests that lose a race with another writer answer 409 with a message, never a 500."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from followup.adapters.tables import RuleItem
from followup.domain.enrollment import Enrollment
from followup.domain.followup import Status
from followup.services.deps import Deps
from followup.services.inbound import record_inbound
from followup.services.ports import (
    Change,
    EnrollmentChange,
    FollowUpChange,
    NewFollowUp,
    Versioned,
)
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule


class ReplyFirst:
    """Real transactions, except that the contact's reply lands just before the first commit
    that `when(changes)` picks: a reply racing the request, made deterministic."""

    def __init__(
        self, engine: LocalEngine, wa_id: str, when: Callable[[Sequence[Change]], bool]
    ) -> None:
        self._engine, self._real, self._wa_id = engine, engine.deps.transactions, wa_id
        self._when = when
        self.raced = False

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        if not self.raced and self._when(changes):
            self.raced = True
            record_inbound(self._engine.deps, self._wa_id, "jadi daftar", self._engine.clock.now())
        self._real.commit(changes, at)


def test_send_now_racing_a_reply_before_it_is_queued_answers_409(engine: LocalEngine) -> None:
    # Given a lead, and a reply that lands between send-now's read and its commit
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000901", engine.clock.now() - timedelta(hours=2))
    racing = ReplyFirst(
        engine, lead.wa_id or "", lambda cs: any(isinstance(c, NewFollowUp) for c in cs)
    )
    deps.transactions = racing
    # When a counsellor presses "send now"
    status, answer = call(
        engine, "POST", f"/api/contacts/{lead.id}/followups", {"rule_id": "apply-remind-24h"}
    )
    # Then the request is refused with a reason, and nothing goes out
    assert racing.raced
    assert (status, answer["error"]["code"]) == (409, "kept_changing")
    assert "try again" in answer["error"]["message"]
    engine.drain()
    assert engine.sandbox.sent() == []


def test_send_now_racing_a_reply_before_it_is_dispatched_answers_409(engine: LocalEngine) -> None:
    # Given a lead, and a reply that lands after send-now queued the follow-up but before
    # it handed it to the sender
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000902", engine.clock.now() - timedelta(hours=2))

    def dispatching(changes: Sequence[Change]) -> bool:
        return any(isinstance(c, FollowUpChange) and c.followup.dispatched_at for c in changes)

    racing = ReplyFirst(engine, lead.wa_id or "", dispatching)
    deps.transactions = racing
    # When a counsellor presses "send now"
    status, answer = call(
        engine, "POST", f"/api/contacts/{lead.id}/followups", {"rule_id": "apply-remind-24h"}
    )
    # Then the reply won: the request says so, the follow-up is canceled and never sent
    assert racing.raced
    assert (status, answer["error"]["code"]) == (409, "overtaken")
    assert "replied" in answer["error"]["message"]
    [followup] = deps.followups.followups_of(lead.id)
    assert followup.status is Status.CANCELED
    engine.drain()
    assert engine.sandbox.sent() == []


class BusyEnrollment:
    """The real follow-up repository, except that every read of the enrollment is followed
    by another write to it."""

    def __init__(self, deps: Deps, enrollment_id: str) -> None:
        self._real, self._transactions = deps.followups, deps.transactions
        self._enrollment_id, self.writes = enrollment_id, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def enrollment(
        self, enrollment_id: str, *, consistent: bool = True
    ) -> Versioned[Enrollment] | None:
        found = self._real.enrollment(enrollment_id, consistent=consistent)
        if found is not None and enrollment_id == self._enrollment_id:
            again = EnrollmentChange(found.item, found.revision, found.item)
            self._transactions.commit([again], found.item.enrolled_at)
            self.writes += 1
        return found


def test_a_rule_change_that_keeps_losing_to_other_writers_answers_409(
    engine: LocalEngine,
) -> None:
    # Given a follow-up queued for the morning, whose enrollment another writer keeps moving
    deps = engine.deps
    deps.rules.save_rule(rule())
    engine.clock.advance(timedelta(hours=10))  # 19:00 in Jakarta: the send waits
    lead = quiet_contact(deps, "6281100000903", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    [queued] = deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    assert queued.enrollment_id is not None
    busy = BusyEnrollment(deps, queued.enrollment_id)
    deps.followups = busy
    # When marketing switches the rule off and cancels what is queued
    status, answer = call(
        engine, "POST", "/api/rules/apply-remind-24h/deactivate?cancel_queued=true"
    )
    # Then the request says it lost the race instead of failing with a 500
    assert busy.writes > 1
    assert (status, answer["error"]["code"]) == (409, "kept_changing")
    assert "try again" in answer["error"]["message"]


def test_an_edit_racing_another_edit_of_the_same_rule_answers_409(engine: LocalEngine) -> None:
    # Given a rule at version 1, and another edit that has just written version 2 after
    # this request read the rule's head (the head still says version 1)
    engine.deps.rules.save_rule(rule())
    other = rule(name="edited elsewhere").model_copy(update={"version": 2})
    RuleItem(other.id, "v#00002", doc=other.model_dump_json()).save()
    # When marketing saves its own edit
    edit = rule(name="edited here").model_dump(mode="json", exclude={"version"})
    status, answer = call(engine, "PUT", "/api/rules/apply-remind-24h", edit)
    # Then it is told it lost, and the rule it reads back is not a mix of both
    assert (status, answer["error"]["code"]) == (409, "kept_changing")
    assert "try again" in answer["error"]["message"]
    assert call(engine, "GET", "/api/rules/apply-remind-24h")[1]["version"] == 1
