"""The upgrade that moves each contact's pending follow-up off the contact onto its slot.

Releases before the slot item (`slot#<contact>`) named the follow-up on the contact itself
(`pending_followup_id` and `pending_until` in its document). Each contact that still names
one is moved in one transaction: the slot is written only if nobody took it (one taken
since is newer and stays), and the contact is rewritten without the old fields only at the
revision read (a change made meanwhile is read again and kept). A contact moves whole or
not at all, so a run stopped midway, or run again, leaves nothing half done.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pynamodb.exceptions import DoesNotExist

from followup.adapters.tables import ContactItem
from followup.domain.contact import Contact
from followup.domain.stored import STORED
from followup.services.ports import (
    CommitRejected,
    ContactChange,
    Slot,
    SlotChange,
    Transactions,
)

_HOLDER = "pending_followup_id"
_UNTIL = "pending_until"
_TRIES = 5


class Moved(StrEnum):
    """What became of one contact that named its pending follow-up."""

    GIVEN = "given a slot"
    KEPT = "slot taken since, kept"
    SETTLED = "settled meanwhile"
    LEFT = "left: changed too often, run again"


@dataclass
class Tally:
    """Items of the contacts table read, and what became of each contact that named its
    pending follow-up."""

    read: int = 0
    moved: Counter[Moved] = field(default_factory=Counter)


def approximate_items() -> int:
    """How many items the contacts table holds, as DynamoDB last counted (about every six
    hours)."""
    return int(ContactItem.describe_table().get("ItemCount", 0))


def migrate(store: Transactions, at: datetime, read: Callable[[int], None] | None = None) -> Tally:
    """Move every contact that names its pending follow-up; `read` hears how many items of
    the table were read so far. Reads the contacts table once (a scan)."""
    tally = Tally()
    found = ContactItem.scan(ContactItem.stage.exists() & ContactItem.doc.contains(_HOLDER))
    for item in found:
        if read is not None:
            read(found.page_iter.total_scanned_count)
        if _named(item, at) is not None:
            tally.moved[move(store, item.id, at)] += 1
    tally.read = found.page_iter.total_scanned_count
    if read is not None:
        read(tally.read)
    return tally


def move(store: Transactions, contact_id: str, at: datetime) -> Moved:
    """Give the contact's named follow-up its slot, unless one was taken since, and drop
    the name from the contact; each try reads the contact afresh."""
    for _ in range(_TRIES):
        item = _item(contact_id)
        slot = _named(item, at) if item is not None else None
        if item is None or slot is None:
            return Moved.SETTLED
        # Read as this release reads it (the old fields ignored), written without them.
        contact = Contact.model_validate_json(item.doc, context=STORED)
        unnamed = ContactChange(contact, int(item.revision))
        try:
            store.commit([SlotChange(slot, 0), unnamed], at)
            return Moved.GIVEN
        except CommitRejected as rejected:
            if not rejected.only(SlotChange):
                continue
        try:
            store.commit([unnamed], at)
            return Moved.KEPT
        except CommitRejected:
            continue
    return Moved.LEFT


def _named(item: ContactItem, at: datetime) -> Slot | None:
    """The slot the stored contact names for itself, if it names one. One named without
    a time was treated as due at once: so is its slot."""
    doc = json.loads(item.doc)
    holder, until = doc.get(_HOLDER), doc.get(_UNTIL)
    if not isinstance(holder, str) or not holder:
        return None
    return Slot(item.id, holder, datetime.fromisoformat(until) if until else at)


def _item(contact_id: str) -> ContactItem | None:
    try:
        return ContactItem.get(contact_id, consistent_read=True)
    except DoesNotExist:
        return None
