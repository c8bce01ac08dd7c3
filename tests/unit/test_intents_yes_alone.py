"""A word that opens a question ("boleh", "bisa", "pode", "can") said alone, with a
courtesy or a "yes" ("boleh kak", "pode sim", "bisa dong"), answers yes: it asks nothing,
so it is no question for a counsellor. Asked with a mark ("boleh?"), or going on to ask
("boleh minta brosurnya"), it is one still, and a time it goes on to ask for is booked."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "boleh kak"),
        (JAKARTA, "boleh"),
        (JAKARTA, "bisa dong"),
        (JAKARTA, "ada kak"),
        (SAO_PAULO, "pode sim"),
        (SAO_PAULO, "pode"),
        (NEW_YORK, "can do"),
    ],
)
def test_a_yes_alone_is_no_question(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they answer with a yes made of a word that may open a question
    # Then the reply is no question
    assert detected(zone, text) == (Intent.OTHER, None)


@pytest.mark.parametrize(
    ("zone", "text", "read"),
    [
        (JAKARTA, "boleh?", (Intent.QUESTION, None)),
        (JAKARTA, "bisa kak?", (Intent.QUESTION, None)),
        (JAKARTA, "boleh minta brosurnya", (Intent.QUESTION, None)),
        (SAO_PAULO, "pode mandar o link", (Intent.QUESTION, None)),
        (JAKARTA, "boleh kak, besok aja", (Intent.CALL_BACK_AT, "2026-11-25T09:00")),
    ],
)
def test_a_yes_that_asks_or_asks_for_a_time_is_read_as_before(
    zone: ZoneInfo, text: str, read: tuple[Intent, str | None]
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When the word asks with a mark, goes on to ask, or asks for a time
    # Then the reply is a question, or the call back asked for
    assert detected(zone, text) == read
