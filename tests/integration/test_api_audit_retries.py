"""A do-not-contact lift or a rule delete that failed midway, while the store stayed busy
(a 503), and was sent again as told: the work it started is finished, and the audit log
says once who did it, whichever write the busy store refused."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.services import rules
from followup.services.ports import Change, NewEnrollment, StoreBusy
from followup.services.settle import end_unsent
from followup_local.engine import LocalEngine
from tests.integration.test_api_contact_care import lead_in_a_journey
from tests.integration.test_api_rules import body, saturday_queue
from tests.support.api import call

HOUR = timedelta(hours=1)
RULE_PATH = "/api/rules/apply-remind-24h"


def audit_log(engine: LocalEngine) -> list[tuple[str, str, str]]:
    """The admin's audit log, newest first: action, who, what."""
    status, answer = call(engine, "GET", "/api/audit")
    assert status == 200, answer
    return [(e["action"], e["actor"], e["target"]) for e in answer["entries"]]


def sent_texts(engine: LocalEngine) -> list[str]:
    """The text of each step WhatsApp received, in order."""
    texts = []
    for request in engine.sandbox.sent():
        found = engine.deps.followups.followup(request.followup_id or "")
        assert found is not None
        texts.append(["one", "two", "three"][found.step_index])
    return texts


def do_not_contact_set(engine: LocalEngine) -> str:
    """A lead whose first step went, then a counsellor's do-not-contact; an hour later."""
    lead = lead_in_a_journey(engine, "6281100000971")
    assert call(engine, "POST", f"/api/contacts/{lead}/do-not-contact", role="counselor")[0] == 200
    engine.clock.advance(HOUR)
    return lead


def audit_busy_once(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch, action: str) -> None:
    """The store is busy the first time an entry `action` is kept in the audit log."""
    store = type(engine.deps.rules)
    add_audit, busy = store.add_audit, list[str]()

    def once(self: Any, entry: Any) -> None:
        if entry.action == action and not busy:
            busy.append(action)
            raise StoreBusy("busy")
        add_audit(self, entry)

    monkeypatch.setattr(store, "add_audit", once)


def test_a_lift_sent_again_after_the_store_refused_to_resume_the_journey_resumes_it(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead in a three-step journey whose first step went, set do-not-contact
    lead = do_not_contact_set(engine)
    # And a store busy once as the journey is resumed (that write goes in whole or not at all)
    commit, busy = engine.deps.commit, list[bool]()

    def busy_resuming(changes: Sequence[Change], at: datetime) -> None:
        if not busy and any(isinstance(c, NewEnrollment) for c in changes):
            busy.append(True)
            raise StoreBusy("busy")
        commit(changes, at)

    monkeypatch.setattr(engine.deps, "commit", busy_resuming)
    # When an admin lifts it, is told 503, and sends the lift again, as told
    path = f"/api/contacts/{lead}/do-not-contact"
    status, answer = call(engine, "DELETE", path)
    assert status == 503, answer
    status, allowed = call(engine, "DELETE", path)
    assert (status, allowed["opted_out"]) == (200, False)
    engine.ticks(3 * 24, every=HOUR)
    # Then the journey goes on from where it stood, as after a lift that did not fail
    assert sent_texts(engine) == ["one", "two", "three"]
    # And the audit log says once who lifted it
    assert [a for a in audit_log(engine) if a[0] == "contact.contact_allowed"] == [
        ("contact.contact_allowed", "user-admin", lead)
    ]


def test_a_lift_whose_audit_entry_the_busy_store_refused_is_audited_when_sent_again(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead set do-not-contact, and a store busy once as the lift is audited
    lead = do_not_contact_set(engine)
    audit_busy_once(engine, monkeypatch, "contact.contact_allowed")
    # When an admin lifts it, is told 503, and sends the lift again, as told
    path = f"/api/contacts/{lead}/do-not-contact"
    assert call(engine, "DELETE", path)[0] == 503
    assert call(engine, "DELETE", path)[0] == 200
    # And sends it once more (its answer was lost)
    assert call(engine, "DELETE", path)[0] == 200
    # Then the audit log says, once, who lifted it
    assert audit_log(engine) == [
        ("contact.contact_allowed", "user-admin", lead),
        ("contact.do_not_contact", "user-counselor", lead),
    ]


def test_lifting_a_do_not_contact_nobody_set_is_never_audited(engine: LocalEngine) -> None:
    # Given a lead nobody set do-not-contact on
    lead = lead_in_a_journey(engine, "6281100000972")
    # When an admin lifts a do-not-contact anyway
    status, allowed = call(engine, "DELETE", f"/api/contacts/{lead}/do-not-contact")
    # Then nothing changes, and nothing is audited
    assert (status, allowed["opted_out"]) == (200, False)
    assert audit_log(engine) == []


def test_a_rule_delete_that_fails_midway_while_the_store_stays_busy_is_audited_once(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule with a follow-up queued
    saturday_queue(engine)
    store = type(engine.deps.rules)
    real_head = store.rule_head
    busy: list[str] = []

    def head(self: Any, rule_id: str) -> Any:
        if busy == ["cancel"]:  # the store still busy a moment later
            busy.append("head")
            raise StoreBusy("busy")
        return real_head(self, rule_id)

    def cancel(*args: Any, **kwargs: Any) -> Any:
        if not busy:  # busy as the queue is swept, after the rule was deleted
            busy.append("cancel")
            raise StoreBusy("busy")
        return end_unsent(*args, **kwargs)

    monkeypatch.setattr(store, "rule_head", head)
    monkeypatch.setattr(rules, "end_unsent", cancel)
    # When an admin deletes the rule, is told 503, and sends it again, as told
    status, answer = call(engine, "DELETE", RULE_PATH)
    assert status == 503, answer
    status, deleted = call(engine, "DELETE", RULE_PATH)
    assert (status, deleted["canceled"]) == (200, 1)
    # And once more (its answer was lost)
    assert call(engine, "DELETE", RULE_PATH)[0] == 200
    # Then the audit log says, once, who deleted the rule
    assert [a for a in audit_log(engine) if a[0] == "rule.deleted"] == [
        ("rule.deleted", "user-admin", "apply-remind-24h")
    ]


def test_a_rule_delete_whose_audit_entry_the_busy_store_refused_is_audited_when_sent_again(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule with a follow-up queued, and a store busy once as its delete is audited
    saturday_queue(engine)
    audit_busy_once(engine, monkeypatch, "rule.deleted")
    # When an admin deletes the rule, is told 503, and sends it again, twice
    assert call(engine, "DELETE", RULE_PATH)[0] == 503
    assert call(engine, "DELETE", RULE_PATH)[0] == 200
    assert call(engine, "DELETE", RULE_PATH)[0] == 200
    # Then the audit log says, once, who deleted the rule
    assert [a for a in audit_log(engine) if a[0] == "rule.deleted"] == [
        ("rule.deleted", "user-admin", "apply-remind-24h")
    ]


def test_a_rule_deleted_again_after_its_id_was_refused_to_a_new_rule_is_audited_once(
    engine: LocalEngine,
) -> None:
    # Given a rule deleted, and a new rule refused its id
    saturday_queue(engine)
    assert call(engine, "DELETE", RULE_PATH)[0] == 200
    assert call(engine, "POST", "/api/rules", body())[0] == 409
    # When an admin deletes it again
    assert call(engine, "DELETE", RULE_PATH)[0] == 200
    # Then the audit log has its creation and its one delete
    actions = [a for a, _, target in audit_log(engine) if target == "apply-remind-24h"]
    assert actions == ["rule.deleted", "rule.created"]
