"""A long Unicode SMS goes in parts of 67 UTF-16 code units, and a part ends only between
two characters as a reader sees them (grapheme clusters): a flag, a family emoji or a
letter with its accent reaches the phone whole, never half at the end of one part and half
at the start of the next; the SMS counted are the parts the text goes in. A rule's text is
judged as a lead gets it: each placeholder filled by its default, or by a typical value."""

from __future__ import annotations

import pytest
import regex

from followup.domain.channels import sms_parts, sms_split
from followup.domain.messaging import typical_text
from followup.domain.settings import WorkspaceSettings
from followup.services.rules import review
from tests.support.builders import rule

FLAG = "🇧🇷"
"""Two regional indicators, four code units: one flag on the phone."""
FAMILY = "👨\u200d👩\u200d👧"
"""Three emoji joined by zero-width joiners, eight code units: one family on the phone."""
ACCENTED = "e\u0301"
"""An e and a combining acute accent: one é on the phone."""
NOW = {"amount": 0, "unit": "minutes"}


def graphemes(text: str) -> list[str]:
    return list(regex.findall(r"\X", text))


def code_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_split_between_graphemes(text: str, parts: tuple[str, ...]) -> None:
    """The parts give back the text, each of them whole characters as the reader sees them."""
    assert "".join(parts) == text
    assert [g for part in parts for g in graphemes(part)] == graphemes(text)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("flag", "ã" * 65 + FLAG + "ã" * 64),
        ("family", "ã" * 63 + FAMILY + "ã" * 60),
        ("accent", "ã" * 66 + ACCENTED + "ã" * 66),
        ("emoji", "ã" * 66 + "🙂" + "ã" * 66),
    ],
)
def test_a_part_boundary_inside_a_character_moves_the_whole_character_to_the_next_part(
    name: str, text: str
) -> None:
    # Given a Unicode text where the 67th code unit falls inside a flag, a family emoji,
    # an accented letter or an emoji
    # When it is split into the parts a phone receives
    parts = sms_split(text)
    # Then the first part ends before that character, which starts the second part whole
    assert_split_between_graphemes(text, parts)
    assert len(parts) == 3
    assert parts[0].strip("ã") == ""
    assert not parts[1].startswith("ã")
    assert all(code_units(part) <= 67 for part in parts)
    # And the SMS counted are the parts the phone receives
    assert sms_parts(text).parts == 3


def test_a_flag_that_would_have_fitted_half_in_the_first_part_costs_the_third_sms() -> None:
    # Given 65 letters, a flag (its first half would fill the first part to 67) and 64 more
    text = "ã" * 65 + FLAG + "ã" * 64
    # When counted
    counted = sms_parts(text)
    # Then the flag fills the second part whole with 63 letters, and the last letter is a third
    assert counted.encoding == "ucs2"
    assert counted.units == 133
    assert sms_split(text) == ("ã" * 65, FLAG + "ã" * 63, "ã")
    assert counted.parts == 3


def test_a_family_emoji_is_never_split_at_its_joiners() -> None:
    # Given 63 letters and a family emoji: a man, a joiner, a woman, a joiner, a girl
    text = "ã" * 63 + FAMILY + "ã" * 60
    # When split
    first, second, third = sms_split(text)
    # Then the first part stops before the family, which the second part carries whole
    assert first == "ã" * 63
    assert second == FAMILY + "ã" * 59
    assert third == "ã"


@pytest.mark.parametrize(
    "text",
    [
        "Olá " + (FLAG + FAMILY + ACCENTED + "🙂ã ") * 40,
        (FAMILY + " ") * 60,
        (FLAG * 3 + "ç") * 50,
        "ã" + "🙂" * 200,
    ],
)
def test_no_part_of_a_long_unicode_text_starts_or_ends_inside_a_character(text: str) -> None:
    # Given long texts of flags, families, accents and emoji
    # When split
    parts = sms_split(text)
    # Then every part is whole characters, at most 67 code units, and they are what is counted
    assert len(parts) > 1
    assert_split_between_graphemes(text, parts)
    assert all(code_units(part) <= 67 for part in parts)
    assert sms_parts(text).parts == len(parts)


def test_a_character_too_long_for_one_part_goes_over_code_point_by_code_point() -> None:
    # Given a letter under 80 combining accents, one character longer than a part
    text = "a" + "\u0301" * 80
    # When split
    parts = sms_split(text)
    # Then it goes over two parts, never between the halves of a surrogate pair
    assert "".join(parts) == text
    assert [code_units(part) for part in parts] == [67, 14]
    assert sms_parts(text).parts == 2


def test_a_text_that_fits_one_sms_is_one_part_whatever_its_characters() -> None:
    # Given a short text with a flag and a family emoji, and an empty text
    text = f"Hi {FAMILY}, welcome {FLAG}"
    # When split
    # Then it is one SMS, and no text is none
    assert sms_split(text) == (text,)
    assert sms_parts(text).parts == 1
    assert sms_split("") == ()


def test_gsm7_parts_keep_an_extension_character_whole() -> None:
    # Given 152 letters, a euro sign (an escape and the character) and 152 letters
    text = "a" * 152 + "€" + "a" * 152
    # When split
    # Then the euro sign starts the second part, and each part holds at most 153 septets
    assert sms_split(text) == ("a" * 152, "€" + "a" * 151, "a")
    assert sms_parts(text).parts == 3


@pytest.mark.parametrize("char", ["€", "[", "]", "{", "}", "~", "^", "\\", "|", "\f"])
def test_each_gsm7_extension_character_takes_two_septets(char: str) -> None:
    # Given 80 of one extension character, and 81
    # When counted
    # Then 80 fill one GSM-7 SMS of 160 septets and the 81st needs a second
    assert sms_parts(char * 80).encoding == "gsm7"
    assert sms_parts(char * 80).units == 160
    assert sms_parts(char * 80).parts == 1
    assert sms_parts(char * 81).parts == 2


@pytest.mark.parametrize(
    ("text", "typical"),
    [
        ("Hi {first_name|there}, still open", "Hi there, still open"),
        ("Hi {first_name|}!", "Hi !"),
        ("Hi {first_name}, {name}", "Hi Maria, Maria Santos"),
        ("Your {attributes.program} seat", "Your sample value seat"),
        ("Braces { } and a | stay", "Braces { } and a | stay"),
    ],
)
def test_a_text_is_judged_with_each_placeholder_filled_by_its_default_or_a_typical_value(
    text: str, typical: str
) -> None:
    # Given a text with placeholders, with a default and without
    # When filled as a typical lead gets it
    # Then a default is used as written, else a typical value of the field
    assert typical_text(text) == typical


def test_the_save_warning_judges_the_text_with_its_placeholders_filled() -> None:
    # Given an SMS whose default name has an ã, the rest plain: 129 characters as the lead
    # gets it, 2 SMS as Unicode instead of 1 (written out with its braces, 142: 3 SMS)
    text = "Hi {first_name|João}, " + "a" * 120
    assert sms_parts(text).parts == 3
    # When its rule is saved
    step = {"wait": NOW, "channel": "sms", "text": text}
    _, warnings = review(rule(steps=[step]), WorkspaceSettings())
    # Then the warning names the ã the default brings and counts the filled text
    assert [(w.field, w.message) for w in warnings] == [
        (
            "steps.0.text",
            "goes as Unicode (ã): 2 SMS per message instead of 1; "
            "names and fields filled in may add more",
        )
    ]


def test_a_unicode_default_that_costs_no_more_than_plain_text_saves_without_warning() -> None:
    # Given a Unicode SMS that is 2 SMS written out with its placeholder, but 1 when filled:
    # "{first_name|Ana}" is 16 characters, "Ana" 3
    text = "Olá {first_name|Ana}, " + "a" * 53
    assert sms_parts(text).parts == 2
    # When its rule is saved
    step = {"wait": NOW, "channel": "sms", "text": text}
    _, warnings = review(rule(steps=[step]), WorkspaceSettings())
    # Then there is no warning: filled, it is one SMS either way
    assert warnings == []
