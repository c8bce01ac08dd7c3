"""One follow-up as its details view reads it, and the queue's send-time range."""

from __future__ import annotations

from datetime import timedelta

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import channel_step, quiet_contact, rule


def test_a_followup_reads_with_its_lead_and_its_reason_as_a_code(engine: LocalEngine) -> None:
    # Given a lead whose follow-up went out
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000801", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    _, page = call(engine, "GET", f"/api/queue?contact={lead.id}")
    [row] = page["followups"]
    # When its details are read
    status, found = call(engine, "GET", f"/api/followups/{row['id']}", role="counselor")
    # Then they name the lead, their number and zone, as the queue row does
    assert status == 200
    assert found["contact_name"] == lead.name
    assert found["contact_number"] == lead.wa_id
    assert found["zone"] == row["zone"]
    assert found["reason_code"] == row["reason_code"]
    assert found["rendered"]["kind"] == "template"
    assert found["rendered"]["template_name"]


def test_a_cancelled_followup_says_why_as_a_code(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule("second"))
    lead = quiet_contact(engine.deps, "6281100000802", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    _, page = call(engine, "GET", f"/api/queue?contact={lead.id}&status=queued")
    [row] = page["followups"]
    call(engine, "POST", "/api/queue/cancel", {"ids": [row["id"]]}, role="admin")
    _, found = call(engine, "GET", f"/api/followups/{row['id']}")
    assert found["status"] == "canceled"
    assert found["reason_code"] == "canceled_by_staff"


def test_a_followup_no_channel_could_carry_says_so_as_a_code(engine: LocalEngine) -> None:
    # Given an email-only step and a lead with no email address: no channel can reach them
    engine.deps.rules.save_rule(rule(steps=[channel_step("email")]))
    lead = quiet_contact(engine.deps, "6281100000803", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    # When the queue, the follow-up's details and the lead's timeline are read
    _, page = call(engine, "GET", f"/api/queue?contact={lead.id}")
    [row] = page["followups"]
    _, found = call(engine, "GET", f"/api/followups/{row['id']}")
    _, timeline = call(engine, "GET", f"/api/contacts/{lead.id}/timeline")
    # Then each gives the reason its own code, the channel passed over beside it
    assert row["status"] == "skipped"
    assert row["reason"] == "no channel: no_address:email"
    assert row["reason_code"] == "no_channel"
    assert found["reason_code"] == "no_channel"
    assert [f["reason_code"] for f in timeline["followups"]] == ["no_channel"]
    assert found["skipped_channels"] == ["no_address:email"]
