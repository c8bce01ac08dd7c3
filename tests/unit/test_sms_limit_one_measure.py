"""SNS's 1,600 characters are one measure everywhere: code points, of the text as written when
a rule is saved (a placeholder with its braces, a family emoji five) and of the text as the
lead gets it when it goes. A text a name or a field makes longer is cut after its last whole
word that fits, and never inside a character as a reader sees it (a flag, a family emoji, a
letter with its accent): a text without a space to cut at loses its last whole character."""

from __future__ import annotations

import pytest
import regex

from followup.domain.channels import SMS_MAX_CHARACTERS, fit_sms
from followup.domain.settings import WorkspaceSettings
from followup.services.rules import review
from tests.support.builders import rule

FLAG = "🇧🇷"
"""Two regional indicators: one flag on the phone."""
FAMILY = "👨\u200d👩\u200d👧"
"""Three emoji joined by zero-width joiners, five code points: one family on the phone."""
ACCENTED = "e\u0301"
"""An e and a combining acute accent: one é on the phone."""


def graphemes(text: str) -> list[str]:
    return list(regex.findall(r"\X", text))


def length_refusals(text: str) -> list[str]:
    """What saving an SMS step with this text is refused for about its length."""
    step = {"wait": {"amount": 0, "unit": "minutes"}, "channel": "sms", "text": text}
    errors, _ = review(rule("long-sms", steps=[step]), WorkspaceSettings())
    return [e.message for e in errors if "at most" in e.message]


def test_a_text_the_save_takes_goes_whole_and_a_longer_one_is_refused_with_its_count() -> None:
    # Given a text of exactly 1,600 characters as written: a name, letters, family emoji
    text = "Hi {name|there}, " + "a" * 1557 + " " + FAMILY * 5
    assert len(text) == SMS_MAX_CHARACTERS
    # When it is saved, and when it goes with no placeholder to fill
    # Then the save takes it, and SNS gets all of it
    assert length_refusals(text) == []
    assert fit_sms(text) == text
    # When one word more makes it 1,602
    # Then the save refuses it with the count the send cuts at, where the send drops it
    assert length_refusals(text + " a") == [
        "an SMS takes at most 1,600 characters; this text has 1,602"
    ]
    assert fit_sms(text + " a") == text


@pytest.mark.parametrize(
    ("name", "character"),
    [("flag", FLAG), ("family", FAMILY), ("accent", ACCENTED)],
)
def test_a_text_without_a_space_is_cut_before_a_character_the_limit_falls_inside(
    name: str, character: str
) -> None:
    # Given a text that a lead's name made longer than 1,600 characters, with no space to
    # cut at, whose 1,600th code point falls inside a flag, a family emoji or an é
    text = "a" * (SMS_MAX_CHARACTERS - 1) + character + "a" * 10
    # When it is fitted to what SNS takes
    sent = fit_sms(text)
    # Then the lead gets the letters before that character, none of it cut in half
    assert sent == "a" * (SMS_MAX_CHARACTERS - 1)
    assert graphemes(sent) == graphemes(text)[: len(graphemes(sent))]


def test_a_long_word_of_emoji_is_cut_after_its_last_whole_emoji() -> None:
    # Given a word of a letter and flags, one after the other with no space, past the limit
    text = "a" + FLAG * 900
    # When it is fitted
    sent = fit_sms(text)
    # Then every flag the lead gets is whole, as many as fit
    assert sent == "a" + FLAG * 799
    assert len(sent) <= SMS_MAX_CHARACTERS


def test_a_word_that_ends_right_at_the_limit_is_kept() -> None:
    # Given words whose last that fits ends on the 1,600th character, a space after it
    text = "a" * 1595 + " word" + " more"
    # When it is fitted
    # Then that word goes, and the one past the limit does not
    assert fit_sms(text) == "a" * 1595 + " word"


def test_words_on_separate_lines_are_cut_after_the_last_whole_one() -> None:
    # Given a text of words on separate lines, no space among them, past the limit
    text = "\n".join(["lines"] * 400)
    # When it is fitted
    sent = fit_sms(text)
    # Then it ends on the last whole line that fits
    assert sent == "\n".join(["lines"] * 266)
