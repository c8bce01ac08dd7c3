"""Leads stored twice, once under each way WhatsApp and a CRM write their mobile number.

Before a number was looked up under its other form too (`find_contact`), a Brazilian,
Mexican or Argentine lead imported by the number the CRM dials and heard from by the id
WhatsApp names them by became two contacts. Merging keeps the contact created first and
folds the other into it as a change of number folds a contact its new number made
(`identity.fold`), its user id with it; one that already has journeys of its own stays
apart, since they name it, and the two share their stops: an opt-out on either stops both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from followup.services.identity import fold, stopped_as
from followup.services.other_form import other_form
from followup.services.ports import ContactQuery

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps
    from followup.services.ports import Versioned

_PAGE = 100


class Outcome(StrEnum):
    """What becomes of the contact created second."""

    FOLDED = "folded in"
    APART = "kept apart, stops shared"
    LEFT = "left: changed meanwhile, run again"


@dataclass(frozen=True)
class Merged:
    """One lead stored twice: the contact kept and the other, as they were found, and
    what became (or, in a dry run, would become) of the other."""

    kept: Contact
    other: Contact
    outcome: Outcome
    kept_journeys: int
    other_journeys: int
    user_id_linked: str | None = None
    """The other's business-scoped user id, when folding it meets another in the kept
    contact: the kept contact keeps its own, and this one only finds it (a link)."""


def merge_duplicates(deps: Deps, *, dry_run: bool = False) -> list[Merged]:
    """Merge every lead stored under both forms of their number; with `dry_run`, only
    say what would be done. Reads every contact once."""
    return [_merge(deps, kept, other, dry_run) for kept, other in _pairs(deps)]


def _pairs(deps: Deps) -> Iterator[tuple[Versioned[Contact], Versioned[Contact]]]:
    """Each lead stored twice, once: the contact created first, then the other."""
    seen: set[str] = set()
    cursor: str | None = None
    while True:
        page = deps.contacts.find_contacts(ContactQuery(), _PAGE, cursor)
        for contact in page.items:
            other = other_form(deps, contact)
            if other is None or contact.id in seen:
                continue
            seen |= {contact.id, other.item.id}
            this = deps.contacts.contact(contact.id)
            if this is not None:
                first, second = sorted((this, other), key=lambda c: (c.item.created_at, c.item.id))
                yield first, second
        cursor = page.cursor
        if cursor is None:
            return


def _merge(
    deps: Deps, kept: Versioned[Contact], other: Versioned[Contact], dry_run: bool
) -> Merged:
    """Fold `other` into `kept`, else keep it apart with both contacts' stops."""
    journeys = [len(deps.followups.enrollments_of(c.item.id)) for c in (kept, other)]
    history = journeys[1] > 0 or bool(deps.followups.followups_of(other.item.id))
    if dry_run:
        outcome = Outcome.APART if history else Outcome.FOLDED
    elif not history and fold(deps, other, kept.item, f"wa:{other.item.wa_id}", deps.clock.now()):
        outcome = Outcome.FOLDED
    elif history:
        now = deps.clock.now()
        stopped_as(deps, kept.item, other.item.id, now)
        stopped_as(deps, other.item, kept.item.id, now)
        outcome = Outcome.APART
    else:
        outcome = Outcome.LEFT
    ids = (kept.item.user_id, other.item.user_id)
    differ = outcome is Outcome.FOLDED and None not in ids and ids[0] != ids[1]
    linked = ids[1] if differ else None
    return Merged(kept.item, other.item, outcome, journeys[0], journeys[1], linked)
