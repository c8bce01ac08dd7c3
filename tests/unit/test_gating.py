"""Who may get a follow-up at all: opt-out, hot/cold score gating and the frequency cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from followup.domain.contact import Contact, Score
from followup.domain.durations import Duration
from followup.domain.followup import Reason
from followup.domain.gating import (
    SENDS_KEPT,
    counted_send,
    gate,
    spaced,
    trim_recent,
    unreached_send,
)
from followup.domain.settings import FrequencyCap, Gating
from tests.support.builders import contact_at

NOW = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)


def a_contact(**overrides: object) -> Contact:
    return contact_at(NOW, **overrides)


def sends_ago(*hours: float) -> list[datetime]:
    return [NOW - timedelta(hours=h) for h in hours]


periods = st.one_of(
    st.builds(
        Duration.of, amount=st.integers(min_value=60, max_value=4320), unit=st.just("minutes")
    ),
    st.builds(
        Duration.of,
        amount=st.integers(min_value=1, max_value=72),
        unit=st.sampled_from(["hours", "days"]),
    ),
)
gatings = st.builds(
    Gating,
    skip_hot=st.booleans(),
    cold_max_followups=st.integers(min_value=0, max_value=5),
    frequency_cap=st.builds(
        FrequencyCap, max_sends=st.integers(min_value=1, max_value=4), per=periods
    ),
)
past_sends = st.lists(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10)).map(lambda ago: NOW - ago),
    max_size=8,
)


# --- properties -----------------------------------------------------------------------------


@settings(deadline=None)
@given(
    gating=gatings,
    score=st.sampled_from(list(Score)),
    sent=st.integers(min_value=0, max_value=10),
    recent=past_sends,
    manual=st.booleans(),
)
def test_opted_out_contact_never_passes_not_even_a_manual_send(
    gating: Gating, score: Score, sent: int, recent: list[datetime], manual: bool
) -> None:
    # Given a contact who opted out, whatever their score and history
    contact = a_contact(opted_out=True, score=score, followups_sent=sent, recent_sends=recent)

    # When gated / Then they are held back as opted out
    assert gate(contact, gating, NOW, manual=manual) is Reason.OPTED_OUT


@settings(deadline=None)
@given(gating=gatings, manual=st.booleans())
def test_hot_lead_is_left_to_the_counsellor_unless_the_send_is_manual(
    gating: Gating, manual: bool
) -> None:
    # Given a hot lead with no recent follow-ups
    contact = a_contact(score=Score.HOT)

    # When gated
    reason = gate(contact, gating, NOW, manual=manual)

    # Then automation skips them (when configured to), a counsellor's manual send passes
    assert reason is (Reason.HOT if gating.skip_hot and not manual else None)


@settings(deadline=None)
@given(gating=gatings, sent=st.integers(min_value=0, max_value=10), manual=st.booleans())
def test_cold_lead_passes_only_while_under_the_cold_follow_up_limit(
    gating: Gating, sent: int, manual: bool
) -> None:
    # Given a cold lead who already got `sent` follow-ups and nothing recent
    contact = a_contact(score=Score.COLD, followups_sent=sent)

    # When gated / Then they pass only while fewer than cold_max_followups were sent
    reason = gate(contact, gating, NOW, manual=manual)
    assert reason is (None if sent < gating.cold_max_followups else Reason.COLD_CAP)


@settings(deadline=None)
@given(
    gating=gatings,
    score=st.sampled_from([Score.WARM, Score.COLD]),
    manual=st.booleans(),
    data=st.data(),
)
def test_frequency_cap_counts_only_sends_inside_the_period(
    gating: Gating, score: Score, manual: bool, data: st.DataObject
) -> None:
    # Given k sends inside the cap's period and any number older than it
    # (a send exactly one period ago is already outside)
    per = gating.frequency_cap.per.approx()
    tick = timedelta(microseconds=1)
    inside = data.draw(
        st.lists(st.timedeltas(min_value=timedelta(0), max_value=per - tick), max_size=6)
    )
    older = data.draw(st.lists(st.timedeltas(min_value=per, max_value=per * 5), max_size=6))
    contact = a_contact(
        score=score, followups_sent=0, recent_sends=[NOW - ago for ago in inside + older]
    )
    gating = gating.model_copy(update={"cold_max_followups": 1})

    # When gated
    reason = gate(contact, gating, NOW, manual=manual)

    # Then the contact passes iff k < max_sends
    k = len(inside)
    assert reason is (None if k < gating.frequency_cap.max_sends else Reason.FREQUENCY_CAP)


@settings(deadline=None)
@given(gating=gatings, recent=past_sends, score=st.sampled_from(list(Score)))
def test_trim_recent_keeps_exactly_the_sends_the_cap_still_counts(
    gating: Gating, recent: list[datetime], score: Score
) -> None:
    # Given a contact's past send times
    since = NOW - max(gating.frequency_cap.per.approx(), SENDS_KEPT)

    # When they are trimmed after a send
    kept = trim_recent(recent, gating, NOW)

    # Then only (and all) the sends inside the period, or the last two days, remain
    assert kept == sorted(sent for sent in recent if sent > since)
    # ...and gating decides the same on the trimmed list as on the full history
    full = a_contact(score=score, recent_sends=recent)
    trimmed = a_contact(score=score, recent_sends=kept)
    assert gate(full, gating, NOW) is gate(trimmed, gating, NOW)


# --- examples with the default settings (hot skipped, 2 cold follow-ups, 2 sends per 24 h) --


def test_warm_lead_with_no_history_passes() -> None:
    assert gate(a_contact(), Gating(), NOW) is None


def test_third_follow_up_within_24_hours_is_held_back() -> None:
    # Given a warm lead who got follow-ups 2 h and 20 h ago
    contact = a_contact(recent_sends=sends_ago(2, 20))

    # When a third is due now / Then the frequency cap holds it back, manual or not
    assert gate(contact, Gating(), NOW) is Reason.FREQUENCY_CAP
    assert gate(contact, Gating(), NOW, manual=True) is Reason.FREQUENCY_CAP


def test_send_exactly_24_hours_ago_no_longer_counts_towards_the_cap() -> None:
    # Given follow-ups 2 h and exactly 24 h ago
    contact = a_contact(recent_sends=sends_ago(2, 24))

    # When gated / Then the older one has left the period: the contact passes
    assert gate(contact, Gating(), NOW) is None
    # ...though its time is kept past the stream's day, so its record is not counted twice
    assert trim_recent(contact.recent_sends, Gating(), NOW) == sends_ago(24, 2)
    assert counted_send(contact, NOW - timedelta(hours=24), Gating(), NOW) is None


def test_sends_counted_out_of_order_are_each_counted_once_and_the_latest_stays_last() -> None:
    # Given a contact sent two follow-ups, the later one's record arriving first
    earlier, later = sends_ago(3, 1)
    contact = counted_send(a_contact(), later, Gating(), NOW)
    assert contact is not None

    # When the earlier one's record arrives, then both again
    both = counted_send(contact, earlier, Gating(), NOW)
    assert both is not None

    # Then both are counted once, and the last outbound moment is the later send
    assert (both.followups_sent, both.recent_sends) == (2, [earlier, later])
    assert both.last_outbound_at == later
    assert counted_send(both, earlier, Gating(), NOW) is None
    assert counted_send(both, later, Gating(), NOW) is None


def test_the_reach_a_send_counted_is_recorded_once_and_only_moves_forward() -> None:
    # Given two sends the sender counted toward the messaging limit, then one it did not
    # (inside the window), their records arriving out of order
    first, second, third = sends_ago(5, 3, 1)
    contact = counted_send(a_contact(), second, Gating(), NOW, second)
    assert contact is not None

    # When the earlier and the uncounted ones arrive, then the later one again
    both = counted_send(contact, first, Gating(), NOW, first)
    assert both is not None
    all_three = counted_send(both, third, Gating(), NOW)
    assert all_three is not None

    # Then the contact records the latest counted reach, and a record replayed is a no-op
    assert all_three.reached_at == second
    assert counted_send(all_three, second, Gating(), NOW, second) is None


def test_cold_lead_is_held_after_two_follow_ups_even_for_a_manual_send() -> None:
    contact = a_contact(score=Score.COLD, followups_sent=2)
    assert gate(contact, Gating(), NOW) is Reason.COLD_CAP
    assert gate(contact, Gating(), NOW, manual=True) is Reason.COLD_CAP


def test_a_call_back_the_lead_asked_for_passes_the_caps_but_not_an_opt_out_or_hot_gating() -> None:
    # Given a lead at the frequency cap, a cold lead at its limit, a hot lead, one opted out
    capped = a_contact(recent_sends=sends_ago(2, 20))
    cold = a_contact(score=Score.COLD, followups_sent=2)
    hot = a_contact(score=Score.HOT)
    stopped = a_contact(opted_out=True)
    # Then a call back each asked for passes both caps, and the hot lead stays the
    # counsellor's, and the opted-out lead gets nothing
    assert gate(capped, Gating(), NOW, asked=True) is None
    assert gate(cold, Gating(), NOW, asked=True) is None
    assert gate(hot, Gating(), NOW, asked=True) is Reason.HOT
    assert gate(stopped, Gating(), NOW, asked=True) is Reason.OPTED_OUT


def test_hot_lead_passes_when_the_workspace_does_not_skip_hot_leads() -> None:
    contact = a_contact(score=Score.HOT)
    assert gate(contact, Gating(skip_hot=False), NOW) is None


@given(order=st.permutations(["counted", "unreached", "counted", "unreached"]))
def test_a_send_that_never_reached_the_lead_leaves_the_cap_whatever_the_order(
    order: list[str],
) -> None:
    # Given a lead allowed two follow-ups a day, sent one an hour ago that WhatsApp then
    # reported failed, and one two hours ago that reached them
    cap = Gating(frequency_cap=FrequencyCap(max_sends=2))
    failed, reached = sends_ago(1, 2)
    contact = counted_send(a_contact(), reached, cap, NOW)
    assert contact is not None
    # When the failed send's count and its failure arrive in any order, each twice
    for news in order:
        if news == "counted":
            contact = counted_send(contact, failed, cap, NOW) or contact
        else:
            contact = unreached_send(contact, failed, cap, NOW)
    # Then the lead still has room for one more: only the send that reached them counts
    assert contact.followups_sent == 1
    assert gate(contact, cap, NOW) is None
    assert gate(counted_send(contact, NOW, cap, NOW) or contact, cap, NOW) is Reason.FREQUENCY_CAP


@given(order=st.permutations(["counted", "unreached", "counted", "unreached"]))
def test_a_cold_lead_whose_send_never_reached_them_keeps_their_follow_up(
    order: list[str],
) -> None:
    # Given a cold lead allowed one follow-up in all, whose one send WhatsApp took then
    # reported failed
    cold = Gating(cold_max_followups=1)
    failed = NOW - timedelta(hours=1)
    contact = a_contact(score=Score.COLD)
    # When the send's count and its failure arrive in any order, each twice
    for news in order:
        if news == "counted":
            contact = counted_send(contact, failed, cold, NOW) or contact
        else:
            contact = unreached_send(contact, failed, cold, NOW)
    # Then the cold-lead limit has not been used: the next follow-up may go, and once it
    # is sent the limit is reached
    assert contact.followups_sent == 0
    assert gate(contact, cold, NOW) is None
    reached = counted_send(contact, NOW, cold, NOW)
    assert reached is not None
    assert gate(reached, cold, NOW) is Reason.COLD_CAP


def test_a_send_marked_unreached_is_kept_when_the_contact_is_stored_and_read_again() -> None:
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    contact = contact_at(now)
    stored = Contact.model_validate_json(contact.model_dump_json())
    assert stored.unreached_sends == []
    assert "unreached_sends" not in contact.model_dump_json()  # an empty list costs no bytes
    marked = unreached_send(contact, now, Gating(), now)
    assert Contact.model_validate_json(marked.model_dump_json()).unreached_sends == [now]


def test_a_step_goes_the_least_gap_after_the_last_message_unless_it_follows_its_own_send() -> None:
    gating = Gating()  # an hour by default
    messaged = a_contact(last_outbound_at=NOW - timedelta(minutes=10))
    hour_after = NOW + timedelta(minutes=50)
    # Another journey's step due now waits until an hour after the last message
    assert spaced(NOW, messaged, gating, own_last=None) == hour_after
    assert spaced(NOW, messaged, gating, own_last=NOW - timedelta(hours=3)) == hour_after
    # A step due later than that goes when due
    assert spaced(NOW + timedelta(hours=2), messaged, gating, own_last=None) == NOW + timedelta(
        hours=2
    )
    # The journey's own last send was that message: its wait decides
    assert spaced(NOW, messaged, gating, own_last=NOW - timedelta(minutes=10)) == NOW
    # A call back asked for, or a step again on another channel, goes when due
    assert spaced(NOW, messaged, gating, own_last=None, at_once=True) == NOW
    # A lead who wrote after that message is answered when due: the two are not back to back
    answered = messaged.model_copy(update={"last_inbound_at": NOW - timedelta(minutes=5)})
    assert spaced(NOW, answered, gating, own_last=None) == NOW
    # A lead never messaged, or no gap set, puts nothing off
    assert spaced(NOW, a_contact(), gating, own_last=None) == NOW
    none = gating.model_copy(update={"min_gap": Duration.of(0, "minutes")})
    assert spaced(NOW, messaged, none, own_last=None) == NOW
