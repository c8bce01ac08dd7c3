"""What a phone number says of where its owner lives: its country calling code, its
country and its time zones, from libphonenumber's numbering plan (loaded on first use); and
the other way WhatsApp may write a mobile number."""

from __future__ import annotations

import re
from functools import lru_cache

from followup.loading import loading

_SEPARATORS = str.maketrans("", "", " -().")
"""What people type between a number's digits: spaces, dashes, dots and parentheses."""
_TRUNK_HINT = re.compile(r"\(\s*0\s*\)")
"""A national trunk 0 written in parentheses after the country code ("+44 (0)20 ...", "+62
(0)811 ..."): dialled at home only, no digit of the number."""
_AS_DECIMAL = re.compile(r"\s*(\+?\d{8,15})\.0+\s*")
"""A number a spreadsheet or a CRM kept as a decimal ("6281100000201.0", pandas' way with
a phone column that has a blank cell): its decimals are none of its digits."""


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
    digits = international_digits(address)
    return _region(digits) if digits else None


def zone_of(address: str | None, home: str) -> str | None:
    """The time zone (IANA name) a phone number, written as `country_of` reads one, places
    its owner in, for a workspace in the zone `home`. None where it says nothing: a user
    id, an email, a number libphonenumber places nowhere; and a number of the country
    `home` is in (the tz database's `zone.tab` says which), whose owner is read in the
    workspace's zone as before, since a mobile number does not say where in a country of
    several zones its owner is ("+62 812 ..." is any of Indonesia). A country is not its
    calling code: a Canadian number (+1 604) of a workspace in New York, or a Kazakh one
    (+7 701) of one in Moscow, is of another country. Where `home` names no country there
    (UTC, an old alias), a number whose calling code's zones include `home` counts as of
    its country. Else the first zone libphonenumber lists for the number: its only one for
    most, the first of its alphabetical list for a mobile of a country of several (a guess
    within the country: Adelaide for an Australian mobile). A WhatsApp id in the form no
    one dials (a Brazilian mobile without its ninth digit, a Mexican one with the 1 after
    52) is placed by the form dialled."""
    digits = international_digits(address) if address else None
    if not digits:
        return None
    own, shared, region = _zones(digits)
    country = _zone_countries().get(home)
    same = region == country if country is not None else home in shared
    return None if not own or same else own[0]


def international_digits(typed: str) -> str | None:
    """The digits of a phone number written country code first, with "+", the
    international "00" or neither, and spaces, dashes, dots or parentheses between them
    ("+62 811-0000-0201" → 6281100000201), the trunk 0 in parentheses left out ("+62
    (0)811 ..."), or kept as a decimal ("6281100000201.0"); None for text that is no such
    number."""
    decimal = _AS_DECIMAL.fullmatch(typed)
    bare = _TRUNK_HINT.sub("", decimal.group(1) if decimal else typed).strip()
    bare = bare.translate(_SEPARATORS)
    digits = bare[1:] if bare.startswith("+") else bare.removeprefix("00")
    return digits if digits.isascii() and digits.isdigit() else None


_WRITTEN_TWICE: tuple[tuple[re.Pattern[str], str, bool], ...] = (
    # Brazil: a mobile is dialled with a ninth digit 9; WhatsApp names one older than that
    # digit without it. Its 8 digits begin with 6 to 9 (a landline's with 2 to 5, and one
    # with the 9 before is someone else).
    (re.compile(r"(55[1-9]{2})9?([6-9]\d{7})"), "9", True),
    # Mexico: every number is dialled 52 and ten digits since 2019; WhatsApp names mobiles
    # 521 and the ten digits, as they were dialled before.
    (re.compile(r"(52)1?(\d{10})"), "1", False),
    # Argentina: a mobile is dialled from abroad 549 and ten digits, and often written
    # without the 9, the way a landline is; WhatsApp names it with the 9.
    (re.compile(r"(54)9?(\d{10})"), "9", True),
)
"""Per country: the number's parts around the digit one of its two forms has, that digit,
and whether the form with it is the one dialled."""


def other_whatsapp_form(wa_id: str) -> str | None:
    """The same mobile number as it is written the other way, where a country has two: a
    Brazilian mobile with or without its ninth digit, a Mexican one with or without the 1
    after 52, an Argentine one with or without the 9 after 54. None for every other number,
    and for one that, dialled, is no mobile's (a Brazilian landline)."""
    for parts, digit, dialled_with in _WRITTEN_TWICE:
        written = parts.fullmatch(wa_id)
        if written is None:
            continue
        head, tail = written.groups()
        with_digit, without = head + digit + tail, head + tail
        if _mobile(with_digit if dialled_with else without):
            return without if wa_id == with_digit else with_digit
    return None


def dialled(wa_id: str) -> str:
    """The number as a phone dials it, for an SMS: WhatsApp's id of an older Brazilian
    mobile gains its ninth digit, a Mexican mobile's loses the 1 after 52; every other
    number (a landline, another country's) as it is."""
    for parts, digit, dialled_with in _WRITTEN_TWICE:
        written = parts.fullmatch(wa_id)
        if written is None:
            continue
        head, tail = written.groups()
        form = head + digit + tail if dialled_with else head + tail
        return form if _mobile(form) else wa_id
    return wa_id


def calling_code(number: str) -> str:
    """The country calling code an international number (`6281...`, `+62 812-...`) begins
    with; empty when no country's code begins it."""
    digits = "".join(ch for ch in number if ch.isascii() and ch.isdigit())
    return next((digits[:n] for n in (1, 2, 3) if digits[:n] in _calling_codes()), "")


@lru_cache(maxsize=256)
def country_calling_code(country: str) -> str:
    """The calling code of a country (ISO 3166-1 alpha-2): "62" for ID; empty for none."""
    with loading():
        from phonenumbers import country_code_for_region

    code = country_code_for_region(country)
    return str(code) if code else ""


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


@lru_cache(maxsize=4096)
def without_trunk_zero(digits: str) -> tuple[str, str] | None:
    """The country code and the number `digits` meant, written with its national trunk 0
    after that code ("62 0811 ...", as "+62 0811 ..." is typed): the digits without that 0,
    when only they make a valid number by libphonenumber's plan; None for every other
    number (after 39, Italy's, a 0 is a digit of the number)."""
    if "0" not in digits[1:4]:
        return None
    with loading():
        import phonenumbers

        try:
            number = phonenumbers.parse("+" + digits)
        except phonenumbers.NumberParseException:
            return None
        code = str(number.country_code)
        national = phonenumbers.national_significant_number(number)
        if digits != code + "0" + national or not phonenumbers.is_valid_number(number):
            return None
        return code, code + national


@lru_cache(maxsize=4096)
def _mobile(digits: str) -> bool:
    """Whether +`digits` is a valid number a mobile may have, by libphonenumber's plan (in
    Mexico, which tells no mobile from a landline by its number, any valid one)."""
    with loading():
        import phonenumbers

        number = phonenumbers.parse("+" + digits)
        kind = phonenumbers.number_type(number)
        kinds = (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        )
        return phonenumbers.is_valid_number(number) and kind in kinds


@lru_cache(maxsize=4096)
def _zones(digits: str) -> tuple[tuple[str, ...], tuple[str, ...], str | None]:
    """The time zones of the number +`digits` (or of its other WhatsApp form, when
    libphonenumber places it nowhere), every zone of its country calling code, and its
    country; empty (and None) for a number placed nowhere (an invalid one)."""
    with loading():
        import phonenumbers
        from phonenumbers.timezone import UNKNOWN_TIMEZONE, time_zones_for_number
        from phonenumbers.tzdata import TIMEZONE_DATA

        for form in (digits, other_whatsapp_form(digits)):
            if form is None:
                continue
            try:
                number = phonenumbers.parse("+" + form)
            except phonenumbers.NumberParseException:
                return (), (), None
            own = tuple(zone for zone in time_zones_for_number(number) if zone != UNKNOWN_TIMEZONE)
            if own:
                shared = tuple(TIMEZONE_DATA.get(str(number.country_code), ()))
                return own, shared, _region(form)
    return (), (), None


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    """The country (ISO 3166-1 alpha-2) of each zone the tz database's `zone.tab` lists,
    from the `tzdata` package: "America/Vancouver" is CA's, "America/New_York" the US's."""
    with loading():
        from importlib.resources import files

        table = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    rows = (line.split("\t") for line in table.splitlines() if not line.startswith("#"))
    return {row[2]: row[0] for row in rows if len(row) >= 3}
