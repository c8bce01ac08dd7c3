"""The facts a text states that a model could invent: links, phone numbers, prices and
percentages, each read as a value, so that the same fact written two ways compares equal
and two facts that merely share digits do not.

Amounts follow the usual conventions of Indonesian and Portuguese ("1.500.000", "1,5",
"1.299,90") and of English ("1,500,000", "15.00"): with both marks the last one is the
decimal mark; a single mark followed by exactly three digits, or a mark used more than
once, groups thousands; any other single mark is the decimal mark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

_TLDS = (
    "com|net|org|io|id|br|co|me|ly|link|app|info|biz|shop|site|online|my|edu|gov|ac|sch|"
    "xyz|ai|us|uk|au|sg|in|pt|es|mx|ar|cl|pe|tv|cc|to|gg|vip|top|live|club|store|website|"
    "tech|dev|page|academy|school|university|college|education|courses|study|ph|th|vn|ng|"
    "za|ke|eg|tr|ru|de|fr|it|nl|ca|nz|jp|kr|cn|hk|tw"
)
_URL = re.compile(
    rf"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:{_TLDS})\b(?:/\S*)?",
    re.IGNORECASE,
)
_URL_END = ".,!?;:)]}'\"/"
"""What ends a link's sentence or wraps it, not the link: "school.com/pay-now." and
"(school.com/pay-now/)" give the same page."""

_PHONE_MIN_DIGITS = 9  # shorter runs are years, times and amounts
_SPACED_PHONE = re.compile(r"(?<![\d.,])\+?\(?\d[\d\s()-]{7,}\d(?!\d)")
_DOTTED_PHONE = re.compile(r"(?<![\d.,+])\+?\d+(?:\.\d+)+(?![\d]|[.,]\d)")
_GROUPED_AMOUNT = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")

_AMOUNT = r"\d+(?:[.,]\d+)*"
_CURRENCY = (
    r"(?:rp\.?|idr|r\$|brl|usd|us\$|\$|€|eur|£|rm|myr|s\$|sgd|reais?|rupiah|dollars?|euros?"
    r"|pesos?|d[óo]lar(?:es)?|mxn|cop|clp|ars|pen|soles?|₹|inr|rupees?|₱|php|¥|yen)"
)
_MAGNITUDES = {
    "k": 1_000,
    "rb": 1_000,
    "ribu": 1_000,
    "thousand": 1_000,
    "mil": 1_000,
    "jt": 1_000_000,
    "juta": 1_000_000,
    "million": 1_000_000,
    "millions": 1_000_000,
    "milhão": 1_000_000,
    "milhao": 1_000_000,
    "milhões": 1_000_000,
    "milhoes": 1_000_000,
    "millón": 1_000_000,
    "millon": 1_000_000,
    "millones": 1_000_000,
    "miliar": 1_000_000_000,
    "milyar": 1_000_000_000,
    "billion": 1_000_000_000,
    "billions": 1_000_000_000,
    "bilhão": 1_000_000_000,
    "bilhao": 1_000_000_000,
    "bilhões": 1_000_000_000,
    "bilhoes": 1_000_000_000,
}
"""Words for thousands, millions and billions: "350 ribu", "1,5 juta", "R$ 10 mil", "2
millones de pesos" and "3 miliar" are prices."""
_MAGNITUDE = "(?:" + "|".join(sorted(_MAGNITUDES, key=len, reverse=True)) + r")(?![^\W\d_])"
_PRICE = re.compile(
    rf"(?<![^\W\d_]){_CURRENCY}\s?(?P<a>{_AMOUNT})(?:\s?(?P<am>{_MAGNITUDE}))?"
    rf"|\b(?P<b>{_AMOUNT})\s?(?:(?P<bm>{_MAGNITUDE})\s?)?{_CURRENCY}(?![a-z])"
    rf"|\b(?P<c>{_AMOUNT})\s?(?P<cm>{_MAGNITUDE})",
    re.IGNORECASE,
)
_NAMED_AMOUNT = re.compile(
    r"(?<![^\W_])(?:amount|price|fee|fees|cost|tuition|biaya|harga|nominal|valor|preço|preco|"
    r"precio|mensalidade|taxa)(?![^\W_])(?:\s*[:=]\s*|\s+(?:(?:is|adalah|sebesar|é)\s+)?)"
    rf"(?P<a>{_AMOUNT})(?![\d.,]*\d|\s?{_MAGNITUDE})",
    re.IGNORECASE,
)
_PERCENT_WORDS = r"(?:%|persen|percent|per cent|por cento|porcento|por ciento)"
_PERCENT = re.compile(rf"(?P<a>\d+(?:[.,]\d+)?)\s?{_PERCENT_WORDS}", re.IGNORECASE)


def _fives() -> dict[str, int]:
    """Multiples of five up to a hundred as words, the ways discounts are written in the
    languages checked: "fifty", "twenty-five", "dua puluh lima", "vinte e cinco",
    "veinticinco"."""
    tens = {
        "en": ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"),
        "id": tuple(
            f"{unit} puluh"
            for unit in ("dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan")
        ),
        "pt": ("vinte", "trinta", "quarenta", "cinquenta", "sessenta", "setenta", "oitenta",
               "noventa"),
        "es": ("veinte", "treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta",
               "noventa"),
    }  # fmt: skip
    five = {"en": ("-five", " five"), "id": (" lima",), "pt": (" e cinco",), "es": (" y cinco",)}
    words = {
        "five": 5, "ten": 10, "fifteen": 15, "hundred": 100, "one hundred": 100,
        "lima": 5, "sepuluh": 10, "lima belas": 15, "seratus": 100,
        "cinco": 5, "dez": 10, "quinze": 15, "cem": 100,
        "diez": 10, "quince": 15, "veinticinco": 25, "cien": 100,
    }  # fmt: skip
    for language, written in tens.items():
        for index, ten in enumerate(written):
            words[ten] = 20 + 10 * index
            for ending in five[language]:
                words[ten + ending] = 25 + 10 * index
    return words


_FIVES = _fives()


@cache
def _percent_in_words() -> re.Pattern[str]:
    """A percentage in words, compiled with the first text checked (about 1 ms, which no
    handler should pay as it loads)."""
    words = "|".join(re.escape(w) for w in sorted(_FIVES, key=len, reverse=True))
    return re.compile(rf"(?<![^\W\d_])(?P<w>{words})\s{_PERCENT_WORDS}", re.IGNORECASE)


@dataclass(frozen=True)
class Fact:
    """One fact as written in a text, and the value it stands for."""

    written: str
    value: str | Decimal


def links(text: str) -> list[Fact]:
    """The links in `text`; a link's value is its host and path, without scheme or `www.`."""
    return [Fact(url, _page(url)) for url in _URL.findall(text)]


def phones(text: str) -> list[Fact]:
    """The phone numbers in `text`, written with spaces, dashes, parentheses or dots, valued
    by their digits; runs of fewer than nine digits and dotted groups that read as an
    amount ("1.500.000.000") are not phone numbers."""
    found = _SPACED_PHONE.findall(text) + [
        run for run in _DOTTED_PHONE.findall(text) if not _GROUPED_AMOUNT.fullmatch(run)
    ]
    return [
        Fact(phone.strip(), digits)
        for phone in found
        if len(digits := re.sub(r"\D", "", phone)) >= _PHONE_MIN_DIGITS
    ]


def prices(text: str) -> list[Fact]:
    """The prices in `text`, with a currency or a word for thousands or millions, valued as
    amounts: "Rp 1,5 juta", "Rp1.500.000" and "1500000 rupiah" are the same price."""
    return [Fact(found.group(0).strip(), _price_value(found)) for found in _PRICE.finditer(text)]


def named_amounts(text: str) -> list[Fact]:
    """Amounts that follow a word for a price ("fee 1500000", "biaya: 1.500.000"): a price
    a business states even without a currency, as a deal's amount usually is."""
    return [
        Fact(found.group(0), _amount(found.group("a"))) for found in _NAMED_AMOUNT.finditer(text)
    ]


def percentages(text: str) -> list[Fact]:
    """The percentages in `text`, in figures or words ("10%", "2,5 persen", "fifty
    percent", "dua puluh persen"), valued."""
    return [
        Fact(found.group(0), Decimal(found.group("a").replace(",", ".")))
        for found in _PERCENT.finditer(text)
    ] + [
        Fact(found.group(0), Decimal(_FIVES[" ".join(found.group("w").lower().split())]))
        for found in _percent_in_words().finditer(text)
    ]


def _amount(number: str) -> Decimal:
    """The number an amount writes, its thousands and decimal marks read as described above."""
    last = max(number.rfind("."), number.rfind(","))
    if last < 0:
        return Decimal(number)
    whole, mark, tail = number[:last], number[last], number[last + 1 :]
    both = "." in number and "," in number
    if both or (mark not in whole and len(tail) != 3):
        return Decimal(re.sub(r"\D", "", whole) + "." + tail)
    return Decimal(re.sub(r"\D", "", number))


def _price_value(found: re.Match[str]) -> Decimal:
    number = found.group("a") or found.group("b") or found.group("c")
    magnitude = found.group("am") or found.group("bm") or found.group("cm")
    return _amount(number) * (_MAGNITUDES[magnitude.lower()] if magnitude else 1)


def _page(url: str) -> str:
    page = url.rstrip(_URL_END)
    page = re.sub(r"^(?:https?://)?(?:www\.)?", "", page, flags=re.IGNORECASE)
    host, slash, path = page.partition("/")
    return host.lower() + slash + path
