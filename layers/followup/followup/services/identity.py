"""A person's WhatsApp identity changing: a new number, or a new business-scoped user id.

The person stays one contact. Every user id they had keeps finding that contact (a link
beside it), and a contact made meanwhile from the new id alone (their message came before
the notice) is folded into theirs; one that already has journeys of its own stays apart,
stopped as the person is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.domain.conversation import Direction
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Reason, Status
from followup.domain.ids import contact_id
from followup.domain.phones import other_whatsapp_form
from followup.domain.stamps import stamps_after
from followup.domain.webhook_events import Identity, IdentityChange
from followup.services.contacts import change_stage, find_contact, update_contact
from followup.services.inbound import record_inbound, record_outbound
from followup.services.settle import end_enrollment, end_unsent

if TYPE_CHECKING:
    from datetime import datetime

    from followup.domain.contact import Contact
    from followup.services.deps import Deps
    from followup.services.ports import Versioned

_TRIES = 3
_NEWCOMER_LINES = 50


def relink(deps: Deps, change: IdentityChange) -> str:
    """The contact takes the new number or user id; the old user id stays linked to it.

    Only a contact still under the old number moves, and a user id the contact had before
    is never taken back, so a late copy of an older change cannot undo a newer one. A new
    id that already names another contact is left alone, unless that contact is only what
    an early message from the new id made: then it is folded in. Made so but with journeys
    of its own, it cannot be folded; it is still the person, and takes their stops.
    """
    found = find_contact(deps, change.user.wa_id, change.user.user_id)
    if found is None:
        return "unknown_contact"
    taken = find_contact(deps, change.new.wa_id, change.new.user_id)
    elsewhere = taken is not None and taken.item.id != found.item.id
    if elsewhere and taken is not None and not _fold(deps, taken, found.item, change):
        if _made_by(taken.item, found.item, change) is not None:
            stopped_as(deps, found.item, taken.item.id, change.at)
        return "conflict"
    new_id = change.new.user_id
    # The old number as WhatsApp names it, or as the contact may hold it (the other form).
    old = {None, change.user.wa_id, other_whatsapp_form(change.user.wa_id or "")}

    def linked(contact: Contact) -> Contact:
        update: dict[str, object] = {}
        if change.new.wa_id and contact.wa_id in old:
            update["wa_id"] = change.new.wa_id
        if new_id and new_id != contact.user_id and new_id not in contact.previous_user_ids:
            if contact.user_id:
                update["previous_user_ids"] = [*contact.previous_user_ids, contact.user_id]
            update["user_id"] = new_id
        moved = contact.model_copy(update=update)
        if moved.address("whatsapp") != contact.address("whatsapp"):
            # sends go to a new address: counted toward the messaging limit as a new user
            return moved.model_copy(update={"reached_at": None})
        return moved

    moved = update_contact(deps, found.item.id, linked, change.at)
    # Keyed by the old number, the contact is found by its new one through a link read by
    # key, so the message that follows the notice at once cannot miss it in a lagging index.
    new_wa = f"wa:{change.new.wa_id}"
    moved_here = change.new.wa_id is not None and moved.wa_id == change.new.wa_id
    unlinked = moved_here and contact_id(new_wa) != moved.id
    if unlinked and deps.contacts.linked_contact(new_wa) != moved.id:
        deps.contacts.link_user_id(new_wa, moved.id)
    for user_id in (*moved.previous_user_ids, moved.user_id):
        # An id the contact is not keyed by is found through its link, which unlike the
        # index is read by key: a lookup right after the change cannot miss it.
        keyed = not user_id or contact_id(f"user:{user_id}") == moved.id
        if user_id and not keyed and deps.contacts.linked_contact(user_id) != moved.id:
            deps.contacts.link_user_id(user_id, moved.id)
    return "linked"


def _fold(deps: Deps, newcomer: Versioned[Contact], into: Contact, change: IdentityChange) -> bool:
    """Fold a contact made from the new user id or number alone into the person's own
    contact (see `fold`). False when it is someone else, or has journeys of its own."""
    made_by = _made_by(newcomer.item, into, change)
    if made_by is None:
        return False
    # A user id is linked as it is written; a number as `wa:<number>` (see find_contact).
    return fold(deps, newcomer, into, made_by.removeprefix("user:"), change.at)


def fold(deps: Deps, newcomer: Versioned[Contact], into: Contact, link: str, at: datetime) -> bool:
    """Fold a contact of the same person into `into`: `link` (a user id, or `wa:<number>`)
    and the newcomer's user ids find `into` from now on (it takes the newcomer's user id
    when it has none), the newcomer's messages are heard again as the person's,
    with the reading they already had (a reply still answers their follow-ups, a STOP
    still opts them out) and the business number they wrote to, its staff's and other
    automation's lines are told again, what it knows of them and they lack (its stage when
    set later), its stops and goal or exit events go with them, then it is removed. False
    when it has journeys of its own (they name it: it stays), or kept changing."""
    if deps.followups.enrollments_of(newcomer.item.id) or deps.followups.followups_of(
        newcomer.item.id
    ):
        return False
    deps.contacts.link_user_id(link, into.id)
    person = Identity(into.wa_id, None if into.wa_id else into.user_id)
    current: Versioned[Contact] | None = newcomer
    for _ in range(_TRIES):
        if current is None:
            return True
        _keep_user_ids(deps, current.item, into.id, at)
        lines = deps.contacts.recent_messages(current.item.id, _NEWCOMER_LINES)
        for line in sorted(lines, key=lambda m: m.at):
            if line.direction is Direction.INBOUND:
                record_inbound(
                    deps,
                    person,
                    line.text,
                    line.at,
                    line.id,
                    current.item.name,
                    read_before=line.intent,
                    number=current.item.phone_number_id,
                    kind=line.kind,
                )
            else:
                record_outbound(deps, into.id, line.speaker, line.text, line.at, ref=line.id)
        _keep_details(deps, current.item, into.id, at)
        _keep_stops(deps, current.item, into.id, at)
        _keep_events(deps, current.item, into.id, at)
        if deps.contacts.remove_contact(current.item.id, current.revision):
            return True
        current = deps.contacts.contact(current.item.id)  # it heard another message meanwhile
    return False


def _made_by(newcomer: Contact, into: Contact, change: IdentityChange) -> str | None:
    """The key `newcomer` was made under (`user:<id>` or `wa:<number>`) when an early
    message from the person's new id alone made it; None when it is someone else."""
    new_id, new_wa = change.new.user_id, change.new.wa_id
    # A number is the person's from the change on: one who wrote from it before that is
    # whoever had it then (numbers are given out again), not them.
    since_change = newcomer.created_at > stamps_after(change.at)
    made_by = (
        f"user:{new_id}"
        if new_id is not None and newcomer.wa_id in (None, into.wa_id)
        else f"wa:{new_wa}"
        if new_wa is not None and newcomer.user_id in (None, into.user_id) and since_change
        else None
    )
    return made_by if made_by is not None and newcomer.id == contact_id(made_by) else None


def stopped_as(deps: Deps, person: Contact, newcomer_id: str, at: datetime) -> None:
    """The person's stops on another contact of theirs, which keeps journeys of its own:
    a STOP or a do-not-contact ends what it has still to send and its journeys, a channel
    stopped, a marketing choice and a hard bounce of the address it has too carry with
    their times."""
    if not _stops_any(person):
        return
    update_contact(deps, newcomer_id, lambda c: c.with_stops_of(person), at)
    if not person.opted_out:
        return
    for followup in deps.followups.followups_of(newcomer_id):
        if followup.status.unsent:
            # False when a sender claimed it first: it reads the contact again and stops.
            end_unsent(deps, followup, Status.OPTED_OUT, Reason.OPTED_OUT, at)
    for enrollment_v in deps.followups.enrollments_of(newcomer_id):
        if enrollment_v.item.state is EnrollmentState.ACTIVE:
            end_enrollment(deps, enrollment_v.item.id, Reason.OPTED_OUT, at)


def _keep_user_ids(deps: Deps, newcomer: Contact, person_id: str, at: datetime) -> None:
    """The user ids the newcomer has or had find the person from now on, by a link read by
    key (the newcomer is removed, and the index lags behind the person's write); a person
    without a user id takes the newcomer's. A webhook naming them by it alone (a reply, a
    STOP) then reaches the person instead of making a contact of its own."""
    for user_id in (*newcomer.previous_user_ids, newcomer.user_id):
        if user_id and deps.contacts.linked_contact(user_id) != person_id:
            deps.contacts.link_user_id(user_id, person_id)
    user_id = newcomer.user_id
    if user_id:
        update_contact(
            deps,
            person_id,
            lambda c: c if c.user_id else c.model_copy(update={"user_id": user_id}),
            at,
        )


def _keep_details(deps: Deps, newcomer: Contact, person_id: str, at: datetime) -> None:
    """What the newcomer knows of the person and the person does not (a CRM's import by
    the other form of the number: name, email, attributes, tags) goes with them, and so does
    its stage when it was set later than the person's, moved as the CRM moves it (a later
    funnel stage credits the last send, ends the journeys it is the goal of)."""
    person = update_contact(deps, person_id, lambda c: c.with_details_of(newcomer), at)
    moved_at = newcomer.stage_changed_at
    if (
        moved_at is not None
        and newcomer.stage != person.stage
        and (person.stage_changed_at is None or moved_at > person.stage_changed_at)
    ):
        change_stage(deps, person_id, newcomer.stage, moved_at)


def _keep_stops(deps: Deps, newcomer: Contact, person_id: str, at: datetime) -> None:
    """What stops messages to the newcomer stops them to the person: a do-not-contact set
    on it meanwhile (no message carries it, so hearing its lines again would lose it), a
    channel stopped, marketing refused, a hard bounce of the address the person has too."""
    if _stops_any(newcomer):
        update_contact(deps, person_id, lambda c: c.with_stops_of(newcomer), at)


def _keep_events(deps: Deps, newcomer: Contact, person_id: str, at: datetime) -> None:
    """The goal and exit events told for the newcomer (a payment the CRM reported for its id)
    count for the person: no message carries them, so hearing its lines again would lose
    them. Each name keeps its latest time, `EVENTS_KEPT` in all (see `Contact.with_event`)."""
    if not newcomer.events_at:
        return

    def told(contact: Contact) -> Contact:
        for name, happened in newcomer.events_at.items():
            contact = contact.with_event(name, happened)
        return contact

    update_contact(deps, person_id, told, at)


def _stops_any(contact: Contact) -> bool:
    """Whether anything stops messages to `contact` (an address of theirs that hard-bounced
    among them), or it made a marketing choice."""
    marketing = contact.marketing_suppressed or contact.marketing_changed_at is not None
    stopped = contact.opted_out or bool(contact.opted_out_channels)
    return stopped or marketing or contact.email_bounce is not None
