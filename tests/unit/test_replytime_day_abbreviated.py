"""An English weekday written short ("fri at 10", "call me wed", "thurs 3pm?") is that
day: each booked today at the hour named, or no day at all. "We'd", "I sat" and "the
sun" are no days. So is a Portuguese or Indonesian one right before an hour or a part of
the day ("seg às 10", "qui de manhã", "sen pagi", "jum jam 3"): "seg às 10" was booked
today at 10, the others not at all. "Tomorrow" misspelt or texted ("tommorow", "tmw",
"2morrow") is tomorrow: it was no day, so the hour was booked today."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("fri at 10", "2026-11-27T10:00"),
        ("call me wed", "2026-11-25T09:00"),
        ("wed at 10 ok?", "2026-11-25T10:00"),
        ("wed 3pm", "2026-11-25T15:00"),
        ("thurs 3pm?", "2026-11-26T15:00"),
        ("thu at 2 works", "2026-11-26T14:00"),
        ("sat morning works", "2026-11-28T09:00"),
        ("sun at 10", "2026-11-29T10:00"),
        ("mon at 10 ok", "2026-11-30T10:00"),
        ("tues afternoon", "2026-11-24T15:00"),
        ("tmrw is packed. call me fri", "2026-11-27T09:00"),
    ],
)
def test_a_weekday_written_short_is_that_day(text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they name a weekday by its short form
    # Then the call back is on that weekday (it was booked today, or tomorrow)
    assert detected(NEW_YORK, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "seg às 10", "2026-11-30T10:00"),
        (SAO_PAULO, "qua às 15h", "2026-11-25T15:00"),
        (SAO_PAULO, "qui de manhã", "2026-11-26T09:00"),
        (SAO_PAULO, "sex à tarde", "2026-11-27T15:00"),
        (SAO_PAULO, "sab 10h", "2026-11-28T10:00"),
        (SAO_PAULO, "dom de manhã", "2026-11-29T09:00"),
        (JAKARTA, "sen pagi", "2026-11-30T09:00"),
        (JAKARTA, "sel pagi", "2026-11-24T09:00"),
        (JAKARTA, "rab jam 10", "2026-11-25T10:00"),
        (JAKARTA, "kam sore", "2026-11-26T15:00"),
        (JAKARTA, "jum jam 3", "2026-11-27T15:00"),
        (JAKARTA, "sab pagi aja", "2026-11-28T09:00"),
    ],
)
def test_a_portuguese_or_indonesian_weekday_written_short_is_that_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they name a weekday by its short form, then an hour or a part of the day
    # Then the call back is on that weekday
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("we'd like a call at 3", "2026-11-24T15:00"),
        ("I sat with my advisor, call me at 3", "2026-11-24T15:00"),
        ("the sun is too hot now, call me at 5", "2026-11-24T17:00"),
    ],
)
def test_words_that_only_look_like_a_weekday_name_none(text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When "we'd", "sat" or "sun" is no day
    # Then the call back stays today
    assert detected(NEW_YORK, text, at(8))[1] == local


def test_a_weekday_gone_by_written_short_names_no_time() -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say what happened last Friday, written short
    # Then no call back is booked, as for "last friday"
    assert detected(NEW_YORK, "i called you last fri at 3", at(8))[1] is None


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("tommorow at 3", "2026-11-25T15:00"),
        ("tommorrow at 3", "2026-11-25T15:00"),
        ("tmw 3pm", "2026-11-25T15:00"),
        ("2mrw at 3", "2026-11-25T15:00"),
        ("tomoro 10am", "2026-11-25T10:00"),
        ("2morrow's fine", "2026-11-25T09:00"),
        ("call me 2morrow", "2026-11-25T09:00"),
        ("can u do tmrow at 4?", "2026-11-25T16:00"),
    ],
)
def test_tomorrow_misspelt_or_texted_is_tomorrow(text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When "tomorrow" is misspelt or written as texted
    # Then the call back is tomorrow (it was booked today at the hour, or not at all)
    assert detected(NEW_YORK, text, at(8)) == (Intent.CALL_BACK_AT, local)


def test_tomorrow_texted_and_refused_books_the_day_offered_instead() -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they cannot "2moro" and name Friday
    # Then the call back is Friday, not tomorrow
    assert detected(NEW_YORK, "busy 2morrow, call me friday", at(8)) == (
        Intent.CALL_BACK_AT,
        "2026-11-27T09:00",
    )
