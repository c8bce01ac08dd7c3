"""Who may receive a follow-up at all: opt-out, score gating and the frequency cap."""

from __future__ import annotations

from datetime import datetime

from followup.domain.contact import Contact, Score
from followup.domain.durations import shifted
from followup.domain.followup import Reason
from followup.domain.settings import Gating


def gate(contact: Contact, gating: Gating, at: datetime, *, manual: bool = False) -> Reason | None:
    """The reason this contact must not get a follow-up now, or None when it may.

    A manual send comes from the counsellor, so it is not held back for a hot lead.
    """
    if contact.opted_out:
        return Reason.OPTED_OUT
    if contact.score is Score.HOT and gating.skip_hot and not manual:
        return Reason.HOT
    if contact.score is Score.COLD and contact.followups_sent >= gating.cold_max_followups:
        return Reason.COLD_CAP
    cap = gating.frequency_cap
    since = shifted(at, -cap.per.approx())
    if sum(1 for sent in contact.recent_sends if since < sent <= at) >= cap.max_sends:
        return Reason.FREQUENCY_CAP
    return None


def trim_recent(sends: list[datetime], gating: Gating, at: datetime) -> list[datetime]:
    """Keep only the send times the frequency cap still looks at."""
    since = shifted(at, -gating.frequency_cap.per.approx())
    return sorted(sent for sent in sends if sent > since)
