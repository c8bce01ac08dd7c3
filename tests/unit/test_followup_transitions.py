"""A follow-up's transitions set its status and the time the engine next looks at it.

The phase indexes read a live follow-up by (phase, wake_at): every transition must leave a
live one with a wake time in the phase that will find it, and a terminal one with none.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from followup.domain.errors import InvalidTransition
from followup.domain.followup import FollowUp, Reason, RenderedMessage, Status
from followup.services.ports import Phase, phase_of, waiting_entry

NOW = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
REDRIVE = timedelta(minutes=15)
DEADLINE = timedelta(minutes=5)
EXPIRE = timedelta(hours=72)
TEXT = RenderedMessage(kind="text", text="Hi Rudi, still thinking about applying?")


def queued(scheduled_at: datetime = NOW) -> FollowUp:
    return FollowUp.planned(
        followup_id="f-1",
        contact_id="c-1",
        rule_id="apply-remind-24h",
        rule_version=1,
        silence_key=(NOW - timedelta(days=1)).isoformat(),
        at=NOW - timedelta(minutes=1),
        scheduled_at=scheduled_at,
    )


def sending() -> FollowUp:
    return queued().dispatched(NOW, REDRIVE).claimed(NOW, DEADLINE)


def sent() -> FollowUp:
    return sending().sent(NOW, "wamid.1", TEXT, EXPIRE)


def test_a_planned_follow_up_waits_in_the_queued_phase_until_its_scheduled_time() -> None:
    followup = queued(LATER)

    assert (followup.status, phase_of(followup), followup.wake_at) == (
        Status.QUEUED,
        Phase.QUEUED,
        LATER,
    )
    assert [change.status for change in followup.history] == [Status.QUEUED]


def test_a_manual_plan_notes_why_in_its_history_but_has_no_reason() -> None:
    followup = FollowUp.planned(
        followup_id="m-1",
        contact_id="c-1",
        rule_id="r",
        rule_version=1,
        silence_key="k",
        at=NOW,
        scheduled_at=NOW,
        manual=True,
        note="manual",
    )

    assert (followup.reason, followup.history[0].reason) == (None, "manual")


def test_a_follow_up_skipped_when_planned_ends_at_once_and_never_wakes() -> None:
    followup = FollowUp.planned(
        followup_id="f-2",
        contact_id="c-1",
        rule_id="r",
        rule_version=1,
        silence_key="k",
        at=NOW,
        scheduled_at=NOW,
        skipped=Reason.HOT,
    )

    assert (followup.status, followup.reason, followup.wake_at) == (
        Status.SKIPPED,
        "hot_contact",
        None,
    )
    assert phase_of(followup) is None
    assert [(c.status, c.reason) for c in followup.history] == [(Status.SKIPPED, "hot_contact")]


def test_dispatched_waits_to_be_claimed_until_the_redrive_horizon() -> None:
    followup = queued().dispatched(NOW, REDRIVE)

    assert (followup.status, phase_of(followup)) == (Status.QUEUED, Phase.DISPATCHED)
    assert (followup.dispatched_at, followup.wake_at) == (NOW, NOW + REDRIVE)


def test_dispatched_with_a_delay_counts_the_redrive_horizon_from_its_arrival() -> None:
    followup = queued().dispatched(NOW, REDRIVE, due=LATER)

    assert (followup.dispatched_at, followup.wake_at) == (NOW, LATER + REDRIVE)


def test_redriven_is_due_for_the_next_dispatch_tick() -> None:
    followup = queued().dispatched(NOW, REDRIVE).redriven(LATER)

    assert (followup.status, phase_of(followup)) == (Status.QUEUED, Phase.QUEUED)
    assert (followup.dispatched_at, followup.wake_at) == (None, LATER)


def test_claimed_is_sending_until_its_deadline() -> None:
    followup = sending()

    assert (followup.status, phase_of(followup), followup.wake_at) == (
        Status.SENDING,
        Phase.SENDING,
        NOW + DEADLINE,
    )


def test_requeued_waits_for_a_dispatch_tick_at_its_new_time() -> None:
    followup = sending().requeued(NOW, LATER, "held: paused")

    assert (followup.status, phase_of(followup), followup.reason) == (
        Status.QUEUED,
        Phase.QUEUED,
        "held: paused",
    )
    assert (followup.scheduled_at, followup.dispatched_at, followup.wake_at) == (LATER, None, LATER)


def test_requeued_onto_the_send_queue_is_redriven_after_its_delay_and_horizon() -> None:
    followup = sending().requeued(NOW, LATER, "retry").dispatched(NOW, REDRIVE, due=LATER)

    assert phase_of(followup) is Phase.DISPATCHED
    assert (followup.scheduled_at, followup.wake_at) == (LATER, LATER + REDRIVE)


def test_a_follow_up_the_window_put_off_keeps_when_it_was_due_and_a_retry_drops_it() -> None:
    put_off = FollowUp.planned(
        followup_id="f-2",
        contact_id="c-1",
        rule_id="apply-remind-24h",
        rule_version=1,
        silence_key=NOW.isoformat(),
        at=NOW,
        scheduled_at=LATER,
        due=NOW,
    )
    on_time = queued()

    assert (put_off.due_at, on_time.due_at) == (NOW, None)
    claimed = put_off.dispatched(LATER, REDRIVE).claimed(LATER, DEADLINE)
    put_off_again = claimed.requeued(LATER, LATER + timedelta(days=3), due=put_off.due_at)
    assert put_off_again.due_at == NOW
    assert claimed.requeued(LATER, LATER + timedelta(seconds=30), "retry").due_at is None


def test_opened_sooner_is_due_at_the_new_opening_and_put_in_the_queue_when_written() -> None:
    opening = NOW + timedelta(hours=1)
    followup = queued(LATER).opened_sooner(NOW, opening)

    assert (followup.status, phase_of(followup), followup.reason) == (
        Status.QUEUED,
        Phase.QUEUED,
        None,
    )
    assert (followup.scheduled_at, followup.wake_at, followup.queued_at) == (opening, opening, NOW)
    assert waiting_entry(followup) == ("queued", opening)
    with pytest.raises(InvalidTransition):
        sending().opened_sooner(NOW, opening)


def test_awaiting_approval_wakes_when_the_approval_would_expire() -> None:
    followup = sending().awaiting_approval(TEXT, NOW, EXPIRE)

    assert (followup.status, phase_of(followup), followup.reason) == (
        Status.QUEUED,
        Phase.QUEUED,
        Reason.AWAITING_APPROVAL,
    )
    assert (followup.proposed, followup.wake_at) == (TEXT, NOW + EXPIRE)


def test_approved_is_due_now_and_on_the_send_queue() -> None:
    edited = TEXT.model_copy(update={"text": "Hi Rudi!"})
    waiting = sending().awaiting_approval(TEXT, NOW, EXPIRE)

    followup = waiting.approved(LATER, REDRIVE, edited)

    assert (followup.status, phase_of(followup), followup.reason) == (
        Status.QUEUED,
        Phase.DISPATCHED,
        None,
    )
    assert (followup.proposed, followup.approved_at, followup.scheduled_at) == (
        edited,
        LATER,
        LATER,
    )
    assert followup.wake_at == LATER + REDRIVE
    assert waiting.approved(LATER, REDRIVE).proposed == TEXT


HELD = "waiting_template: template 'apply_reminder' (en) is paused"
KEYS = ["apply_reminder:en", "apply_reminder_v2:en"]


def held() -> FollowUp:
    return sending().held_for_template(NOW, HELD, NOW + EXPIRE, KEYS)


def test_held_for_its_template_waits_in_its_own_phase_until_its_wait_ends() -> None:
    followup = held()

    assert (followup.status, phase_of(followup), followup.reason) == (
        Status.WAITING_TEMPLATE,
        Phase.WAITING_TEMPLATE,
        HELD,
    )
    assert (followup.dispatched_at, followup.wake_at, followup.waiting_for) == (
        None,
        NOW + EXPIRE,
        KEYS,
    )
    assert followup.history[-1].status is Status.WAITING_TEMPLATE
    assert waiting_entry(followup) == ("template", NOW + EXPIRE)
    assert followup.status.unsent
    assert not followup.status.terminal


def test_released_is_queued_and_due_for_the_next_dispatch_tick() -> None:
    followup = held().released(LATER, "template approved")

    assert (followup.status, phase_of(followup), followup.reason) == (
        Status.QUEUED,
        Phase.QUEUED,
        "template approved",
    )
    assert (followup.wake_at, followup.waiting_for) == (LATER, [])
    assert waiting_entry(followup) == ("queued", NOW)


@pytest.mark.parametrize(
    "move",
    [
        lambda f: f.dispatched(NOW, REDRIVE),
        lambda f: f.claimed(NOW, DEADLINE),
        lambda f: f.progressed(Status.DELIVERED, NOW),
    ],
    ids=["dispatched", "claimed", "progressed"],
)
def test_a_held_follow_up_moves_only_by_release_or_end(
    move: Callable[[FollowUp], FollowUp],
) -> None:
    with pytest.raises(InvalidTransition):
        move(held())


def test_a_released_follow_up_cannot_be_released_again() -> None:
    released = held().released(NOW, "approved")

    with pytest.raises(InvalidTransition):
        released.released(LATER, "approved again")


def test_only_a_claimed_follow_up_can_be_held_for_its_template() -> None:
    with pytest.raises(InvalidTransition):
        queued().held_for_template(NOW, HELD, NOW + EXPIRE, KEYS)
    with pytest.raises(InvalidTransition):
        sent().held_for_template(NOW, HELD, NOW + EXPIRE, KEYS)


def test_sent_waits_for_a_reply_until_it_expires() -> None:
    followup = sent()

    assert (followup.status, phase_of(followup), followup.wake_at) == (
        Status.SENT,
        Phase.SENT,
        NOW + EXPIRE,
    )
    assert (followup.attempt, followup.sent_at, followup.provider_message_id) == (1, NOW, "wamid.1")
    assert followup.rendered == TEXT


def test_delivered_and_read_keep_the_expiry_of_the_send() -> None:
    delivered = sent().progressed(Status.DELIVERED, LATER)
    read = delivered.progressed(Status.READ, LATER)

    assert [(f.status, phase_of(f), f.wake_at) for f in (delivered, read)] == [
        (Status.DELIVERED, Phase.SENT, NOW + EXPIRE),
        (Status.READ, Phase.SENT, NOW + EXPIRE),
    ]


@pytest.mark.parametrize(
    ("start", "status"),
    [
        (queued, Status.CANCELED),
        (queued, Status.OPTED_OUT),
        (sending, Status.FAILED),
        (sending, Status.SKIPPED),
        (held, Status.SKIPPED),
        (held, Status.CANCELED),
        (held, Status.OPTED_OUT),
        (sent, Status.RESPONDED),
        (sent, Status.EXPIRED),
    ],
)
def test_ended_leaves_every_phase(start: Callable[[], FollowUp], status: Status) -> None:
    followup = start().ended(status, LATER, "why")

    assert (followup.status, followup.reason, followup.wake_at) == (status, "why", None)
    assert phase_of(followup) is None
    assert followup.history[-1].status is status


@pytest.mark.parametrize(
    "move",
    [
        lambda f: f.dispatched(NOW, REDRIVE),
        lambda f: f.redriven(NOW),
        lambda f: f.claimed(NOW, DEADLINE),
        lambda f: f.approved(NOW, REDRIVE),
        lambda f: f.ended(Status.QUEUED, NOW),
        lambda f: f.progressed(Status.FAILED, NOW),
    ],
    ids=["dispatched", "redriven", "claimed", "approved", "ended-not-terminal", "progressed"],
)
def test_a_move_the_status_machine_forbids_raises(move: Callable[[FollowUp], FollowUp]) -> None:
    with pytest.raises(InvalidTransition):
        move(sent())


def test_an_ended_follow_up_cannot_end_again() -> None:
    canceled = queued().ended(Status.CANCELED, NOW, Reason.REPLIED)

    with pytest.raises(InvalidTransition):
        canceled.ended(Status.FAILED, NOW, Reason.OUTCOME_UNKNOWN)


def test_a_send_nobody_recorded_is_sent_as_of_its_claim_when_whatsapp_reports_it() -> None:
    given_up = sending().ended(Status.FAILED, LATER, Reason.OUTCOME_UNKNOWN)
    assert given_up.may_have_gone

    found = given_up.recovered(LATER, "wamid.9", EXPIRE)

    assert (found.status, found.reason, found.provider_message_id) == (
        Status.SENT,
        Reason.SENT_UNRECORDED,
        "wamid.9",
    )
    assert (found.sent_at, found.wake_at) == (NOW, NOW + EXPIRE)
    # Recorded late, it waits for the expire tick in the sent lane, at its expiry (the
    # tick's reading by send time may have passed its send already)
    assert waiting_entry(found) == ("sent", found.wake_at)
    assert [c.status for c in found.history][-2:] == [Status.FAILED, Status.SENT]


@pytest.mark.parametrize(
    "unrecorded",
    [
        lambda: sending(),
        lambda: sending().requeued(NOW, LATER, "360dialog is busy or failing (HTTP 500)"),
        lambda: sending().ended(Status.FAILED, NOW, "retries_exhausted: 360dialog is busy"),
    ],
    ids=["sending", "back-for-a-retry", "retries-exhausted"],
)
def test_a_try_that_may_have_gone_is_recovered_when_whatsapp_reports_it(
    unrecorded: Callable[[], FollowUp],
) -> None:
    followup = unrecorded()
    assert followup.may_have_gone
    found = followup.recovered(LATER, "wamid.9", EXPIRE)
    assert (found.status, found.provider_message_id, found.sent_at) == (
        Status.SENT,
        "wamid.9",
        NOW,
    )


@pytest.mark.parametrize(
    "known",
    [
        lambda: sent(),
        lambda: queued(),
        lambda: sending().ended(Status.FAILED, NOW, Reason.PROVIDER_ERROR),
    ],
    ids=["sent", "never-claimed", "failed-for-a-known-reason"],
)
def test_only_a_claimed_send_with_no_recorded_outcome_can_be_recovered(
    known: Callable[[], FollowUp],
) -> None:
    followup = known()
    assert not followup.may_have_gone
    with pytest.raises(InvalidTransition):
        followup.recovered(LATER, "wamid.9", EXPIRE)
