"""POST /api/rules/{id}/dry-run: the timeline a rule would play for a contact, sending and
storing nothing."""

from __future__ import annotations

from datetime import timedelta

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

RULE = "apply-remind-24h"


def test_a_dry_run_for_a_real_contact_shows_the_send_and_changes_nothing(
    engine: LocalEngine,
) -> None:
    # Given a lead who wrote 20 hours ago, and the 24 h reminder (switched off)
    call(engine, "POST", "/api/rules", rule(RULE, active=False).model_dump(mode="json"))
    lead = quiet_contact(engine.deps, "6281100000891", engine.clock.now() - timedelta(hours=20))
    before = engine.deps.contacts.contact(lead.id)
    # When marketing plays the rule for them
    status, answer = call(
        engine, "POST", f"/api/rules/{RULE}/dry-run", {"contact_id": lead.id, "days": 7}
    )
    # Then the timeline shows the reminder in four hours, in the lead's zone: the 24 h
    # window has closed by then, so it is the approved template
    assert status == 200
    assert answer["zone"] == "Asia/Jakarta"
    [send] = [entry for entry in answer["timeline"] if entry["kind"] == "send"]
    assert send["local"] == "Tue 2026-11-24 13:00"
    assert send["message"]["template_name"] == "apply_reminder"
    assert send["message"]["params"] == ["Rudi"]
    # And nothing was sent, queued or changed for real
    engine.tick()
    assert engine.sandbox.requests == []
    assert engine.deps.followups.followups_of(lead.id) == []
    assert engine.deps.contacts.contact(lead.id) == before


def test_a_dry_run_is_refused_clearly_for_bad_requests(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/rules", rule(RULE).model_dump(mode="json"))
    both = {"contact_id": "ct_x", "contact": {"name": "Test"}}
    assert call(engine, "POST", f"/api/rules/{RULE}/dry-run", both)[0] == 422
    status, answer = call(engine, "POST", f"/api/rules/{RULE}/dry-run", {"contact_id": "ct_x"})
    assert (status, answer["error"]["code"]) == (404, "not_found")
    assert call(engine, "POST", "/api/rules/no-such-rule/dry-run", {"contact": {}})[0] == 404
    too_long = {"contact": {}, "days": 401}
    status, answer = call(engine, "POST", f"/api/rules/{RULE}/dry-run", too_long)
    assert status == 422
    assert "days" in str(answer["error"]["details"])
    # The contact's last message at the calendar's edge, as its `start` beside it
    for edge in ("9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00"):
        body = {"contact": {"name": "Ann", "last_message_at": edge}}
        status, answer = call(engine, "POST", f"/api/rules/{RULE}/dry-run", body)
        assert status == 422
        assert [d["field"] for d in answer["error"]["details"]] == ["contact.last_message_at"]


def test_a_placeholder_names_an_attribute_as_it_is_stored_with_its_spaces(
    engine: LocalEngine,
) -> None:
    # Given a rule whose SMS names the attribute a CSV column `attr.my program` gave leads
    text = "Hi {first_name|there}, {attributes.my program|our programmes} starts soon"
    step = {"wait": {"amount": 0, "unit": "minutes"}, "channel": "sms", "text": text}
    status, saved = call(
        engine, "POST", "/api/rules", rule(RULE, steps=[step]).model_dump(mode="json")
    )
    assert status == 201, saved
    assert saved["warnings"] == []
    # When marketing plays it for a lead with that attribute
    lead = {"name": "Siti Aminah", "attributes": {"my program": "MBA"}}
    status, answer = call(engine, "POST", f"/api/rules/{RULE}/dry-run", {"contact": lead})
    # Then the lead would read the programme, not the braces
    assert status == 200, answer
    [send] = [entry for entry in answer["timeline"] if entry["kind"] == "send"]
    assert send["message"]["text"] == "Hi Siti, MBA starts soon"
