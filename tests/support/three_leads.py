"""A rule's approved template sent to three leads, and what its Stats page then counts:
the setting of the tests that race a lead's reply, STOP or conversion against WhatsApp's
statuses about the message."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.adapters.whatsapp_webhook import parse
from followup.domain.followup import FollowUp, Status
from followup.services import webhook
from followup.services.stats import PeriodStats, cost_figures, flags
from followup_local import envelopes
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_contact, rule

Engine = MemoryEngine | LocalEngine

RULE = "apply-remind-24h"
LEADS = ("6281100000571", "6281100000572", "6281100000573")
HOUR = timedelta(hours=1)
MARKETING = {"billable": True, "category": "marketing", "type": "regular"}


def sent_to_three(engine: Engine) -> list[FollowUp]:
    """The rule's approved template sent to three leads quiet for 25 h, judged for opt-outs
    from three sends on."""
    saved = rule()
    engine.deps.rules.save_rule(saved)
    engine.sandbox.templates.approve_all([saved])
    settings = engine.deps.rules.settings()
    review = settings.review.model_copy(update={"min_opt_out_sample": 3})
    engine.deps.rules.save_settings(settings.model_copy(update={"review": review}))
    engine.deps.catalog.invalidate()
    leads = [quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR) for wa_id in LEADS]
    engine.tick()
    found = [f for lead in leads for f in engine.deps.followups.followups_of(lead.id)]
    assert [f.status for f in found] == [Status.SENT] * 3
    return found


def writes(engine: Engine, text: str, message_id: str | None = None) -> str:
    """The first lead writes `text`, 10 s later (or delivered again: `message_id`'s)."""
    at = engine.clock.advance(timedelta(seconds=10))
    message_id = message_id or f"wamid.IN{int(at.timestamp())}"
    assert engine.deliver(envelopes.text_message(LEADS[0], text, at, message_id)) == 200
    return message_id


def counted(engine: Engine) -> Counter[str]:
    """The rule's counters since the sends, as the Stats page adds them."""
    engine.pump_stream()
    total: Counter[str] = Counter()
    for day in engine.deps.stats.stats(TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()):
        if day.rule_id == RULE:
            total.update(day.counts)
    return total


def stats_page(engine: Engine) -> dict[str, Any]:
    """The rule's row since the sends: counts, rates and flags, as the Stats page shows."""
    total = counted(engine)
    row = PeriodStats(counts=dict(total))
    return {
        "sent": row.sent,
        "responded": total["responded"],
        "opted_out": total["opted_out"],
        "opt_out_rate": pytest.approx(row.opt_out_rate),
        "flags": flags(row, engine.deps.catalog.settings().review),
    }


def current(engine: Engine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def messaging_cost(engine: Engine) -> float:
    """What the rule's messages cost since the sends, as the Stats page shows it."""
    return float(cost_figures(dict(counted(engine)))["messaging_cost_usd"])


def status_of(
    followup: FollowUp, state: str, at: datetime, pricing: dict[str, Any] | None = MARKETING
) -> dict[str, Any]:
    """WhatsApp's `state` status about `followup`'s message to the first lead, stamped
    `at`, priced as marketing unless `pricing` says otherwise."""
    wamid = followup.provider_message_id or ""
    return envelopes.status(wamid, state, at, LEADS[0], followup.id, pricing)


def heard(engine: Engine, status: dict[str, Any], at: datetime) -> webhook.Applied:
    """`status` as the webhook applies it, received `at`."""
    return webhook.apply(engine.deps, parse(json.dumps(status).encode(), at), at)
