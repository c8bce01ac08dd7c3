"""Send now: a counsellor's manual send, through the services on the in-memory store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.errors import Conflict
from followup.domain.followup import Status
from followup.services.manual import OptedOut, send_now
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule


def test_send_now_goes_to_the_sender_at_once(engine: MemoryEngine) -> None:
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


def test_send_now_still_respects_business_hours(engine: MemoryEngine) -> None:
    deps = engine.deps
    deps.rules.save_rule(rule())
    engine.clock.advance(timedelta(hours=10))  # 19:00 in Jakarta
    lead = quiet_contact(deps, "6281100000302", engine.clock.now() - timedelta(hours=1))
    followup = send_now(deps, lead.id, "apply-remind-24h")
    assert followup.status is Status.QUEUED
    assert followup.scheduled_at == engine.clock.now() + timedelta(hours=13)  # 08:00 next day
    engine.drain()
    assert engine.sandbox.sent() == []


def test_send_now_refuses_opted_out_contacts_and_a_second_pending_one(engine: MemoryEngine) -> None:
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


def test_send_now_pressed_again_after_a_send_that_failed_tries_again(
    engine: MemoryEngine,
) -> None:
    # Given a counsellor's send now that WhatsApp refused for good (a bad parameter)
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000305", engine.clock.now() - timedelta(hours=1))
    engine.sandbox.record_inbound(lead.wa_id or "", engine.clock.now() - timedelta(hours=1))
    engine.sandbox.fail_next(status=400, code=131008)
    first = send_now(deps, lead.id, "apply-remind-24h")
    engine.drain()
    failed = deps.followups.followup(first.id)
    assert failed is not None
    assert failed.status is Status.FAILED
    # When the counsellor presses it again, in the same silence
    again = send_now(deps, lead.id, "apply-remind-24h")
    engine.drain()
    # Then it is a new try, and this one goes
    assert again.id != first.id
    assert len(engine.sandbox.sent()) == 1
    # And pressing once more sends nothing more
    assert send_now(deps, lead.id, "apply-remind-24h").id == again.id
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
