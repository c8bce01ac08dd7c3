"""What the functions write to CloudWatch of an error: never a lead's number or address.

An error's message may hold them, and a pydantic validation error's holds the very input
it refused (a stored lead's fields, what they wrote); and a note a library or our code
added to it (PEP 678 `add_note`, printed under its message) may hold them too. Every log
line's error, with its causes, is written as `domain.masking` shows it, each note masked,
over the frames it was raised through (file, line, function: what an operator needs to
find it); and an error escaping a handler, which Lambda itself writes (and hands on to
Step Functions, a dead-letter queue or X-Ray), is raised again so masked when its message,
or a note of it or of its causes, held anything to mask.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any, ParamSpec, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from followup.domain import masking

PACKAGE = "followup"
BATCH_ERRORS = "aws_lambda_powertools.utilities.batch.exceptions"
CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"

P = ParamSpec("P")
R = TypeVar("R")


class Failure(Exception):
    """An error that escaped a handler with something to mask in its message or notes, as
    Lambda writes and hands it on: its kind and masked message (`shown`) and its notes
    masked, over its frames."""


class MaskedFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON lines, each error in them (`exception`, `stack_trace.value`, or one
    given as a value) as `shown` writes it, and its `exception_notes` masked; the frames as
    they are."""

    def __init__(self) -> None:
        super().__init__(json_default=_value)

    def formatException(self, ei: Any) -> str:
        return masked_traceback(ei[1])

    def serialize(self, log: Mapping[str, Any]) -> str:
        written = dict(log)
        if "exception_notes" in written:
            noted = _texts(written["exception_notes"])
            written["exception_notes"] = [masking.masked(note) for note in noted]
        return super().serialize(written)


def logger(service: str) -> Logger:
    """A function's logger. Its first call also sends the package's own loggers
    (`logging.getLogger(__name__)` in the services and adapters) through one such logger,
    not through Lambda's handler, which writes an error whole."""
    package()
    return Logger(service=service, logger_formatter=MaskedFormatter())


@cache
def package() -> Logger:
    """The logger the package's own loggers write through, as Powertools JSON lines."""
    return Logger(service=PACKAGE, logger_formatter=MaskedFormatter())


def masked_failures(handler: Callable[P, R]) -> Callable[P, R]:
    """`handler`, failing as before (so SQS, EventBridge and Step Functions try again),
    with an error whose message, or a note of it or of its causes, holds something to mask
    raised again as a `Failure`, its own notes masked; an error with nothing to mask
    escapes as it is."""

    @functools.wraps(handler)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return handler(*args, **kwargs)
        except Exception as failed:
            said = all(shown(each) == _unmasked(each) for each in _written(failed))
            noted = all(notes(each) == _notes(each) for each in _escaping(failed))
            if said and noted:
                raise
            masked = Failure(shown(failed))
            for note in notes(failed):
                masked.add_note(note)
            raise masked.with_traceback(failed.__traceback__) from None

    return run


def shown(exc: BaseException) -> str:
    """`exc` as the logs show it (`masking.error`); for Powertools' error of a batch whose
    every record failed, each record's error with its traceback, masked alike."""
    records = _records(exc)
    if records is None:
        return masking.error(exc)
    tracebacks = "\n".join(masked_traceback(record) for record in records)
    return f"{type(exc).__name__}: {getattr(exc, 'msg', '')}\n{tracebacks}"


def notes(exc: BaseException) -> list[str]:
    """`exc`'s notes, each number and address in them masked."""
    return [masking.masked(note) for note in _notes(exc)]


def masked_traceback(exc: BaseException) -> str:
    """`exc`'s traceback as Python prints it, causes first, each error as `shown` says and
    each note under it masked."""
    parts: list[str] = []
    for link, each in _chain(exc):
        frames = "".join(traceback.format_list(traceback.extract_tb(each.__traceback__)))
        noted = "".join(f"{note}\n" for note in notes(each))
        parts.append(f"Traceback (most recent call last):\n{frames}{shown(each)}\n{noted}{link}")
    return "".join(reversed(parts)).rstrip("\n")


def _chain(exc: BaseException) -> Iterator[tuple[str, BaseException]]:
    """`exc`, then its cause or the error it was raised while handling, and so on; each
    with what links the one after it to it, as Python prints it."""
    seen: set[int] = set()
    link, current = "", exc
    while id(current) not in seen:
        seen.add(id(current))
        yield link, current
        if current.__cause__ is not None:
            link, current = CAUSE, current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            link, current = CONTEXT, current.__context__
        else:
            return


def _written(exc: BaseException) -> Iterator[BaseException]:
    """Every error whose message `exc`'s message is: itself, or for a batch each record's
    error and its causes (Powertools writes their tracebacks as its message)."""
    records = _records(exc)
    if records is None:
        yield exc
    for record in records or []:
        yield from (each for _, each in _chain(record))


def _escaping(exc: BaseException) -> Iterator[BaseException]:
    """Every error that escapes with `exc`: itself and its causes, and for a batch each
    record's error and its causes."""
    yield from (each for _, each in _chain(exc))
    for record in _records(exc) or []:
        yield from (each for _, each in _chain(record))


def _notes(exc: BaseException) -> list[str]:
    return _texts(getattr(exc, "__notes__", None))


def _texts(found: object) -> list[str]:
    """Notes (an error's `__notes__`) as Python prints them: each as text, or, if they are
    not a list of them, that one value."""
    if found is None:
        return []
    if isinstance(found, str | bytes) or not isinstance(found, Sequence):
        return [str(found)]
    return [str(note) for note in found]


def _records(exc: BaseException) -> list[BaseException] | None:
    """The records' errors of Powertools' error of a batch whose every record failed. Only
    the batch utility raises it, so it is looked for only once that is loaded (the sender
    loads it; other functions never do)."""
    batch = sys.modules.get(BATCH_ERRORS)
    if batch is None or not isinstance(exc, batch.BaseBatchProcessingError):
        return None
    return [record for _, record, _ in exc.child_exceptions if record is not None]


def _unmasked(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _value(value: Any) -> str:
    """A value JSON cannot hold: an error as `shown` writes it, anything else as text."""
    return shown(value) if isinstance(value, BaseException) else str(value)
