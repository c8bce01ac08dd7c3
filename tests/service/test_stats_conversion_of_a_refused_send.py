"""A goal credits a send, then WhatsApp reports that send refused (undeliverable, withheld
for the day's marketing limit, stopped marketing): the lead never saw the message, so it
converts no one, and the rule's conversions come back down, on the day and on its step."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.service.test_stats_conversion_race import moved_on
from tests.support.races import AfterFirstRead
from tests.support.three_leads import (
    RULE,
    Engine,
    counted,
    current,
    heard,
    sent_to_three,
    status_of,
)


def refused(followup: FollowUp, code: int, engine: Engine) -> dict[str, Any]:
    """WhatsApp's `failed` status about the first lead's message, with error `code`."""
    doc = status_of(followup, "failed", engine.clock.now(), None)
    status = doc["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["errors"] = [{"code": code, "title": "refused", "error_data": {"details": "x"}}]
    return doc


def step_conversions(engine: Engine) -> int:
    """The journey's step's conversions over its days, as the journey's funnel shows."""
    engine.pump_stream()
    since, until = TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()
    days = engine.deps.stats.journey_stats(RULE, since, until).steps
    return sum(day.counts.get("converted", 0) for day in days)


@pytest.mark.parametrize(
    ("code", "sent"),
    [
        (131026, 3),  # undeliverable: sent, failed
        (131049, 2),  # withheld for the marketing limit: sent again later, this send taken back
        (131050, 3),  # the lead stopped marketing messages: an opt-out
    ],
)
def test_a_credited_send_whatsapp_then_refuses_converts_no_one(
    either: Engine, code: int, sent: int
) -> None:
    # Given a rule sent to three leads, and the first lead's send credited with the goal
    first, *_ = sent_to_three(either)
    either.clock.advance(timedelta(seconds=5))
    moved_on(either, "applied")
    assert counted(either)["converted"] == 1
    assert step_conversions(either) == 1
    # When WhatsApp reports that message refused
    at = either.clock.advance(timedelta(seconds=5))
    heard(either, refused(first, code, either), at)
    # Then the lead never saw it: the rule and its step count no conversion
    assert current(either, first).status is Status.FAILED
    assert counted(either)["converted"] == 0
    assert step_conversions(either) == 0
    assert counted(either)["sent"] == sent
    # And a goal reached after it credits nothing either
    either.clock.advance(timedelta(seconds=5))
    moved_on(either, "paid")
    assert counted(either)["converted"] == 0


def test_a_refusal_heard_as_the_goal_credits_the_send_takes_it_back_once(
    either: Engine,
) -> None:
    # Given a rule sent to three leads
    first, *_ = sent_to_three(either)
    # When WhatsApp's refusal of the first lead's message is written just after the CRM's
    # goal read the follow-up, so the refusal's first write loses to the conversion
    converting = AfterFirstRead(
        either.deps.followups, "followup", lambda: moved_on(either, "applied")
    )
    either.deps.followups = converting
    at = either.clock.advance(timedelta(seconds=5))
    heard(either, refused(first, 131026, either), at)
    either.deps.followups = converting.inner
    # Then the follow-up keeps its conversion and its failure, and the rule counts neither
    # a conversion nor a second take-back
    assert converting.heard
    found = current(either, first)
    assert (found.status, found.converted_at is not None) == (Status.FAILED, True)
    assert counted(either)["converted"] == 0
    assert step_conversions(either) == 0


def test_a_conversion_of_a_delivered_send_stays_counted(either: Engine) -> None:
    # Given a rule sent to three leads, the first lead's message delivered and credited
    first, *_ = sent_to_three(either)
    at = either.clock.advance(timedelta(seconds=5))
    heard(either, status_of(first, "delivered", at), at)
    moved_on(either, "applied")
    # When WhatsApp's `read` status comes after
    at = either.clock.advance(timedelta(seconds=5))
    heard(either, status_of(first, "read", at), at)
    # Then the conversion stays counted, once
    assert counted(either)["converted"] == 1
    assert step_conversions(either) == 1
