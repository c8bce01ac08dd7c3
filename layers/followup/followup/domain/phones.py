"""What a phone number says of where its owner lives: its country calling code and its
country, from libphonenumber's numbering plan (loaded on first use)."""

from __future__ import annotations

from functools import lru_cache

from followup.loading import loading

_SEPARATORS = str.maketrans("", "", " -().")
"""What people type between a number's digits: spaces, dashes, dots and parentheses."""


def country_of(address: str | None) -> str | None:
    """The country (ISO 3166-1 alpha-2) of a phone number written country code first, with
    "+", the international "00" or neither, and spaces, dashes, dots or parentheses between
    its digits as typed ("+55 (11) 91234-5678", "0055 11 ..."), or of a business-scoped
    user id ("BR.1502..."); None when the address names none (an email, a number no
    country's plan claims)."""
    if not address:
        return None
    prefix, dot, _ = address.partition(".")
    if dot and prefix.isalpha():
        return prefix if len(prefix) == 2 and prefix.isascii() and prefix.isupper() else None
    typed = address.strip().translate(_SEPARATORS)
    digits = typed[1:] if typed.startswith("+") else typed.removeprefix("00")
    return _region(digits) if digits.isascii() and digits.isdigit() else None


def calling_code(number: str) -> str:
    """The country calling code an international number (`6281...`, `+62 812-...`) begins
    with; empty when no country's code begins it."""
    digits = "".join(ch for ch in number if ch.isascii() and ch.isdigit())
    return next((digits[:n] for n in (1, 2, 3) if digits[:n] in _calling_codes()), "")


@lru_cache(maxsize=1)
def _calling_codes() -> frozenset[str]:
    """Every country calling code in use (they are prefix-free: one begins no other)."""
    with loading():
        from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    return frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)


@lru_cache(maxsize=4096)
def _region(digits: str) -> str | None:
    """The region of the number +`digits` by its calling code (and, where countries share
    one, its leading digits), from libphonenumber's plan; None when no country claims it."""
    with loading():  # the numbering plan (a library and its data) loads on first use
        import phonenumbers

        try:
            number = phonenumbers.parse("+" + digits)
        except phonenumbers.NumberParseException:
            return None
        region = phonenumbers.region_code_for_number(number)
        unknown = phonenumbers.UNKNOWN_REGION
    return region if region and region != unknown and region.isalpha() else None
