"""Personal data as the logs show it: enough to tell one lead's from another's, not to
reach them.

Logs go to CloudWatch, kept apart from the workspace's own data and read by whoever runs
the service, so a phone number or e-mail address written there is personal data copied
where no one deletes it with the contact. A phone number keeps its last 4 digits
("****5019"), an e-mail address its first letter and its domain ("b****@example.com"),
and a validation problem names its field and what is wrong, never the value sent.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from followup.domain.errors import problem_message

HIDDEN = "****"
SHOWN_DIGITS = 4
_PHONE_MIN_DIGITS = 9  # shorter runs are years, times and amounts
_PHONE = re.compile(r"(?<![\w+.,])\+?\(?\d[\d\s().-]{7,}\d(?![\w:])")
"""A run of digits with the spaces, dashes, dots or parentheses numbers are written with,
not inside a word or an id ("ct_3f2a123456789b") nor a time ("2026-11-24 02:00")."""
_EMAIL = re.compile(r"[^\s@'\"<>(),;:]+@[^\s@'\"<>(),;:]+\.[^\s@'\"<>(),;:.]+")


def masked_phone(number: str) -> str:
    """`number` with only its last 4 digits: "+62 811-0000-5019" is "****5019"."""
    return HIDDEN + re.sub(r"\D", "", number)[-SHOWN_DIGITS:]


def masked_email(address: str) -> str:
    """`address` with only the first letter of its mailbox: "b****@example.com"."""
    mailbox, _, domain = address.rpartition("@")
    return f"{mailbox[:1]}{HIDDEN}@{domain}"


def masked(text: str) -> str:
    """`text` (an error's message, a reason) with each phone number and e-mail address in
    it masked; the rest as it is."""
    text = _EMAIL.sub(lambda found: masked_email(found.group(0)), text)
    return _PHONE.sub(_masked_run, text)


def problem(exc: ValidationError) -> str:
    """The first problem pydantic found, by its field and in its own words, without the
    input pydantic shows with it (`str(exc)` holds the whole event sent, numbers and
    words)."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "input"
    return masked(f"{where}: {problem_message(first)}")


def error(exc: BaseException) -> str:
    """`exc` as the logs show it: its kind, then, for a validation problem, what was read,
    its field and what is wrong (`problem`); for any other error its message, each number
    and address in it masked."""
    if isinstance(exc, ValidationError):
        return f"{type(exc).__name__}: {exc.title}.{problem(exc)}"
    return f"{type(exc).__name__}: {masked(str(exc))}"


def _masked_run(found: re.Match[str]) -> str:
    run = found.group(0)
    digits = sum(char.isdigit() for char in run)
    return masked_phone(run) if digits >= _PHONE_MIN_DIGITS else run
