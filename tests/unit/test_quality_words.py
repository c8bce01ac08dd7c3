"""A paused number's quality, in the admin's language: every quality WhatsApp pauses a
number for has a word in each catalogue, so the pause notice and Settings never show
WhatsApp's raw code (`DOWNGRADE`) to an Indonesian or Portuguese admin."""

from __future__ import annotations

import pytest

from followup.domain.webhook_events import DEGRADED_QUALITY
from tests.support.catalogues import LOCALES, catalogue


@pytest.mark.parametrize("locale", LOCALES)
def test_every_quality_that_pauses_a_number_has_words_in_each_language(locale: str) -> None:
    # Given the app's catalogue in one language
    words = catalogue(locale)
    # Then each quality that pauses a number is worded there, not left as WhatsApp's code
    unworded = sorted(q for q in DEGRADED_QUALITY if f"quality.{q}" not in words)
    assert unworded == []
    assert all(words[f"quality.{q}"] != q for q in DEGRADED_QUALITY)
