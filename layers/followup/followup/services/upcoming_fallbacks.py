"""A send step's channels for no reply, as the contact page lists them: each a follow-up of
its own that the tick plans `no_reply_within` after the send before it (`planning.after_send`)
and the sender takes on the first channel from its place on that may reach the contact
(`channels.first_reachable`: it passes over the others)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from followup.services.channels import first_reachable

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from followup.domain.contact import Contact
    from followup.domain.rule import Step
    from followup.services.deps import Deps


class Fallback(NamedTuple):
    """One channel for no reply: its place in the step's chain, when the tick plans it
    (`due`) and when it goes (`at`, the send window's opening from then; None when the
    window never opens)."""

    channel: int
    due: datetime
    at: datetime | None


def for_no_reply(
    deps: Deps,
    contact: Contact,
    step: Step,
    start: int,
    sent: datetime | None,
    opening: Callable[[datetime], datetime | None],
) -> tuple[list[Fallback], bool]:
    """The step's channels for no reply after its send from channel `start` at `sent`, in
    order, each timed from the send before it (none after a send that never goes), and
    whether the journey goes on past them: not when one finds no channel that reaches the
    contact (the sender ends it unsent, and the journey with it)."""
    no_reply = step.fallback_when.no_reply_within
    zone = contact.zone(deps.catalog.settings().zone)
    went = taken_from(deps, contact, step, start)
    found: list[Fallback] = []
    at, last = sent, len(step.chain) - 1
    while no_reply is not None and went is not None and went < last and at is not None:
        going = taken_from(deps, contact, step, went + 1)
        if going is None:
            return found, False
        due = no_reply.after(at, zone)
        at = opening(due)
        found.append(Fallback(going, due, at))
        went = going
    return found, True


def taken_from(deps: Deps, contact: Contact, step: Step, start: int) -> int | None:
    """The place in the step's chain of the channel the sender takes from `start` on; None
    when none from there may reach the contact."""
    found = first_reachable(deps, contact, step, start)
    return None if found is None else step.chain.index(found)
