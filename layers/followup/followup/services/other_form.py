"""The contact stored under the other form of a contact's number, and its stops.

A Brazilian, Mexican or Argentine lead stored twice, once under each way their mobile
number is written, and kept as two contacts (each had journeys of its own when the
duplicates were merged) is one person: a stop heard on either contact stops messages to
both. The sender and the tick read it for the numbers that have another form only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.domain.ids import contact_id
from followup.domain.phones import other_whatsapp_form

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps
    from followup.services.ports import Versioned


def other_form(deps: Deps, contact: Contact) -> Versioned[Contact] | None:
    """The other contact stored under the other form of `contact`'s number, if any: by
    key first, then by the WhatsApp id index (a contact whose number changed is keyed by
    its old one)."""
    other = other_whatsapp_form(contact.wa_id) if contact.wa_id else None
    if other is None:
        return None
    found = deps.contacts.contact(contact_id(f"wa:{other}")) or deps.contacts.contact_by_wa_id(
        other
    )
    same = found is None or found.item.id == contact.id or found.item.wa_id != other
    return None if same else found


def with_other_form_stops(deps: Deps, contact: Contact) -> Contact:
    """`contact` stopped as the contact under the other form of its number is too: opted
    out, a channel stopped, marketing refused, its email address bounced when it is
    `contact`'s too (`Contact.with_stops_of`). A number without another form is returned
    as it is, with no read."""
    other = other_form(deps, contact)
    return contact if other is None else contact.with_stops_of(other.item)
