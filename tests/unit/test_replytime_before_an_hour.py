"""An hour asked for plainly as the limit of when to call ("call me before 5", "sebelum
jam 12 ya", "antes das 10"), or said as the end of the lead's free time ("I'm free until
5", "aku free sampai jam 5", or not busy until then: "não tô ocupado até as 5"), is the
earliest time to come before it: in a quarter of an hour today while that is before the
limit (sent at the send window's next opening, as any time), else the next day's morning
(an hour before the limit when that is 09:00 or earlier); with a day named, that day's
morning. So is a part of the day said so ("tomorrow before lunch", "besok sebelum
sore"): never the hour it begins at. What keeps the lead until then ("I'm busy before
5", "gak bisa sebelum jam 3", "tomorrow I'm busy before lunch") and a refusal of what
comes before ("jangan telpon sebelum jam 10") are read as before: from then, or no
time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected

SOON = "2026-11-24T09:15"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me before 5", SOON),
        (NEW_YORK, "anytime before 5pm", SOON),
        (JAKARTA, "sebelum jam 12 ya kak", SOON),
        (SAO_PAULO, "me liga antes das 18h", SOON),
        (SAO_PAULO, "antes das 10", SOON),
        (NEW_YORK, "tomorrow before 10", "2026-11-25T09:00"),
        (JAKARTA, "besok sebelum jam 3", "2026-11-25T09:00"),
        (NEW_YORK, "before 9", "2026-11-25T08:00"),
        (NEW_YORK, "call me before 12am", SOON),
        (NEW_YORK, "I'm free until 5", SOON),
        (JAKARTA, "aku free sampai jam 5", SOON),
        (NEW_YORK, "free til 5", SOON),
        (JAKARTA, "aku free hingga jam 5", SOON),
        (SAO_PAULO, "tô livre até as 17h", SOON),
        (NEW_YORK, "I'm not busy until 5", SOON),
        (SAO_PAULO, "não tô ocupado até as 5", SOON),
        (JAKARTA, "aku gak sibuk sampai jam 5", SOON),
        (NEW_YORK, "call me before noon", SOON),
        (SAO_PAULO, "me liga antes do meio dia", SOON),
    ],
)
def test_a_limit_asked_for_is_the_earliest_time_before_it(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask to be called before an hour
    # Then the call back is soon today, or the morning of the day they name, before it
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow before lunch", "2026-11-25T09:00"),
        (NEW_YORK, "before noon tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow before the evening", "2026-11-25T09:00"),
        (NEW_YORK, "call me before lunch on friday", "2026-11-27T09:00"),
        (JAKARTA, "besok sebelum sore", "2026-11-25T09:00"),
        (SAO_PAULO, "amanhã antes do almoço", "2026-11-25T09:00"),
        (NEW_YORK, "today before lunch", SOON),
    ],
)
def test_a_part_of_the_day_asked_for_as_a_limit_is_the_earliest_time_before_it(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask to be called before a part of the day
    # Then the call back is soon today, or the morning of the day they name, before it
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_a_limit_already_past_today_is_the_next_morning() -> None:
    # Given a lead writing at 13:00 on Tuesday
    # When they ask to be called before 12, or before lunch today
    # Then the call back is the next morning, not after the limit today
    now, tomorrow_9am = datetime(2026, 11, 24, 13, 0), "2026-11-25T09:00"
    assert detected(JAKARTA, "sebelum jam 12 ya", now) == (Intent.CALL_BACK_AT, tomorrow_9am)
    assert detected(NEW_YORK, "today before lunch", now) == (Intent.CALL_BACK_AT, tomorrow_9am)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "lagi sibuk sebelum jam 3", "2026-11-24T15:00"),
        (JAKARTA, "gak bisa sebelum jam 3", "2026-11-24T15:00"),
        (JAKARTA, "jangan telpon sebelum jam 10", "2026-11-24T10:00"),
        (NEW_YORK, "not before 11 please", "2026-11-24T11:00"),
        (NEW_YORK, "call me but not before 11", "2026-11-24T11:00"),
        (SAO_PAULO, "não antes das 11", "2026-11-24T11:00"),
        (SAO_PAULO, "antes das 11 não", "2026-11-24T11:00"),
        (JAKARTA, "sebelum jam 11 jangan ya", "2026-11-24T11:00"),
        (NEW_YORK, "I'm busy before 5", "2026-11-24T17:00"),
        (NEW_YORK, "tomorrow I can't before 5", "2026-11-25T17:00"),
        (NEW_YORK, "I'm busy tomorrow before 5", "2026-11-25T17:00"),
        (NEW_YORK, "I'm not busy before 5", None),
        (NEW_YORK, "I'm busy today before 5, call me tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow I'm busy before lunch", "2026-11-25T12:00"),
        (JAKARTA, "besok sibuk sebelum sore", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow I can't before the evening", "2026-11-25T19:00"),
        (NEW_YORK, "i need to pay before 5?", None),
        (NEW_YORK, "before 5 days", None),
        (JAKARTA, "sibuk sampai jam 3", "2026-11-24T15:00"),
        (JAKARTA, "gak bisa sampai jam 5", "2026-11-24T17:00"),
        (NEW_YORK, "I'm not free until 5", "2026-11-24T17:00"),
    ],
)
def test_what_keeps_the_lead_before_an_hour_is_read_as_before(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When the hour is what keeps them busy until, a limit they refuse, or no hour of the
    # clock
    # Then it is read as before: from that hour, or no time
    assert detected(zone, text)[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm busy until 3", "2026-11-24T15:00"),
        (NEW_YORK, "I'm in a meeting till 3", "2026-11-24T15:00"),
        (NEW_YORK, "in a meeting until 3, call after", "2026-11-24T15:00"),
        (NEW_YORK, "I have class until 2", "2026-11-24T14:00"),
        (NEW_YORK, "working till 5", "2026-11-24T17:00"),
        (NEW_YORK, "I work till 5", "2026-11-24T17:00"),
        (NEW_YORK, "tomorrow I work till 5", "2026-11-25T17:00"),
        (MEXICO_CITY, "trabajo hasta las 5", "2026-11-24T17:00"),
        (NEW_YORK, "not available until 4", "2026-11-24T16:00"),
        (NEW_YORK, "I'm busy today until 5, call me tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow I'm at work until 5, call after", "2026-11-25T17:00"),
        (NEW_YORK, "I'm in a meeting till 3 tomorrow", "2026-11-25T15:00"),
        (NEW_YORK, "friday I have class until 2", "2026-11-27T14:00"),
        (NEW_YORK, "I'm busy until 3, call me friday", "2026-11-27T09:00"),
        (NEW_YORK, "in class till noon, call after", "2026-11-24T12:00"),
        (NEW_YORK, "I'm in a meeting until noon", "2026-11-24T12:00"),
        (SAO_PAULO, "tô em aula até meio dia, me liga depois", "2026-11-24T12:00"),
        (SAO_PAULO, "estoy ocupado hasta mediodía", "2026-11-24T12:00"),
    ],
)
def test_a_bare_hour_the_lead_is_kept_until_is_when_they_are_free(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say what keeps them until an hour said bare ("until 3", no "at")
    # Then the call back is at that hour (on the keeper's day, if it names one), as
    # "sibuk sampai jam 3" was (it was none); a keeper negated keeps nothing, and another
    # day asked for still wins
    assert detected(zone, text)[1] == local
