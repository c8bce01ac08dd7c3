"""A rule's `max_sends` caps the steps' messages a journey sends a lead: a step's message
counts once whichever channels carried it (an SMS after no reply to its WhatsApp message,
an SMS in place of a WhatsApp message reported undeliverable, the step sent again after a
reported rate limit), as the Stats page counts it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Status
from followup.domain.ids import resend_followup_id
from followup.domain.settings import FrequencyCap
from followup_local.memory_engine import MemoryEngine
from tests.service.test_webhook_order import failed_status
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

RUDI = "6281100000561"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
NO_REPLY = {"no_reply_within": {"amount": 24, "unit": "hours"}}


def step(wait_days: int, fallbacks: list[str], **fallback_when: Any) -> dict[str, Any]:
    """A WhatsApp step `wait_days` after the one before, going on to `fallbacks`."""
    return {
        "wait": {"amount": wait_days, "unit": "days"},
        "channel": "whatsapp",
        "fallbacks": fallbacks,
        "fallback_when": fallback_when,
        "text": "Hi {first_name|there}, still thinking about applying?",
        "template": rule().steps[0].model_dump(mode="json")["template"],
    }


def started(
    engine: MemoryEngine, max_sends: int, *steps: dict[str, Any], **overrides: Any
) -> FollowUp:
    """Rudi's journey in a rule of `steps` capped at `max_sends` (and as `overrides` say),
    its first step sent by WhatsApp; the workspace's own caps leave room for every message."""
    settings = engine.deps.rules.settings()
    gating = settings.gating.model_copy(
        update={"frequency_cap": FrequencyCap(max_sends=10), "cold_max_followups": 10}
    )
    engine.deps.rules.save_settings(settings.model_copy(update={"gating": gating}))
    engine.deps.rules.save_rule(rule(steps=list(steps), max_sends=max_sends, **overrides))
    engine.sandbox.templates.approve_all([rule()])
    lead = quiet_contact(engine.deps, RUDI, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    return followup


def whatsapp_to_rudi(engine: MemoryEngine) -> int:
    return len([r for r in engine.sandbox.sent() if r.body and r.body.get("to") == RUDI])


def journey(engine: MemoryEngine, followup: FollowUp) -> Enrollment:
    assert followup.enrollment_id is not None
    found = engine.deps.followups.enrollment(followup.enrollment_id)
    assert found is not None
    return found.item


def reported_failed(engine: MemoryEngine, followup: FollowUp, code: int) -> None:
    """WhatsApp reports `followup` failed with `code`, 30 s after taking it."""
    engine.clock.advance(timedelta(seconds=30))
    assert engine.deliver(failed_status(followup, engine.clock.now(), code=code)) == 200


@pytest.mark.parametrize(
    "fallback_when", [NO_REPLY, {"undeliverable": False, **NO_REPLY}], ids=["both", "no_reply"]
)
def test_a_step_sent_again_by_sms_for_no_reply_counts_one_of_max_sends(
    engine: MemoryEngine, outbox: Outbox, fallback_when: dict[str, Any]
) -> None:
    # Given a two-step journey capped at two messages, whose first step goes on by SMS
    # when no reply comes within a day, sent to Rudi by WhatsApp
    first = started(engine, 2, step(0, ["sms"], **fallback_when), step(1, []))
    # When no reply comes: the step goes on by SMS, and a day later the second step is due
    engine.ticks(26, every=HOUR)
    assert len(outbox.sent) == 1
    engine.ticks(25, every=HOUR)
    # Then the second step went too: the first step's message counted once
    assert whatsapp_to_rudi(engine) == 2
    ended = journey(engine, first)
    assert (ended.sends, ended.state, ended.exit_reason) == (
        2,
        EnrollmentState.COMPLETED,
        "max_sends",
    )


@pytest.mark.parametrize("fallback_when", [{}, NO_REPLY], ids=["undeliverable", "both"])
def test_a_step_sent_by_sms_in_place_of_an_undeliverable_whatsapp_counts_one_of_max_sends(
    engine: MemoryEngine, outbox: Outbox, fallback_when: dict[str, Any]
) -> None:
    # Given a two-step journey capped at two messages, whose first step goes by SMS when
    # WhatsApp cannot deliver it (and, or not, when no reply comes within a day)
    first = started(engine, 2, step(0, ["sms"], **fallback_when), step(1, []))
    # When WhatsApp reports it undeliverable, the step goes by SMS, and the second step
    # comes due
    reported_failed(engine, first, 131026)
    engine.ticks(26, every=HOUR)
    assert len(outbox.sent) == 1
    # Then the second step went too: the first step's message counted once
    assert whatsapp_to_rudi(engine) == 2
    assert journey(engine, first).state is EnrollmentState.COMPLETED
    assert journey(engine, first).sends == 2


def test_a_step_sent_again_after_a_reported_rate_limit_counts_one_of_max_sends(
    engine: MemoryEngine,
) -> None:
    # Given a two-step journey capped at two messages, its first step sent to Rudi
    first = started(engine, 2, step(0, []), step(1, []))
    # When WhatsApp reports a rate limit met after taking it: the step goes again
    reported_failed(engine, first, 131056)
    engine.ticks(1, every=HOUR)
    again = engine.deps.followups.followup(resend_followup_id(first.id))
    assert again is not None
    assert again.status is Status.SENT
    # Then the second step goes a day later: the first step's message counted once
    engine.ticks(25, every=HOUR)
    assert whatsapp_to_rudi(engine) == 3
    assert journey(engine, first).sends == 2


@pytest.mark.parametrize("undeliverable", [False, True])
def test_a_journey_capped_at_one_message_still_sends_its_step_by_sms(
    engine: MemoryEngine, outbox: Outbox, undeliverable: bool
) -> None:
    # Given a two-step journey capped at one message, whose first step goes by SMS when
    # WhatsApp cannot deliver it or no reply comes within a day, sent to Rudi by WhatsApp
    first = started(engine, 1, step(0, ["sms"], **NO_REPLY), step(1, []))
    # When no reply comes (or WhatsApp reports the message undeliverable), and days pass
    if undeliverable:
        reported_failed(engine, first, 131026)
    engine.ticks(72, every=HOUR)
    # Then the step's one message went on by SMS, and the journey ended there
    assert len(outbox.sent) == 1
    assert whatsapp_to_rudi(engine) == 1
    ended = journey(engine, first)
    assert (ended.sends, ended.state, ended.exit_reason) == (
        1,
        EnrollmentState.COMPLETED,
        "max_sends",
    )
