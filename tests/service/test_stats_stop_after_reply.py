"""A lead who replies to a follow-up ("who is this?") and then sends STOP within its
attribution window: the follow-up stays `responded`, and its rule counts the opt-out too,
once, so a rule that annoys leads into replying before they stop still shows its opt-outs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from followup.domain.followup import FollowUp, Status
from followup.services import crm_events
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.races import AfterFirstRead
from tests.support.three_leads import (
    HOUR,
    LEADS,
    Engine,
    counted,
    current,
    heard,
    messaging_cost,
    sent_to_three,
    stats_page,
    status_of,
    writes,
)


def test_a_stop_after_a_reply_counts_the_reply_and_one_opt_out(either: Engine) -> None:
    # Given a rule sent to three leads
    first, *_ = sent_to_three(either)
    # When the first asks who is writing, then sends STOP an hour later
    writes(either, "who is this?")
    either.clock.advance(HOUR)
    stop = writes(either, "STOP")
    # Then the follow-up stays responded, and the Stats page counts its reply and one
    # opt-out: 1 of 3 sends, past the 2 % the rule is judged by
    assert current(either, first).status is Status.RESPONDED
    expected = {
        "sent": 3,
        "responded": 1,
        "opted_out": 1,
        "opt_out_rate": pytest.approx(1 / 3),
        "flags": ["high_opt_out"],
    }
    assert stats_page(either) == expected
    # When WhatsApp delivers the STOP again, and the lead writes STOP once more
    writes(either, "STOP", stop)
    writes(either, "STOP")
    # Then the opt-out is still counted once
    assert current(either, first).status is Status.RESPONDED
    assert stats_page(either) == expected


def test_a_stop_after_the_attribution_window_counts_no_opt_out(engine: MemoryEngine) -> None:
    # Given a rule sent to three leads, the first of whom replied
    first, *_ = sent_to_three(engine)
    writes(engine, "who is this?")
    # When that lead sends STOP after the follow-up's 72-hour attribution window
    engine.clock.advance(73 * HOUR)
    writes(engine, "STOP")
    # Then the Stats page counts the reply, and no opt-out for that follow-up
    assert current(engine, first).status is Status.RESPONDED
    assert stats_page(engine) == {
        "sent": 3,
        "responded": 1,
        "opted_out": 0,
        "opt_out_rate": pytest.approx(0),
        "flags": [],
    }


def test_a_late_price_read_before_a_stop_after_the_reply_keeps_the_opt_out(
    either: Engine,
) -> None:
    # Given a rule sent to three leads, and the first asking who is writing before any
    # status about the message came
    first, *_ = sent_to_three(either)
    writes(either, "who is this?")
    # When WhatsApp's priced `delivered` status comes, and the lead's STOP is heard just
    # after the status read the follow-up (each on its own webhook call)
    stopping = AfterFirstRead(either.deps.followups, "followup", lambda: writes(either, "STOP"))
    either.deps.followups = stopping
    at = either.clock.advance(timedelta(seconds=10))
    status = status_of(first, "delivered", at)
    heard(either, status, at)
    # Then the follow-up keeps the price and the STOP's mark, counted once
    assert stopping.heard
    either.deps.followups = stopping.inner
    priced_and_stopped_once(either, first)


def test_a_goal_read_before_a_stop_after_the_reply_keeps_the_opt_out(either: Engine) -> None:
    # Given a rule sent to three leads, the first of whom asked who is writing
    first, *_ = sent_to_three(either)
    writes(either, "who is this?")
    # When the CRM moves that lead on in the funnel, and the lead's STOP is heard just
    # after the stage change read the lead's follow-ups to credit the conversion
    stopping = AfterFirstRead(either.deps.followups, "followups_of", lambda: writes(either, "STOP"))
    either.deps.followups = stopping
    at = either.clock.advance(timedelta(seconds=10))
    event = {"type": "stage_changed", "contact": LEADS[0], "stage": "applied", "at": at}
    crm_events.apply(either.deps, crm_events.Event.model_validate(event).root)
    # Then the follow-up is converted and keeps the STOP's mark: the Stats page counts one
    # conversion and one opt-out
    assert stopping.heard
    either.deps.followups = stopping.inner
    found = current(either, first)
    assert found.converted_at is not None
    assert found.stopped_after_reply_at is not None
    assert stats_page(either)["opted_out"] == 1
    # And a STOP written again counts no second opt-out
    writes(either, "STOP")
    assert stats_page(either)["opted_out"] == 1
    assert counted(either)["converted"] == 1


def priced_and_stopped_once(engine: Engine, followup: FollowUp) -> None:
    """`followup` is still `responded`, keeps its price and the lead's STOP after their
    reply, and the Stats page counts the price and one opt-out; a STOP written again counts
    no second opt-out and leaves the price."""
    found = current(engine, followup)
    assert (found.status, found.pricing is not None) == (Status.RESPONDED, True)
    assert found.stopped_after_reply_at is not None
    assert stats_page(engine)["opted_out"] == 1
    assert messaging_cost(engine) > 0
    writes(engine, "STOP")
    assert stats_page(engine)["opted_out"] == 1
    assert messaging_cost(engine) > 0


def stop_while(engine: Engine, meanwhile: Callable[[], object]) -> None:
    """The first lead sends STOP, 10 s later; `meanwhile` lands just after the STOP read
    the lead's follow-ups and journeys, before it marks the one they replied to."""
    landing = AfterFirstRead(engine.deps.followups, "enrollments_of", meanwhile)
    engine.deps.followups = landing
    at = engine.clock.advance(timedelta(seconds=10))
    stop = envelopes.text_message(LEADS[0], "STOP", at, f"wamid.IN{int(at.timestamp())}")
    heard(engine, stop, at)
    engine.deps.followups = landing.inner
    assert landing.heard


def test_a_late_price_written_while_a_stop_after_the_reply_is_marked_stays(
    either: Engine,
) -> None:
    # Given a rule sent to three leads, the first asking who is writing before any status
    # about the message came
    first, *_ = sent_to_three(either)
    writes(either, "who is this?")

    # When the lead sends STOP, and WhatsApp's priced `delivered` status is written while
    # the STOP marks the follow-up (each on its own webhook call)
    def priced() -> None:
        assert either.deliver(status_of(first, "delivered", either.clock.now())) == 200

    stop_while(either, priced)
    # Then the follow-up keeps the price and the STOP's mark, counted once
    priced_and_stopped_once(either, first)


def test_a_conversion_credited_while_a_stop_after_the_reply_is_marked_stays(
    either: Engine,
) -> None:
    # Given a rule sent to three leads, the first of whom asked who is writing
    first, *_ = sent_to_three(either)
    writes(either, "who is this?")

    # When the lead sends STOP, and the CRM moves the lead on in the funnel while the STOP
    # marks the follow-up
    def moved_on(stage: str) -> None:
        at = either.clock.now()
        event = {"type": "stage_changed", "contact": LEADS[0], "stage": stage, "at": at}
        crm_events.apply(either.deps, crm_events.Event.model_validate(event).root)

    stop_while(either, lambda: moved_on("applied"))
    # Then the follow-up keeps the conversion and the STOP's mark: the Stats page counts
    # one conversion and one opt-out
    found = current(either, first)
    assert (found.converted_at, found.stopped_after_reply_at) == (
        either.clock.now(),
        either.clock.now(),
    )
    assert (stats_page(either)["opted_out"], counted(either)["converted"]) == (1, 1)
    # And a STOP written again, or the lead paying next, counts nothing more
    writes(either, "STOP")
    moved_on("paid")
    assert (stats_page(either)["opted_out"], counted(either)["converted"]) == (1, 1)
