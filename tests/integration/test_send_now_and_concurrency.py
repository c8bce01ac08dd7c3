"""Send now, and concurrent sends within one SQS batch."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.adapters.whatsapp import D360Client
from followup.domain.errors import Conflict
from followup.domain.followup import Status
from followup.services.manual import OptedOut, send_now
from followup_local.engine import LOCAL_API_KEY, LocalEngine
from tests.support.builders import quiet_contact, rule


def test_send_now_goes_to_the_sender_at_once(engine: LocalEngine) -> None:
    # Given a lead who wrote an hour ago (no rule would fire yet)
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000301", engine.clock.now() - timedelta(hours=1))
    engine.sandbox.record_inbound(lead.wa_id or "", engine.clock.now() - timedelta(hours=1))
    # When a counsellor presses "send now"
    followup = send_now(deps, lead.id, "apply-remind-24h")
    # Then it is already on SQS: the sender delivers it without waiting for a tick
    engine.drain()
    [request] = engine.sandbox.sent()
    assert request.followup_id == followup.id
    assert request.body is not None
    assert request.body["type"] == "text"
    # And pressing it again in the same silence sends nothing more
    again = send_now(deps, lead.id, "apply-remind-24h")
    assert again.id == followup.id
    engine.drain()
    assert len(engine.sandbox.sent()) == 1


def test_send_now_still_respects_business_hours(engine: LocalEngine) -> None:
    deps = engine.deps
    deps.rules.save_rule(rule())
    engine.clock.advance(timedelta(hours=10))  # 19:00 in Jakarta
    lead = quiet_contact(deps, "6281100000302", engine.clock.now() - timedelta(hours=1))
    followup = send_now(deps, lead.id, "apply-remind-24h")
    assert followup.status is Status.QUEUED
    assert followup.scheduled_at == engine.clock.now() + timedelta(hours=13)  # 08:00 next day
    engine.drain()
    assert engine.sandbox.sent() == []


def test_send_now_refuses_opted_out_contacts_and_a_second_pending_one(engine: LocalEngine) -> None:
    deps = engine.deps
    deps.rules.save_rule(rule())
    deps.rules.save_rule(rule("other-rule"))
    stopped = quiet_contact(deps, "6281100000303", engine.clock.now(), opted_out=True)
    with pytest.raises(OptedOut):
        send_now(deps, stopped.id, "apply-remind-24h")
    engine.clock.advance(timedelta(hours=10))  # after hours: the first one waits
    lead = quiet_contact(deps, "6281100000304", engine.clock.now())
    send_now(deps, lead.id, "apply-remind-24h")
    with pytest.raises(Conflict):
        send_now(deps, lead.id, "other-rule")


def test_sends_in_one_batch_run_concurrently(engine: LocalEngine) -> None:
    # Given ten due leads and a provider that answers no send before ten wait together
    deps = engine.deps
    deps.rules.save_rule(rule())
    leads = [
        quiet_contact(deps, f"62811000004{n:02d}", engine.clock.now() - timedelta(hours=25))
        for n in range(10)
    ]
    gate = engine.sandbox.hold_answers(until=10)
    # (a client that waits longer than the gate's patience, so only the gate can give up)
    with D360Client(engine.sandbox.base_url, LOCAL_API_KEY, timeout=60) as patient:
        deps.whatsapp = patient
        # When one tick sends them (one SQS batch of ten)
        engine.tick()
    # Then all went out, the ten calls in flight at once rather than one after another
    assert len(engine.sandbox.sent()) == 10
    assert gate.most_waiting == 10
    assert gate.gave_up == 0
    assert [[f.status for f in deps.followups.followups_of(lead.id)] for lead in leads] == [
        [Status.SENT]
    ] * 10
