"""Who may receive a follow-up at all: opt-out, score gating and the frequency cap."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.contact import Contact, Score
from followup.domain.durations import shifted
from followup.domain.followup import Reason
from followup.domain.settings import Gating

if TYPE_CHECKING:
    from followup.domain.enrollment import Enrollment
    from followup.domain.rule import Rule


def gate(
    contact: Contact, gating: Gating, at: datetime, *, manual: bool = False, asked: bool = False
) -> Reason | None:
    """The reason this contact must not get a follow-up now, or None when it may.

    A manual send comes from the counsellor, so it is not held back for a hot lead. A call
    back the lead `asked` for answers the lead, so the cold-lead and frequency caps, which
    hold back what the lead did not ask for, let it go (it still counts toward them).
    """
    if contact.opted_out:
        return Reason.OPTED_OUT
    if contact.score is Score.HOT and gating.skip_hot and not manual:
        return Reason.HOT
    if asked:
        return None
    if contact.score is Score.COLD and contact.followups_sent >= gating.cold_max_followups:
        return Reason.COLD_CAP
    cap = gating.frequency_cap
    since = shifted(at, -cap.per.approx())
    reached = [sent for sent in contact.recent_sends if sent not in contact.unreached_sends]
    if sum(1 for sent in reached if since < sent <= at) >= cap.max_sends:
        return Reason.FREQUENCY_CAP
    return None


def spaced(
    due: datetime,
    contact: Contact,
    gating: Gating,
    *,
    own_last: datetime | None,
    at_once: bool = False,
) -> datetime:
    """When a journey's step due at `due` may go: `gating.min_gap` after the last message
    the contact was sent, so that two do not reach a lead back to back. Once the lead
    wrote after that message, the two are not back to back: it goes when due. So does a
    journey's step after its own send (`own_last`: the journey's last send; its wait
    decides), and one that goes `at_once` (a call back at the time the lead asked, a step
    again on another channel)."""
    last, gap = contact.last_outbound_at, gating.min_gap.approx()
    if at_once or not gap or last is None or (own_last is not None and own_last >= last):
        return due
    heard = contact.last_inbound_at
    return due if heard is not None and heard > last else max(due, last + gap)


def step_spaced(
    due: datetime, contact: Contact, gating: Gating, rule: Rule, enrollment: Enrollment
) -> datetime:
    """`spaced` for the step the enrollment stands at, as the planner queues it and the
    contact's upcoming steps show it: after the journey's own last send, and at once for a
    call back or the step again on another channel."""
    at_once = rule.calls_back or enrollment.channel_index > 0
    return spaced(due, contact, gating, own_last=enrollment.last_sent_at, at_once=at_once)


def messaged(contact: Contact, at: datetime) -> Contact:
    """The contact as `spaced` reads it once a message goes to it at `at` (the follow-up
    holding its slot, whose send is not counted yet)."""
    last = contact.last_outbound_at
    if last is not None and last >= at:
        return contact
    return contact.model_copy(update={"last_outbound_at": at})


SENDS_KEPT = timedelta(days=2)
"""A contact keeps each send time this long at least, past the follow-up stream's day of
retention: a send's record delivered again finds its time and is not counted twice."""


def trim_recent(sends: list[datetime], gating: Gating, at: datetime) -> list[datetime]:
    """Keep only the send times the frequency cap still looks at, and those of the last
    `SENDS_KEPT`."""
    since = min(shifted(at, -gating.frequency_cap.per.approx()), at - SENDS_KEPT)
    return sorted(sent for sent in sends if sent > since)


def counted_send(
    contact: Contact,
    sent_at: datetime,
    gating: Gating,
    now: datetime,
    reached_at: datetime | None = None,
) -> Contact | None:
    """The contact once it counts a follow-up sent at `sent_at` (which the sender counted
    toward the messaging limit at `reached_at`, if it did), or None when it counts it
    already (it holds that send time). Its last outbound and last reached moments
    only move forward, so sends counted out of order leave the latest. A send already
    known never to have reached the lead does not count toward the cold-lead limit."""
    if sent_at in contact.recent_sends:
        return None
    last = contact.last_outbound_at
    reached = 0 if sent_at in contact.unreached_sends else 1
    update: dict[str, object] = {
        "followups_sent": contact.followups_sent + reached,
        "recent_sends": trim_recent([*contact.recent_sends, sent_at], gating, now),
        "last_outbound_at": sent_at if last is None or sent_at > last else last,
    }
    if reached_at is not None and (contact.reached_at is None or reached_at > contact.reached_at):
        update["reached_at"] = reached_at
    return contact.model_copy(update=update)


def unreached_send(contact: Contact, sent_at: datetime, gating: Gating, now: datetime) -> Contact:
    """The contact once it knows its send at `sent_at` never reached it (WhatsApp took the
    message, then reported it failed): neither the frequency cap nor the cold-lead limit
    counts that send any more. Kept apart from `recent_sends`, so the send counted before
    or after this, or either told again, still counts once and stays out of both. A
    failure told after the send time left `recent_sends` (two days at least) leaves the
    cold-lead count as it is: nothing then says whether it was counted."""
    if sent_at in contact.unreached_sends:
        return contact
    unreached = trim_recent([*contact.unreached_sends, sent_at], gating, now)
    counted = 1 if sent_at in contact.recent_sends else 0
    return contact.model_copy(
        update={
            "unreached_sends": unreached,
            "followups_sent": max(contact.followups_sent - counted, 0),
        }
    )
