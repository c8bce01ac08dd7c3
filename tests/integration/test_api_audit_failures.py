"""The audit log keeps a change whose work after it failed midway (a busy store, a 503):
the admin sends the request again, as told, and the change is in the log once."""

from __future__ import annotations

from typing import Any

import pytest

from followup.domain.followup import Status
from followup.services import do_not_contact, rules
from followup.services.late import enroll_late
from followup.services.ports import StoreBusy
from followup.services.settle import end_unsent
from followup_local.engine import LocalEngine
from tests.integration.test_api_contact_care import lead_in_a_journey
from tests.integration.test_api_rules import saturday_queue
from tests.support.api import call


def audit_log(engine: LocalEngine) -> list[tuple[str, str, str, str | None]]:
    """The admin's audit log, newest first: action, who, what, and what it became."""
    status, answer = call(engine, "GET", "/api/audit")
    assert status == 200, answer
    return [(e["action"], e["actor"], e["target"], e["after"]) for e in answer["entries"]]


def busy_once(monkeypatch: pytest.MonkeyPatch, module: object, name: str, work: Any) -> None:
    """The store is busy the first time `module` does `work` (`name` there), fine after."""
    busy: list[bool] = []

    def once(*args: Any, **kwargs: Any) -> Any:
        if not busy:
            busy.append(True)
            raise StoreBusy("busy")
        return work(*args, **kwargs)

    monkeypatch.setattr(module, name, once)


def test_a_do_not_contact_lifted_again_after_a_busy_store_is_audited_once(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead in a journey a counsellor set do-not-contact on
    lead = lead_in_a_journey(engine, "6281100000941")
    path = f"/api/contacts/{lead}/do-not-contact"
    assert call(engine, "POST", path, role="counselor")[0] == 200
    # And a store busy once with what follows the lift
    busy_once(monkeypatch, do_not_contact, "enroll_late", enroll_late)
    # When an admin lifts it and is told 503, then sends it again, as told
    status, answer = call(engine, "DELETE", path)
    assert status == 503, answer
    status, allowed = call(engine, "DELETE", path)
    assert (status, allowed["opted_out"]) == (200, False)
    # Then the audit log says, once, who lifted it
    assert audit_log(engine) == [
        ("contact.contact_allowed", "user-admin", lead, "allowed"),
        ("contact.do_not_contact", "user-counselor", lead, "do not contact"),
    ]


def test_a_lift_sent_twice_is_audited_once(engine: LocalEngine) -> None:
    # Given a lead a counsellor set do-not-contact on
    lead = lead_in_a_journey(engine, "6281100000942")
    path = f"/api/contacts/{lead}/do-not-contact"
    assert call(engine, "POST", path, role="counselor")[0] == 200
    # When an admin lifts it, and the same request comes again (its answer was lost)
    assert call(engine, "DELETE", path)[0] == 200
    assert call(engine, "DELETE", path)[0] == 200
    # Then the lift is in the audit log once
    actions = [action for action, *_ in audit_log(engine)]
    assert actions == ["contact.contact_allowed", "contact.do_not_contact"]


def test_a_rule_deleted_again_after_a_busy_store_is_audited_once_and_its_queue_canceled(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule with a follow-up queued, and a store busy once as the queue is swept
    lead = saturday_queue(engine)
    busy_once(monkeypatch, rules, "end_unsent", end_unsent)
    path = "/api/rules/apply-remind-24h"
    # When an admin deletes the rule and is told 503, then sends it again, as told
    status, answer = call(engine, "DELETE", path)
    assert status == 503, answer
    status, deleted = call(engine, "DELETE", path)
    # Then the delete finishes: its queued follow-up is canceled
    assert (status, deleted) == (200, {"deleted": "apply-remind-24h", "canceled": 1})
    [followup] = engine.deps.followups.followups_of(lead)
    assert (followup.status, followup.reason) == (Status.CANCELED, "rule_deleted")
    # And the audit log says once who deleted the rule, and that its canceling stopped
    deletes = [a for a in audit_log(engine) if a[0] == "rule.deleted"]
    assert deletes == [
        ("rule.deleted", "user-admin", "apply-remind-24h", "queued canceling stopped midway")
    ]


def test_a_rule_deleted_twice_is_audited_once(engine: LocalEngine) -> None:
    # Given a rule with a follow-up queued, deleted by an admin
    saturday_queue(engine)
    path = "/api/rules/apply-remind-24h"
    assert call(engine, "DELETE", path) == (200, {"deleted": "apply-remind-24h", "canceled": 1})
    # When the same request comes again (its answer was lost)
    status, again = call(engine, "DELETE", path)
    # Then it answers as done, cancels nothing more, and the log has the delete once
    assert (status, again) == (200, {"deleted": "apply-remind-24h", "canceled": 0})
    deletes = [a for a in audit_log(engine) if a[0] == "rule.deleted"]
    assert deletes == [("rule.deleted", "user-admin", "apply-remind-24h", "1 queued canceled")]


def test_deleting_a_rule_that_never_was_is_still_not_found(engine: LocalEngine) -> None:
    # When an admin deletes a rule nobody created
    status, answer = call(engine, "DELETE", "/api/rules/never-was")
    # Then it is not found, and nothing is audited
    assert (status, answer["error"]["code"]) == (404, "not_found")
    assert audit_log(engine) == []
