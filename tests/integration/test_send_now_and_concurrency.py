"""Concurrent sends within one SQS batch, through the sender handler."""

from __future__ import annotations

from datetime import timedelta

from followup.adapters.whatsapp import D360Client
from followup.domain.followup import Status
from followup_local.engine import LOCAL_API_KEY, LocalEngine
from tests.support.builders import quiet_contact, rule


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
