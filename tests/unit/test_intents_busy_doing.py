"""A lead busy doing something says so by what they are doing: at lunch, in class, in a
meeting, in chat spelling ("lg meeting") as often as not."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "lg meeting kak"),
        (JAKARTA, "sy lg kuliah"),
        (JAKARTA, "lagi makan siang kak"),
        (JAKARTA, "masih di kantor kak"),
        (SAO_PAULO, "tô no almoço, me liga depois"),
        (SAO_PAULO, "tô numa reunião"),
        (SAO_PAULO, "estou em aula"),
        (NEW_YORK, "I'm in class"),
        (NEW_YORK, "I'm at lunch"),
        (NEW_YORK, "I'm on a call"),
        (SAO_PAULO, "estou dirigindo"),
        (JAKARTA, "lagi di kelas kak"),
        (NEW_YORK, "in class rn"),
        (NEW_YORK, "working now"),
        (NEW_YORK, "en clase"),
    ],
)
def test_a_lead_busy_doing_something_is_busy(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they say what they are busy doing
    # Then the reply reads busy: a nudge later, not nothing
    assert detected(zone, text)[0] is Intent.BUSY


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "lagi makan siang kak, gak minat ya"),
        (SAO_PAULO, "tô no almoço, mas não tenho interesse"),
        (NEW_YORK, "I'm in class, and I'm not interested, thanks"),
    ],
)
def test_a_refusal_said_while_busy_is_still_a_refusal(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they say what they are doing and that they are not interested
    # Then the reply reads not interested: the follow-ups end
    assert detected(zone, text)[0] is Intent.NOT_INTERESTED
