"""Whether the send under way may have reached a provider: set the moment a message is
handed to 360dialog, SNS or SES. Until then a failure (a store or network error) has sent
nothing, and the sender may queue the follow-up again; after it, the outcome is left to
the provider's word or the sending deadline, and never sent again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from followup.domain.followup import AiWriting

_HANDED: ContextVar[bool] = ContextVar("handed_over", default=False)
_WRITTEN: ContextVar[AiWriting | None] = ContextVar("written", default=None)
_PAID: ContextVar[AiWriting | None] = ContextVar("paid", default=None)


@contextmanager
def handing_over(*refusals: type[Exception]) -> Iterator[None]:
    """A message goes to a provider now. One it refuses (`refusals`: its word that it took
    nothing, such as WhatsApp's 131047 before the step's template goes instead) leaves the
    send as it was, so a store error after it still queues the follow-up again."""
    before = _HANDED.get()
    _HANDED.set(True)
    try:
        yield
    except refusals:
        _HANDED.set(before)
        raise


def handed_over() -> bool:
    """Whether this send handed a message to a provider."""
    return _HANDED.get()


def wrote(ai: AiWriting, paid: AiWriting | None) -> None:
    """The AI wrote (or was asked for) this send's text: `ai` for the follow-up, kept
    should the send fail before it is handed over, so a try again sends that text and its
    cost is not lost; `paid`, what this send's own call did and cost (None when it made
    none), to be reported even when the send fails."""
    _WRITTEN.set(ai)
    _PAID.set(paid)


def written() -> AiWriting | None:
    """What the AI did for this send, if it was asked."""
    return _WRITTEN.get()


def paid() -> AiWriting | None:
    """What this send's own AI call did and cost, if it made one (a send that reuses the
    text of an earlier try made none)."""
    return _PAID.get()


def starting() -> None:
    """A new send starts: nothing handed over yet (a sender thread takes one record after
    another)."""
    _HANDED.set(False)
    _WRITTEN.set(None)
    _PAID.set(None)
