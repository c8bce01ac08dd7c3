"""The audit log names who changed a contact, whichever route changed it and whatever
someone else did meanwhile; a caller without the role is told 403 before the request is
read."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from followup.services import audit, contact_edits, contacts, do_not_contact
from followup.services.contacts import update_contact
from followup.services.ports import StoreBusy
from followup.services.settle import end_enrollment
from followup_local.engine import LocalEngine
from tests.integration.test_api_contact_care import lead_in_a_journey
from tests.support.api import call

OPENAPI = Path(__file__).parents[2] / "docs" / "openapi.json"


def audit_entries(engine: LocalEngine) -> list[dict[str, Any]]:
    status, answer = call(engine, "GET", "/api/audit")
    assert status == 200, answer
    return list(answer["entries"])


def test_a_contact_edited_through_the_upsert_route_is_in_the_audit_log(
    engine: LocalEngine,
) -> None:
    # Given a lead the CRM created (warm, stage "new")
    lead = {"wa_id": "6281100000911", "name": "Dewi"}
    status, created = call(engine, "POST", "/api/contacts", lead)
    assert status == 201, created
    # When a counsellor changes the lead's score, name and tags through POST /api/contacts
    status, edited = call(
        engine,
        "POST",
        "/api/contacts",
        {"wa_id": "6281100000911", "name": "Dewi S.", "score": "hot", "tags": ["vip"]},
        role="counselor",
    )
    assert (status, edited["score"], edited["name"]) == (200, "hot", "Dewi S.")
    # And sends the same again, which changes nothing
    again = {"wa_id": "6281100000911", "score": "hot"}
    assert call(engine, "POST", "/api/contacts", again, role="counselor")[0] == 200
    # Then the admin's audit log says who changed the contact and how, as it does for PATCH
    assert [
        (e["action"], e["actor"], e["target"], e["before"], e["after"])
        for e in audit_entries(engine)
    ] == [
        (
            "contact.updated",
            "user-counselor",
            created["id"],
            'name: "Dewi"; score: "warm"; tags: []',
            'name: "Dewi S."; score: "hot"; tags: ["vip"]',
        )
    ]


def test_an_edit_made_meanwhile_by_someone_else_stays_in_their_name(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead (warm, named Dewi)
    _, created = call(engine, "POST", "/api/contacts", {"wa_id": "6281100000912", "name": "Dewi"})
    lead = created["id"]
    raced: list[bool] = []

    def marketing_edits_first(deps: Any, contact_id: str, change: Any, at: Any) -> Any:
        # Another API instance handles marketing's PATCH {"score": "hot"} between the
        # counsellor's first read of the contact and the counsellor's write.
        if not raced:
            raced.append(True)
            before, after = contact_edits.edit_contact(
                deps, contact_id, contact_edits.Edit({"score": "hot"})
            )
            was, now = contact_edits.summary(before, after)
            audit.record(deps, "user-marketing", "contact.updated", contact_id, was, now)
        return update_contact(deps, contact_id, change, at)

    monkeypatch.setattr(contacts, "update_contact", marketing_edits_first)
    # When the counsellor renames the lead (and only that)
    status, edited = call(
        engine, "PATCH", f"/api/contacts/{lead}", {"name": "Dewi S."}, role="counselor"
    )
    assert (status, edited["name"], edited["score"]) == (200, "Dewi S.", "hot")
    # Then the counsellor's audit entry names only the rename; the score is marketing's
    by_actor = {e["actor"]: (e["before"], e["after"]) for e in audit_entries(engine)}
    assert by_actor == {
        "user-marketing": ('score: "warm"', 'score: "hot"'),
        "user-counselor": ('name: "Dewi"', 'name: "Dewi S."'),
    }


def test_a_counsellor_is_told_forbidden_not_how_to_fix_an_admin_only_request(
    engine: LocalEngine,
) -> None:
    # When a counsellor sends admin-only requests with bodies the routes would refuse
    status, answer = call(engine, "PUT", "/api/settings", {"paused": "maybe"}, role="counselor")
    # Then each is told it needs another role, not how to fix the body ("the wrong role 403")
    assert (status, answer["error"]["code"]) == (403, "forbidden"), answer
    status, answer = call(engine, "POST", "/api/rules", {"id": "x"}, role="counselor")
    assert (status, answer["error"]["code"]) == (403, "forbidden"), answer
    # And a query parameter the route does not take does not change that
    status, answer = call(engine, "GET", "/api/audit?limt=5", role="counselor")
    assert (status, answer["error"]["code"]) == (403, "forbidden"), answer
    # While an admin sending the same is told what is wrong with it
    assert call(engine, "PUT", "/api/settings", {"paused": "maybe"})[0] == 422
    assert call(engine, "GET", "/api/audit?limt=5")[0] == 422


def test_every_admin_route_tells_a_caller_without_identity_to_sign_in_first(
    engine: LocalEngine,
) -> None:
    # Given every operation the API describes, asked with a query parameter no route takes
    # and without the body the operation needs
    paths = json.loads(OPENAPI.read_text())["paths"]
    operations = [
        (method.upper(), re.sub(r"\{[^}]+\}", "x1", path))
        for path, described in paths.items()
        for method in described
        if path.startswith("/api/")
    ]
    assert len(operations) > 40
    # When someone not signed in sends each
    answered = {(m, p): call(engine, m, f"{p}?nosuch=1", role=None) for m, p in operations}
    # Then each is told to sign in first, not what is wrong with the request
    assert {
        operation: (status, answer["error"]["code"])
        for operation, (status, answer) in answered.items()
        if status != 401
    } == {}


def test_a_do_not_contact_sent_again_after_a_busy_store_is_audited(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead in a journey, and a store busy once while its journeys are ended
    lead = lead_in_a_journey(engine, "6281100000913")
    busy: list[bool] = []

    def busy_once(*args: Any, **kwargs: Any) -> Any:
        if not busy:
            busy.append(True)
            raise StoreBusy("enrollment")
        return end_enrollment(*args, **kwargs)

    monkeypatch.setattr(do_not_contact, "end_enrollment", busy_once)
    path = f"/api/contacts/{lead}/do-not-contact"
    # When a counsellor sets do-not-contact and is told 503, send it again
    status, answer = call(engine, "POST", path, role="counselor")
    assert status == 503, answer
    # And sends it again, as told, and it succeeds
    status, stopped = call(engine, "POST", path, role="counselor")
    assert (status, stopped["opted_out"]) == (200, True)
    # Then the audit log says, once, who set do-not-contact
    assert [(e["action"], e["actor"], e["before"], e["after"]) for e in audit_entries(engine)] == [
        ("contact.do_not_contact", "user-counselor", "allowed", "do not contact")
    ]


def test_resuming_a_number_is_audited_only_when_it_was_paused(engine: LocalEngine) -> None:
    from followup_local.envelopes import BUSINESS_NUMBER
    from tests.support.numbers import flagged

    number = BUSINESS_NUMBER["phone_number_id"]
    path = f"/api/numbers/{number}/resume"
    # Given a number running: resuming it answers, and changes nothing in the log
    assert call(engine, "POST", path)[0] == 200
    assert [e["action"] for e in audit_entries(engine)] == []
    # When WhatsApp flags it, and an admin resumes it
    assert engine.deliver(flagged(BUSINESS_NUMBER)) == 200
    assert call(engine, "POST", path)[0] == 200
    # Then that resume is in the log, once
    resumed = [(e["action"], e["before"], e["after"]) for e in audit_entries(engine)]
    assert resumed == [("number.resumed", "paused", "resumed")]
