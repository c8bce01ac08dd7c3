"""Opt-out: a message that is only a keyword opts out; a sentence containing one does not."""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.domain.optout import is_opt_out
from followup.domain.settings import DEFAULT_OPT_OUT_KEYWORDS


@pytest.mark.parametrize(
    "message",
    [
        "STOP",
        "stop",
        " Stop! ",
        "BERHENTI",
        "parar.",
        "PARAR 🙏",
        "Unsubscribe",
        "cancel",
        "Párar",
        "ＳＴＯＰ",
        "\tstop\n",
        "...STOP!!!",
        "🛑 stop 🛑",
    ],
)
def test_a_message_that_is_only_a_default_keyword_opts_out(message: str) -> None:
    # Given the default keywords / When the contact sends just a keyword, however decorated
    # Then they are opted out
    assert is_opt_out(message, DEFAULT_OPT_OUT_KEYWORDS)


@pytest.mark.parametrize(
    "message",
    [
        "please stop messaging me",
        "don't stop",
        "stopwatch",
        "can I cancel my booking?",
        "stop it",
        "parar de enviar",
        "",
        "   ",
        "!!!",
        "🙏",
    ],
)
def test_a_sentence_or_a_longer_word_does_not_opt_out(message: str) -> None:
    # Given the default keywords / When the message is a sentence, a longer word or empty
    # Then the contact stays subscribed (they may be asking something else)
    assert not is_opt_out(message, DEFAULT_OPT_OUT_KEYWORDS)


def test_workspace_keywords_replace_the_defaults() -> None:
    # Given a workspace that configured "keluar" as its only opt-out keyword
    keywords = ["keluar"]

    # When contacts send it / Then it opts out, while the defaults no longer do
    assert is_opt_out("Keluar!", keywords)
    assert is_opt_out("KELUAR 🙏", keywords)
    assert not is_opt_out("STOP", keywords)
    assert not is_opt_out("Keluar", DEFAULT_OPT_OUT_KEYWORDS)


def test_multi_word_keyword_matches_with_any_inner_spacing() -> None:
    # Given a keyword of two words
    keywords = ["opt out"]

    # Then the phrase alone opts out whatever the spacing/case, a longer sentence does not
    assert is_opt_out("  OPT   out. ", keywords)
    assert not is_opt_out("how do I opt out", keywords)


def test_configured_keyword_with_accents_or_case_matches_plain_text() -> None:
    # Given a keyword configured with an accent and capitals
    keywords = ["Désinscrire"]

    # Then the plain spelling matches too
    assert is_opt_out("desinscrire", keywords)


# --- properties -----------------------------------------------------------------------------

# Letters whose upper/lower case round-trips (Turkish dotless i, for one, does not).
_LETTERS = string.ascii_letters + string.digits + "áàâãçéêíóôõúüñ"
words = st.text(alphabet=_LETTERS, min_size=1, max_size=10)
keywords = st.one_of(
    st.sampled_from(DEFAULT_OPT_OUT_KEYWORDS),
    st.lists(words, min_size=1, max_size=3).map(" ".join),
)
decorations = st.text(alphabet=" \t\n.,!?¡¿…-*\"'()🙏👍🛑😊", max_size=5)


@st.composite
def recased(draw: st.DrawFn, text: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(ch.upper() if up else ch.lower() for ch, up in zip(text, flips, strict=True))


@settings(deadline=None)
@given(keyword=keywords, before=decorations, after=decorations, data=st.data())
def test_any_keyword_alone_opts_out_whatever_its_case_and_surrounding_punctuation(
    keyword: str, before: str, after: str, data: st.DataObject
) -> None:
    # Given a configured keyword / When the contact sends it with any case and decoration
    message = before + data.draw(recased(keyword)) + after

    # Then they are opted out
    assert is_opt_out(message, [keyword])


@settings(deadline=None)
@given(
    keyword=keywords,
    other=st.lists(words, min_size=1, max_size=3),
    position=st.sampled_from(["before", "after", "both"]),
)
def test_any_keyword_inside_a_longer_message_does_not_opt_out(
    keyword: str, other: list[str], position: str
) -> None:
    # Given a keyword embedded with at least one other word
    extra = " ".join(other)
    message = {
        "before": f"{extra} {keyword}",
        "after": f"{keyword} {extra}!",
        "both": f"{extra} {keyword} {extra}?",
    }[position]

    # When the contact sends it / Then they stay subscribed
    assert not is_opt_out(message, [keyword])
