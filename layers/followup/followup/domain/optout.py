"""Opt-out keywords match the whole normalised message, never a word inside a sentence."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def normalise(text: str) -> str:
    """Case, accents, surrounding punctuation/emoji and inner spacing do not matter."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    letters = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = letters.split()
    stripped = [_strip_symbols(word) for word in words]
    return " ".join(word for word in stripped if word)


def _strip_symbols(word: str) -> str:
    start, end = 0, len(word)
    while start < end and not word[start].isalnum():
        start += 1
    while end > start and not word[end - 1].isalnum():
        end -= 1
    return word[start:end]


def is_opt_out(text: str, keywords: Iterable[str]) -> bool:
    """True when the message is a keyword and nothing else: "Stop!" yes, "don't stop" no."""
    message = normalise(text)
    return bool(message) and any(message == normalise(keyword) for keyword in keywords)
