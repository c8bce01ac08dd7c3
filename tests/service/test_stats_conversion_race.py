"""A lead converts (the CRM moves them on) while a status about their follow-up is being
written: the follow-up keeps both, and the rule counts the conversion once."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Status
from followup.services import crm_events
from tests.support.races import AfterFirstRead
from tests.support.three_leads import (
    LEADS,
    Engine,
    counted,
    current,
    heard,
    messaging_cost,
    sent_to_three,
    status_of,
    writes,
)


def moved_on(engine: Engine, stage: str) -> None:
    """The CRM moves the first lead on to `stage`, one of the rule's goals."""
    at = engine.clock.now()
    event = {"type": "stage_changed", "contact": LEADS[0], "stage": stage, "at": at}
    crm_events.apply(engine.deps, crm_events.Event.model_validate(event).root)


def test_a_status_read_before_a_conversion_keeps_it_and_it_counts_once(either: Engine) -> None:
    # Given a rule sent to three leads
    first, *_ = sent_to_three(either)
    # When WhatsApp's `delivered` status about the first lead's message comes, and the CRM
    # moves that lead on to the rule's goal just after the status read the follow-up
    converting = AfterFirstRead(
        either.deps.followups, "followup", lambda: moved_on(either, "applied")
    )
    either.deps.followups = converting
    at = either.clock.advance(timedelta(seconds=10))
    status = status_of(first, "delivered", at, None)
    outcome = heard(either, status, at)
    # Then the follow-up shows both: delivered, and converted
    assert converting.heard
    either.deps.followups = converting.inner
    assert outcome.outcome["status_delivered"] == 1
    found = current(either, first)
    assert (found.status, found.converted_at is not None) == (Status.DELIVERED, True)
    assert (counted(either)["delivered"], counted(either)["converted"]) == (1, 1)
    # And the lead paying next counts no second conversion
    either.clock.advance(timedelta(seconds=10))
    moved_on(either, "paid")
    assert counted(either)["converted"] == 1


def test_a_goal_read_before_a_late_price_keeps_it_and_counts_once(either: Engine) -> None:
    # Given a rule sent to three leads, the first asking who is writing before any status
    # about the message came
    first, *_ = sent_to_three(either)
    writes(either, "who is this?")

    # When the CRM moves that lead on to the rule's goal, and WhatsApp's priced `delivered`
    # status is written just after the stage change read the lead's follow-ups
    def priced() -> None:
        assert either.deliver(status_of(first, "delivered", either.clock.now())) == 200

    pricing = AfterFirstRead(either.deps.followups, "followups_of", priced)
    either.deps.followups = pricing
    either.clock.advance(timedelta(seconds=10))
    moved_on(either, "applied")
    # Then the follow-up shows both: converted, and its price, which the Stats page counts
    assert pricing.heard
    either.deps.followups = pricing.inner
    found = current(either, first)
    assert (found.status, found.converted_at is not None) == (Status.RESPONDED, True)
    assert found.pricing is not None
    assert counted(either)["converted"] == 1
    assert messaging_cost(either) > 0
    # And the lead paying next counts no second conversion
    either.clock.advance(timedelta(seconds=10))
    moved_on(either, "paid")
    assert counted(either)["converted"] == 1
