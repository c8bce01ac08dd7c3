"""How many SMS a text goes out as, and so how many the operator bills: GSM-7 text holds
160 characters in one SMS (153 a part when split), any other text is sent as UCS-2 and
holds 70 (67 a part)."""

from __future__ import annotations

import pytest

from followup.domain.channels import SMS_MAX_CHARACTERS, fit_sms, sms_parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
    ],
)
def test_plain_text_goes_out_in_parts_of_160_or_153_characters(text: str, parts: int) -> None:
    # Given a text of GSM-7 letters only
    # When its SMS are counted
    counted = sms_parts(text)
    # Then it fills 160 characters in one SMS and 153 in each part once split
    assert counted.encoding == "gsm7"
    assert counted.parts == parts


@pytest.mark.parametrize(
    "text",
    [
        "Halo Budi, kami tunggu di kantor ya. Terima kasih!",
        "Olá Ana, a inscrição está aberta.",
        "Hi Ana, it’s still open.",
        "“Last call” for your seat",
        "Hi Ana 🙂",
    ],
)
def test_a_text_with_a_curly_quote_an_accent_or_an_emoji_is_sent_as_ucs2(text: str) -> None:
    # Given Indonesian plain text, or text with ã/ç, curly quotes or an emoji
    counted = sms_parts(text)
    # Then only the plain text stays in GSM-7
    expected = "gsm7" if text.startswith("Halo") else "ucs2"
    assert counted.encoding == expected


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("ã" * 70, 1),
        ("ã" * 71, 2),
        ("’" + "a" * 69, 1),
        ("’" + "a" * 70, 2),
        ("ç" * 134, 2),
        ("ç" * 135, 3),
    ],
)
def test_a_ucs2_text_goes_out_in_parts_of_70_or_67_characters(text: str, parts: int) -> None:
    # Given a text with a character outside GSM-7
    # When its SMS are counted
    counted = sms_parts(text)
    # Then it holds 70 characters in one SMS and 67 in each part once split (double the cost)
    assert counted.encoding == "ucs2"
    assert counted.parts == parts


def test_an_emoji_takes_two_of_the_70_places() -> None:
    # Given emoji, each two UTF-16 code units
    # When counted
    # Then 35 fit one SMS and the 36th needs a second
    assert sms_parts("🙂" * 35).parts == 1
    assert sms_parts("🙂" * 36).parts == 2


def test_an_emoji_is_never_split_between_two_parts() -> None:
    # Given 66 letters and then an emoji (a first part holds 67 code units)
    text = "ã" * 66 + "🙂" + "ã" * 66
    # When counted
    # Then the emoji moves whole to the second part, which then takes all 67 units it can
    assert sms_parts(text).units == 134
    assert sms_parts(text).parts == 3


def test_the_extension_characters_take_two_places_of_gsm7() -> None:
    # Given the euro sign and braces, in GSM-7's extension table (escape + character)
    # When counted
    # Then each takes two of the 160 places, and the text stays GSM-7
    assert sms_parts("€" * 80) == sms_parts("{" * 80)
    assert sms_parts("€" * 80).encoding == "gsm7"
    assert sms_parts("€" * 80).units == 160
    assert sms_parts("€" * 80).parts == 1
    assert sms_parts("€" * 81).parts == 2


def test_an_extension_character_is_never_split_between_two_parts() -> None:
    # Given 152 letters, then a euro sign, then 152 letters (a part holds 153 septets)
    text = "a" * 152 + "€" + "a" * 152
    # When counted
    # Then the euro sign moves whole to the second part, which overflows into a third
    assert sms_parts(text).units == 306
    assert sms_parts(text).parts == 3


def test_an_empty_text_is_no_sms() -> None:
    # Given no text
    # When counted
    # Then it is no SMS at all
    assert sms_parts("").parts == 0


def test_the_longest_text_sent_is_11_gsm7_parts_or_24_ucs2_parts() -> None:
    # Given texts cut to the longest SNS publishes (fit_sms)
    plain = fit_sms("word " * 400)
    accented = fit_sms("ação " * 400)
    # When counted
    # Then plain text costs at most 11 SMS and UCS-2 text at most 24
    assert len(plain) <= SMS_MAX_CHARACTERS
    assert len(accented) <= SMS_MAX_CHARACTERS
    assert sms_parts(plain).parts == 11
    assert sms_parts(accented).parts == 24


def test_a_ucs2_text_names_the_characters_that_force_it_and_what_it_would_take_in_gsm7() -> None:
    # Given 139 characters, among them curly apostrophes and an ã, which GSM-7 does not have
    text = "It’s your last day: reserve today, João, it’s" + "a" * 94
    # When counted
    counted = sms_parts(text)
    # Then it goes as UCS-2 in 3 parts where the same text in GSM-7 takes 1, and the characters
    # to blame are named once each, in the order they appear
    assert counted.encoding == "ucs2"
    assert counted.parts == 3
    assert counted.gsm7_parts == 1
    assert counted.unicode == ("’", "ã")


def test_a_gsm7_text_names_no_character() -> None:
    # Given a plain text with a euro sign
    counted = sms_parts("Only €10 today!")
    # Then nothing forces Unicode and GSM-7 is what it costs
    assert counted.unicode == ()
    assert counted.gsm7_parts == counted.parts == 1
