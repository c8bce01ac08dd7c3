"""Checks an AI-written text passes before anything is sent; a failure names the guardrail.

Limits (WhatsApp Cloud API): a text message body holds at most 4096 characters. A
template body parameter may hold no newline or tab and no more than four consecutive
spaces; Meta limits a template's body to 1024 characters, so a parameter is held to that.

Facts the model must not invent: URLs, phone numbers, prices and discounts are allowed
only when the same value appears in the step's instructions or the context (`source`),
read as values by `facts`: a link by its host and path, a phone number by its digits, a
price by its amount ("Rp 1,5 juta" is "Rp1.500.000", not "Rp 15 juta"), a discount by the
percentage written in the source (not by any number found there).

Forbidden phrases are found whatever their case, accents, spacing or full-width letters,
and with their words broken by punctuation or spelled out ("guar-antee", "g u a r a n t e
e"); a space inside a word is not looked through (see `_phrase_pattern`).

Not a message at all: the model's refusal ("I can't help with that"), a preamble meant for
whoever asked ("Here is the message:"), or a placeholder it left for someone to fill in
("[Name]", "{first_name}", "<name>") would read as nonsense to the lead.

Language: a cheap stop-word count over English, Indonesian/Malay, Portuguese and Spanish
(no library: langdetect, the lightest detector, spends ~300 ms loading its profiles on
its first detection, which every cold start would pay). A text is refused only when it
clearly reads as another of these languages; a short or mixed text passes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from followup.domain import facts
from followup.domain.ai import AiRequest
from followup.domain.contact import Speaker

TEXT_BODY_MAX = 4096
TEMPLATE_PARAMETER_MAX = 1024
_MAX_SPACES = 4


class Guardrail(StrEnum):
    EMPTY = "empty"
    REFUSAL = "refusal"
    PREAMBLE = "preamble"
    PLACEHOLDER = "placeholder"
    LENGTH = "length"
    TEMPLATE_PARAMETER = "template_parameter"
    LANGUAGE = "language"
    URL = "url"
    PHONE = "phone"
    PRICE = "price"
    DISCOUNT = "discount"
    FORBIDDEN_PHRASE = "forbidden_phrase"
    CLAIMS_HUMAN = "claims_human"


class Target(StrEnum):
    """Where the text goes: a free-form text message or one template body parameter."""

    TEXT = "text"
    TEMPLATE_PARAMETER = "template_parameter"


@dataclass(frozen=True)
class Refusal:
    guardrail: Guardrail
    detail: str


_DISCOUNT_WORDS = re.compile(
    r"\b(?:discount|diskon|potongan|desconto|descuento|cashback|promo|voucher|cupom|cupón|"
    r"coupon|kupon|half price|half off|setengah harga|metade do pre[çc]o|mitad de precio)\b",
    re.IGNORECASE,
)
"""Not "off" alone: "your day off", "kick off"; "20% off" and "$10 off" are found as a
discount and a price."""
_CLAIMS_HUMAN = re.compile(
    r"\bi\s*(?:am|'m|’m)\s+(?:a\s+)?(?:real\s+|actual\s+)?(?:human|person|people)\b"
    r"|\bi\s*(?:am|'m|’m)\s+not\s+(?:a\s+|an\s+)?(?:bot|robot|ai|machine)\b"
    r"|\b(?:saya|aku|sy)\s+(?:adalah\s+|ini\s+)?(?:seorang\s+)?(?:manusia|orang\s+(?:asli|sungguhan))\b"
    r"|\b(?:saya|aku|sy)\s+bukan\s+(?:bot|robot|mesin|ai)\b"
    r"|\bsou\s+(?:uma?\s+)?(?:pessoa|humano|humana|ser\s+humano)\b"
    r"|\bn[ãa]o\s+sou\s+(?:uma?\s+)?(?:rob[ôo]|bot|m[áa]quina|ia)\b"
    r"|\bsoy\s+(?:una?\s+)?(?:persona|humano|humana|ser\s+humano)\b"
    r"|\bno\s+soy\s+(?:una?\s+)?(?:robot|bot|m[áa]quina|ia)\b",
    re.IGNORECASE,
)
_REFUSAL = re.compile(
    r"\bas an ai\b"
    r"|\bi\s*(?:can(?:no|'|’)?t|won(?:'|’)t|(?:am|'m|’m)\s+(?:unable|not able)\s+to)\s+"
    r"(?:help|assist|comply|write|create|provide|fulfil+|do that)\b(?!\s+but\b)"
    r"|\b(?:saya|aku)\s+tidak\s+(?:bisa|dapat)\s+(?:membantu|menulis|memenuhi)\b"
    r"|\bn[ãa]o\s+(?:posso|consigo)\s+(?:ajudar|escrever|atender)\b"
    r"|\bno\s+puedo\s+(?:ayudar|escribir|cumplir)\b",
    re.IGNORECASE,
)
"""The model declining to write ("I'm sorry, but I can't help with that"), not a lead's
"I can't help but smile"."""
_PREAMBLE = re.compile(
    r"^\W*(?:(?:sure|certainly|of course|okay|ok|claro|tentu|baik)\W+)?"
    r"(?:here(?:'|’)?s|here\s+is|below\s+is|berikut(?:\s+ini)?(?:\s+adalah)?|ini|segue|"
    r"aqui\s+est[áa]|aqu[íi]\s+(?:est[áa]|tienes))"
    r"\b[^\n:]{0,80}?\b(?:message|follow-?up|draft|text|version|reply|response|pesan(?:nya)?|"
    r"mensagem|mensaje)\b[^\n:]{0,40}:",
    re.IGNORECASE,
)
"""A first line introducing the message to whoever asked for it, in the languages checked."""
_POSTSCRIPT = re.compile(
    r"\n[^\n]*\b(?:let me know|would you like|if you(?:'|’)?d like|if you want|i can|feel free|"
    r"posso|quer que eu|se quiser|me avise|kalau|jika|bila|saya bisa|si quieres|puedo)\b"
    r"[^\n]*\b(?:(?:this|the) (?:message|draft|text|wording)|another version|the tone|"
    r"(?:essa|esta|a) mensagem|outra vers[ãa]o|pesan ini|pesannya|draf(?:nya)?|"
    r"(?:este|el) mensaje|otra versi[óo]n)\b[^\n]*\s*$",
    re.IGNORECASE,
)
"""A last line offering whoever asked to change the message ("Let me know if you'd like any
changes to this message!"), which the lead would read as written to them."""
_PLACEHOLDER = re.compile(
    r"\{+\s*\w[^{}\n]{0,40}\}+"
    r"|<\s*[^\W\d][\w ]{0,30}>"
    r"|\[\s*(?:[A-Z][\w ]{0,30}|[\w ]*_[\w ]*"
    r"|[\w ]*\b(?:name|nama|nome|nombre|link|tautan|enlace|url|date|tanggal|data|fecha|day"
    r"|hari|dia|time|jam|hora|waktu|program|programa)\b[\w ]*)\]"
)
"""A blank left for someone to fill in: "{first_name}", "{{1}}", "<name>", "[Name]",
"[your name]", "[link]"; not a lowercase note in brackets such as "[local model]"."""

_STOP_WORDS = {
    "en": {"the", "you", "your", "and", "is", "are", "to", "we", "for", "with", "this", "it"},
    "id": {"yang", "dan", "anda", "kamu", "kami", "untuk", "dengan", "ini", "itu", "sudah",
           "apakah", "masih", "ingin", "mau", "bisa", "saja", "kalau", "akan", "kapan", "belum",
           "tidak", "juga", "silakan", "kabar", "kasih", "gimana"},
    "pt": {"você", "voce", "não", "nao", "para", "com", "uma", "que", "seu", "sua", "obrigado"},
    "es": {"usted", "para", "con", "una", "que", "los", "las", "gracias", "está", "tu", "su"},
}  # fmt: skip
_SAME_LANGUAGE = {"ms": "id", "in": "id"}
_MIN_HITS = 3
_BREAK = r"(?:[^\w\s'’]|_)*"
"""What may stand between two letters of a forbidden word and still spell it: punctuation
and symbols, never a space nor an apostrophe (see `_phrase_pattern`)."""
_LETTER_GAP = r"(?:[^\w'’]|_)"
"""One space or mark after each letter: a word spelled out, "g u a r a n t e e"."""
_SPELLED_OUT_MIN = 4
"""The fewest letters a word spelled out is found by, its first and last letters standing
alone too: one-letter words stand in a row in real sentences ("e o", "y a"), four such
letters spelling a forbidden word do not."""


def check(
    text: str,
    *,
    target: Target,
    source: str,
    language: str | None = None,
    max_chars: int | None = None,
    forbidden: Iterable[str] = (),
) -> Refusal | None:
    """The first guardrail `text` fails, or None when it may be sent."""
    if _blank(text):
        return Refusal(Guardrail.EMPTY, "the text is empty")
    return (
        _found(_REFUSAL, text, Guardrail.REFUSAL, "declines to write")
        or _found(_PREAMBLE, text, Guardrail.PREAMBLE, "introduces the message")
        or _found(_POSTSCRIPT, text, Guardrail.PREAMBLE, "offers to change the message")
        or _found(_PLACEHOLDER, text, Guardrail.PLACEHOLDER, "leaves a blank")
        or _length(text, target, max_chars)
        or (_template_parameter(text) if target is Target.TEMPLATE_PARAMETER else None)
        or _claims_human(text)
        or _forbidden(text, forbidden)
        or _invented(text, source)
        or _language(text, language)
    )


def check_edited(text: str, target: Target) -> Refusal | None:
    """What a person's edit of a written text must still pass: WhatsApp's limits."""
    if _blank(text):
        return Refusal(Guardrail.EMPTY, "the text is empty")
    return _length(text, target, None) or (
        _template_parameter(text) if target is Target.TEMPLATE_PARAMETER else None
    )


def _blank(text: str) -> bool:
    """Whether `text` shows nothing: no letter, digit, punctuation or symbol (emoji are
    symbols), only spaces and invisible marks such as a zero-width space."""
    return not any(unicodedata.category(char)[0] in "LNPS" for char in text)


def check_written(
    text: str, request: AiRequest, *, target: Target, forbidden: Iterable[str] = ()
) -> Refusal | None:
    """`check` for an AI text: facts may come only from what the business gave the model."""
    return check(
        text,
        target=target,
        source=given_facts(request),
        language=request.context.language,
        max_chars=request.max_chars,
        forbidden=forbidden,
    )


def given_facts(request: AiRequest) -> str:
    """Where a link, a phone number, a price or a discount in an AI text may come from: the
    step's instructions, the contact's and the deal's details and what the business said in
    the conversation. Not what the lead wrote (a lead asking "is there a 50% discount?", or
    writing "say the fee is Rp 100.000", gives no fact to confirm), nor the lead's name in
    what the business said (a WhatsApp profile name is the lead's own words: "Hi {name}"
    sent to "Rudi pay-now.co 50% off" gives neither that link nor that discount), nor the
    engine's own lines of the prompt ("Write at most 200 characters" names no price)."""
    context = request.context
    said = [
        _without_name(line.text, context.contact_name)
        for line in context.lines
        if line.speaker is not Speaker.CONTACT
    ]
    details = [f"{key} {value}" for key, value in context.attributes.items()]
    details += [f"{key} {value}" for key, value in context.deal_attributes.items()]
    return "\n".join([request.instructions, *details, *said])


def _without_name(text: str, name: str) -> str:
    """`text` with the lead's name, and each word of it, taken out where it stands as a
    word of its own, in any case: "Ed" leaves "reduced" as it is."""
    for part in sorted({name.strip(), *name.split()}, key=len, reverse=True):
        if part:
            text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", " ", text, flags=re.IGNORECASE)
    return text


def _length(text: str, target: Target, max_chars: int | None) -> Refusal | None:
    limit = TEXT_BODY_MAX if target is Target.TEXT else TEMPLATE_PARAMETER_MAX
    if max_chars is not None:
        limit = min(limit, max_chars)
    if len(text) > limit:
        return Refusal(Guardrail.LENGTH, f"{len(text)} characters, more than {limit}")
    return None


def _template_parameter(text: str) -> Refusal | None:
    if "\n" in text or "\t" in text:
        return Refusal(Guardrail.TEMPLATE_PARAMETER, "a parameter may hold no newline or tab")
    if " " * (_MAX_SPACES + 1) in text:
        detail = f"a parameter may hold no more than {_MAX_SPACES} consecutive spaces"
        return Refusal(Guardrail.TEMPLATE_PARAMETER, detail)
    return None


def _found(pattern: re.Pattern[str], text: str, guardrail: Guardrail, what: str) -> Refusal | None:
    found = pattern.search(text)
    return Refusal(guardrail, f"{what}: {found.group(0)!r}") if found else None


def _claims_human(text: str) -> Refusal | None:
    found = _CLAIMS_HUMAN.search(text)
    if found:
        return Refusal(Guardrail.CLAIMS_HUMAN, f"claims to be a person: {found.group(0)!r}")
    return None


def _forbidden(text: str, phrases: Iterable[str]) -> Refusal | None:
    folded = _folded(text)
    for phrase in phrases:
        if phrase.strip() and _phrase_pattern(_folded(phrase)).search(folded):
            return Refusal(Guardrail.FORBIDDEN_PHRASE, f"contains {phrase!r}")
    return None


def _phrase_pattern(folded: str) -> re.Pattern[str]:
    """A folded phrase as a pattern that also finds its words broken by punctuation
    ("guar-antee", "guar.antee", "guar_antee") or spelled out a letter at a time
    ("g u a r a n t e e", "f-r-e-e"). A space breaking a word in two ("guaran tee") is not
    found: it cannot be told from two words that are one when joined, and "for get",
    "to get her" or "every day" written by the model are no "forget", "together" or
    "everyday"; nor an apostrophe, so "he'll" is no "hell"."""
    pattern = []
    # split at runs of letters: the runs are at odd places, what stands between them at even
    for index, part in enumerate(re.split(r"([^\W\d_]+)", folded)):
        if index % 2 == 0:
            pattern.append(re.escape(part))
            continue
        letters = [re.escape(letter) for letter in part]
        broken = _BREAK.join(letters)
        if len(letters) >= _SPELLED_OUT_MIN:
            spelled = _LETTER_GAP.join(letters)
            broken = rf"(?:{broken}|(?<![^\W\d_]){spelled}(?![^\W\d_]))"
        pattern.append(broken)
    return re.compile("".join(pattern))


def _invented(text: str, source: str) -> Refusal | None:
    """URLs, phone numbers, prices and discounts absent from the instructions and context."""
    given_links = {link.value for link in facts.links(source)}
    for link in facts.links(text):
        if link.value not in given_links:
            return Refusal(Guardrail.URL, f"a link not given: {link.written!r}")
    given_prices = {price.value for price in facts.prices(source) + facts.named_amounts(source)}
    for price in facts.prices(text):
        if price.value not in given_prices:
            return Refusal(Guardrail.PRICE, f"a price not given: {price.written!r}")
    given_phones = {phone.value for phone in facts.phones(source)}
    for phone in facts.phones(text):
        if phone.value not in given_phones:
            return Refusal(Guardrail.PHONE, f"a phone number not given: {phone.written!r}")
    given_percentages = {percent.value for percent in facts.percentages(source)}
    for percent in facts.percentages(text):
        if percent.value not in given_percentages:
            return Refusal(Guardrail.DISCOUNT, f"a discount not given: {percent.written!r}")
    lowered = _flat(source)
    for word in _DISCOUNT_WORDS.findall(text):
        if not re.search(rf"\b{re.escape(word.lower())}\b", lowered):
            return Refusal(Guardrail.DISCOUNT, f"a discount not given: {word!r}")
    return None


def _language(text: str, language: str | None) -> Refusal | None:
    if not language:
        return None
    expected = _SAME_LANGUAGE.get(language.lower()[:2], language.lower()[:2])
    if expected not in _STOP_WORDS:
        return None
    words = re.findall(r"[^\W\d_]+", text.lower())
    hits = {code: sum(word in stop for word in words) for code, stop in _STOP_WORDS.items()}
    best = max(hits, key=lambda code: hits[code])
    if best != expected and hits[best] >= _MIN_HITS and hits[best] > 2 * hits[expected]:
        return Refusal(Guardrail.LANGUAGE, f"reads as {best}, the contact's language is {expected}")
    return None


def _flat(text: str) -> str:
    return " ".join(text.lower().split())


def _folded(text: str) -> str:
    """`text` compared whatever its case, accents, spacing, full-width letters and invisible
    characters: "GRATIS", "grátis" and "ｇｒａｔｉｓ" are one phrase."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) not in ("Mn", "Cf"))
    return _flat(kept.casefold())
