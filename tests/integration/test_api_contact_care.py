"""Editing a contact, do-not-contact and what comes next, through the API handler on moto."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from followup.domain.enrollment import EnrollmentState
from followup.domain.rule import Rule
from followup.services.inbound import record_inbound
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact

DAY = timedelta(days=1)


def send(text: str, days: int) -> dict[str, Any]:
    """A step that sends free text inside the 24-hour window, else the approved template."""
    template = {"name": "apply_reminder", "language": "en", "params": [{"text": text}]}
    return {"wait": {"amount": days, "unit": "days"}, "text": text, "template": template}


def lead_in_a_journey(engine: LocalEngine, wa_id: str, *steps: dict[str, Any]) -> str:
    """A Jakarta lead quiet for an hour, in a journey (by default three sends a day or two
    apart) whose first send went."""
    engine.deps.rules.save_rule(
        Rule.model_validate(
            {
                "id": "unpaid",
                "name": "Unpaid",
                "trigger": {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
                "steps": list(steps) or [send("one", 0), send("two", 1), send("three", 2)],
            }
        )
    )
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(minutes=61))
    engine.tick()
    engine.clock.advance(timedelta(hours=1))  # the tick after the one that enrolled sends
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    return lead.id


def audit_actions(engine: LocalEngine) -> list[tuple[str, str, str | None, str | None]]:
    status, answer = call(engine, "GET", "/api/audit")
    assert status == 200, answer
    return [(e["action"], e["actor"], e["before"], e["after"]) for e in answer["entries"]]


def test_an_edit_changes_only_what_it_names_and_is_audited(engine: LocalEngine) -> None:
    lead = {
        "wa_id": "6281100000901",
        "name": "Dewi",
        "attributes": {"program": "Nursing", "city": "Bandung"},
        "tags": ["webinar", "scholarship"],
    }
    _, created = call(engine, "POST", "/api/contacts", lead)
    edit = {
        "attributes": {"program": "Law", "city": None, "intake": "2027"},
        "add_tags": ["visited", "webinar"],
        "remove_tags": ["scholarship"],
        "score": "hot",
    }
    status, edited = call(engine, "PATCH", f"/api/contacts/{created['id']}", edit, role="counselor")
    assert status == 200, edited
    assert edited["attributes"] == {"program": "Law", "intake": "2027"}
    assert edited["tags"] == ["webinar", "visited"]
    assert (edited["name"], edited["score"], edited["wa_id"]) == ("Dewi", "hot", "6281100000901")
    _, read = call(engine, "GET", f"/api/contacts/{created['id']}")
    assert (read["attributes"], read["tags"]) == (edited["attributes"], edited["tags"])
    [entry] = audit_actions(engine)
    assert entry[:2] == ("contact.updated", "user-counselor")
    assert (
        entry[2] == 'score: "warm"; tags: ["webinar","scholarship"]; attributes.city: "Bandung";'
        ' attributes.intake: null; attributes.program: "Nursing"'
    )


def test_an_edit_keeps_a_tag_someone_added_meanwhile(engine: LocalEngine) -> None:
    _, created = call(engine, "POST", "/api/contacts", {"wa_id": "6281100000902"})
    path = f"/api/contacts/{created['id']}"
    call(engine, "PATCH", path, {"add_tags": ["from-crm"]})
    status, edited = call(engine, "PATCH", path, {"add_tags": ["called"]}, role="counselor")
    assert (status, edited["tags"]) == (200, ["from-crm", "called"])


def test_a_bad_edit_is_refused_naming_the_field(engine: LocalEngine) -> None:
    _, created = call(engine, "POST", "/api/contacts", {"wa_id": "6281100000903"})
    path = f"/api/contacts/{created['id']}"
    refused = [
        ({"score": "boiling"}, "score"),
        ({"stage": "alumni"}, "stage"),
        ({"opted_out": False}, "opted_out"),
        ({"attributes": {"program": "x" * 1001}}, "attributes.program"),
        ({"add_tags": [""]}, "add_tags.0"),
        ({"email": "not-an-address"}, "email"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ]
    for body, field in refused:
        status, answer = call(engine, "PATCH", path, body)
        assert status == 422, (body, answer)
        assert answer["error"]["details"][0]["field"] == field, answer
    assert call(engine, "PATCH", "/api/contacts/ct_missing", {"name": "X"})[0] == 404
    assert audit_actions(engine) == []


def test_do_not_contact_stops_every_follow_up_until_an_admin_lifts_it(
    engine: LocalEngine,
) -> None:
    lead = lead_in_a_journey(engine, "6281100000904")
    status, stopped = call(engine, "POST", f"/api/contacts/{lead}/do-not-contact", role="counselor")
    assert (status, stopped["opted_out"], stopped["opted_out_by"]) == (200, True, "user-counselor")
    enrollments = engine.deps.followups.enrollments_of(lead)
    assert [e.item.state for e in enrollments] == [EnrollmentState.EXITED]
    assert [e.item.exit_reason for e in enrollments] == ["canceled_by_staff"]
    assert not [f for f in engine.deps.followups.followups_of(lead) if f.status.unsent]
    engine.clock.advance(4 * DAY)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1

    path = f"/api/contacts/{lead}/do-not-contact"
    assert call(engine, "DELETE", path, role="counselor")[0] == 403
    assert call(engine, "DELETE", path, role="marketing")[0] == 403
    status, allowed = call(engine, "DELETE", path, role="admin")
    assert (status, allowed["opted_out"], allowed["opted_out_by"]) == (200, False, None)
    assert [a[:2] for a in audit_actions(engine)] == [
        ("contact.contact_allowed", "user-admin"),
        ("contact.do_not_contact", "user-counselor"),
    ]


def test_a_contacts_own_stop_cannot_be_lifted_by_an_admin(engine: LocalEngine) -> None:
    _, created = call(engine, "POST", "/api/contacts", {"wa_id": "6281100000905"})
    path = f"/api/contacts/{created['id']}/do-not-contact"
    call(engine, "POST", path, role="counselor")
    record_inbound(engine.deps, "6281100000905", "STOP", engine.clock.now())
    status, answer = call(engine, "DELETE", path)
    assert (status, answer["error"]["code"]) == (409, "own_opt_out")
    _, read = call(engine, "GET", f"/api/contacts/{created['id']}")
    assert (read["opted_out"], read["opted_out_by"]) == (True, "contact")


def test_upcoming_lists_the_later_steps_in_the_leads_time(engine: LocalEngine) -> None:
    lead = lead_in_a_journey(engine, "6281100000906")
    status, answer = call(engine, "GET", f"/api/contacts/{lead}/upcoming", role="counselor")
    assert status == 200, answer
    steps = answer["steps"]
    assert [(s["rule_id"], s["step"], s["kind"], s["does"]) for s in steps] == [
        ("unpaid", 2, "send", "whatsapp"),
        ("unpaid", 3, "send", "whatsapp"),
    ]
    second, third = (datetime.fromisoformat(s["due"]) for s in steps)
    assert third - second == 2 * DAY
    # A day after the first step fell due (09:00 in Jakarta), inside the send window
    assert [(s["zone"], s["local"]) for s in steps] == [
        ("Asia/Jakarta", "2026-11-25T09:00:00+07:00"),
        ("Asia/Jakarta", "2026-11-27T09:00:00+07:00"),
    ]
    assert call(engine, "GET", "/api/contacts/ct_missing/upcoming")[0] == 404


def test_upcoming_waits_for_a_time_of_day_and_stops_at_a_branch(engine: LocalEngine) -> None:
    until_afternoon = {"kind": "wait", "until_time": "14:00"}
    branch = {"kind": "branch", "if": {"replied": True}, "then": 5}
    steps = [send("one", 0), send("two", 1), until_afternoon, branch, send("three", 0)]
    lead = lead_in_a_journey(engine, "6281100000907", *steps)
    _, answer = call(engine, "GET", f"/api/contacts/{lead}/upcoming")
    assert [(s["step"], s["kind"], s["does"], s["local"]) for s in answer["steps"]] == [
        (2, "send", "whatsapp", "2026-11-25T09:00:00+07:00"),
        (3, "wait", "until", "2026-11-25T14:00:00+07:00"),
        (4, "branch", "branch", "2026-11-25T14:00:00+07:00"),
    ]


def test_a_null_whatsapp_id_beside_a_user_id_is_no_server_error(engine: LocalEngine) -> None:
    body = {"wa_id": None, "user_id": "BR.1502576394655843", "name": "Ana"}
    status, created = call(engine, "POST", "/api/contacts", body)
    assert (status, created["wa_id"], created["user_id"]) == (201, None, body["user_id"])
