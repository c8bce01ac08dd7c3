"""Contacts: create, change with optimistic retries, and move through the funnel."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.contact import Contact
from followup.domain.errors import InvalidField, KeptChanging, NotFound
from followup.domain.ids import contact_id
from followup.domain.journey import stage_ends
from followup.domain.limits import MAX_ITEMS
from followup.domain.phones import calling_code, other_whatsapp_form
from followup.services import date_triggers, date_waits, goals, late, triggers, widening
from followup.services.ports import (
    CommitRejected,
    ContactChange,
    ContactQuery,
    Page,
    Versioned,
)

if TYPE_CHECKING:
    from followup.domain.followup import Reason
    from followup.domain.rule import Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps

_TRIES = 8


def new_contact(
    deps: Deps,
    *,
    at: datetime,
    wa_id: str | None = None,
    user_id: str | None = None,
    name: str = "",
    extra: Mapping[str, object] | None = None,
    **fields: object,
) -> Contact:
    """A contact not stored yet, at the top of the funnel unless `stage` says otherwise.

    Its id comes from its WhatsApp identity, so the same person created twice is one item.
    """
    if not wa_id and not user_id:
        raise ValueError("a contact needs a wa_id or a user_id")
    fields = {**(extra or {}), **fields}
    stage = fields.pop("stage", None) or deps.catalog.settings().entry_stage
    return Contact.model_validate(
        {
            "id": contact_id(f"wa:{wa_id}" if wa_id else f"user:{user_id}"),
            "wa_id": wa_id,
            "user_id": user_id,
            "name": name,
            "stage": stage,
            "created_at": at,
            "stage_changed_at": at,
            **fields,
        }
    )


def create_contact(
    deps: Deps,
    *,
    at: datetime,
    wa_id: str | None = None,
    user_id: str | None = None,
    name: str = "",
    extra: Mapping[str, object] | None = None,
    **fields: object,
) -> Contact:
    """Store a new contact (see `new_contact`); two deliveries racing get the one that won."""
    contact = new_contact(
        deps, at=at, wa_id=wa_id, user_id=user_id, name=name, extra=extra, **fields
    )
    try:
        deps.commit([ContactChange(contact, 0)], at)
    except CommitRejected:
        existing = deps.contacts.contact(contact.id)
        if existing is None:
            raise
        return existing.item
    date_triggers.reindex(deps, None, contact)
    late.written(deps, None, contact)
    return contact


def upsert(
    deps: Deps, wa_id: str | None, changes: Mapping[str, object], *, user_id: str | None = None
) -> tuple[Contact, bool]:
    """Create the contact or patch the fields `changes` names (see `Contact.patched`);
    the contact is found by phone number or by the business-scoped user id (kept as
    written, never read as a phone number). A stage change counts conversions. The
    contact and whether this call created it."""
    before, after = upserted(deps, wa_id, changes, user_id=user_id)
    return after, before is None


def upserted(
    deps: Deps, wa_id: str | None, changes: Mapping[str, object], *, user_id: str | None = None
) -> tuple[Contact | None, Contact]:
    """`upsert`, answering the contact as the write that changed it found it (None when
    this call created it) and as it stands after: what someone else wrote before that
    write is in both, so the two tell this call's changes alone."""
    now = deps.clock.now()
    changes = dict(changes)
    stage = changes.pop("stage", None)
    settings = deps.catalog.settings()
    if stage is not None and stage not in settings.stages:
        raise InvalidField("stage", f"unknown stage {stage!r}")
    found = find_contact(deps, wa_id, user_id)
    if found is None:
        fresh = new_contact(deps, at=now, wa_id=wa_id, user_id=user_id, stage=stage)
        fresh = patched(fresh, changes)
        try:
            deps.commit([ContactChange(fresh, 0)], now)
        except CommitRejected:  # created meanwhile (a first message, a parallel import)
            found = deps.contacts.contact(fresh.id)
            if found is None:
                raise
        else:
            date_triggers.reindex(deps, None, fresh)
            late.written(deps, None, fresh)
            return None, fresh
    if user_id and not found.item.user_id:
        _refuse_held(deps, found.item.id, user_id)
    elif user_id and user_id not in (found.item.user_id, *found.item.previous_user_ids):
        raise InvalidField(
            "user_id",
            f"this number's contact ({found.item.id}) has the user id {found.item.user_id},"
            f" not {user_id}",
            "user_id_mismatch",
        )
    if wa_id and user_id:
        _refuse_other_number(deps, found.item, wa_id)

    def applied(contact: Contact) -> Contact:
        # An id the contact lacks is added, as a message from it would: found by the other
        # id, nobody else holds it, and the next row naming the person by it finds them.
        ids = {"wa_id": wa_id} if wa_id and not contact.wa_id else {}
        ids |= {"user_id": user_id} if user_id and not contact.user_id else {}
        return patched(contact, changes).model_copy(update=ids)

    return rewritten(deps, found.item.id, applied, None if stage is None else str(stage), now)


def _refuse_other_number(deps: Deps, contact: Contact, wa_id: str) -> None:
    """Refuse `wa_id` for `contact`, found by its user id, when it has another number and
    `wa_id` does not find it (as one of its numbers written the other way, or the number
    it had before a change of number does): the row's number would be dropped without a
    word. A new number comes with WhatsApp's notice of the change (services.identity)."""
    if not contact.wa_id or wa_id in (contact.wa_id, other_whatsapp_form(contact.wa_id)):
        return
    by_number = find_contact(deps, wa_id, None)
    if by_number is None or by_number.item.id != contact.id:
        raise InvalidField(
            "wa_id",
            f"this user id's contact ({contact.id}) has the number {contact.wa_id}, not {wa_id}",
            "wa_id_mismatch",
        )


def _refuse_held(deps: Deps, contact_id: str, user_id: str) -> None:
    """Refuse to give `contact_id` a user id another contact holds: two contacts of one
    user id would be one person sent two journeys, its opt-out on one of them only."""
    holder = _find_contact(deps, None, user_id)
    if holder is not None and holder.item.id != contact_id:
        raise InvalidField(
            "user_id",
            f"{user_id} is another contact's ({holder.item.id}), not this number's",
            "user_id_taken",
        )


def rewritten(
    deps: Deps,
    contact_id: str,
    change: Callable[[Contact], Contact],
    stage: str | None,
    at: datetime,
) -> tuple[Contact, Contact]:
    """`change` written (`update_contact`), then the move to `stage`: the contact as the
    write that took found it, and as it stands after."""
    replaced: list[Contact] = []

    def keeping(contact: Contact) -> Contact:
        replaced[:] = [contact]  # the last call's is the version the write replaced
        return change(contact)

    after = update_contact(deps, contact_id, keeping, at)
    if stage is not None and stage != after.stage:
        after = change_stage(deps, contact_id, stage, at)
    return replaced[0], after


def patched(contact: Contact, changes: Mapping[str, object]) -> Contact:
    """`contact.patched(changes)`, refused when it adds attributes past the limit (which
    keeps a contact well inside DynamoDB's 400 KB an item)."""
    found = contact.patched(changes)
    if len(found.attributes) > max(MAX_ITEMS, len(contact.attributes)):
        raise InvalidField(
            "attributes",
            f"a contact has at most {MAX_ITEMS} attributes",
            "too_long",
            {"max_length": MAX_ITEMS},
        )
    return found


def find_contact(deps: Deps, wa_id: str | None, user_id: str | None) -> Versioned[Contact] | None:
    """By wa_id, else by business-scoped user id (one the person has, or had: see
    `identity.relink`); by key first (indexes lag behind writes), then by the links a
    change of number or of user id left (read by key too). Found by neither, a mobile
    number is looked for as it is written the other way (`other_whatsapp_form`): WhatsApp
    names a lead dialled 5511987654321 by 551187654321, so their STOP finds them."""
    found = _find_contact(deps, wa_id, user_id)
    other = other_whatsapp_form(wa_id) if wa_id and found is None else None
    return _find_contact(deps, other, None) if other else found


def _find_contact(deps: Deps, wa_id: str | None, user_id: str | None) -> Versioned[Contact] | None:
    """`find_contact` by the ids as they are written."""
    keys = [f"wa:{wa_id}"] if wa_id else []
    keys += [f"user:{user_id}"] if user_id else []
    for key in keys:
        found = deps.contacts.contact(contact_id(key))
        if found is not None:
            return found
    links = [f"wa:{wa_id}"] if wa_id else []
    links += [user_id] if user_id else []
    for link in links:
        linked = deps.contacts.linked_contact(link)
        if linked is not None and (found := deps.contacts.contact(linked)):
            return found
    if wa_id and (found := deps.contacts.contact_by_wa_id(wa_id)):
        return found
    if user_id and (found := deps.contacts.contact_by_user_id(user_id)):
        return found
    return None


def search_contacts(
    deps: Deps, query: ContactQuery, limit: int, cursor: str | None
) -> Page[Contact]:
    """The contacts `query` matches, a page at a time; a number typed the national way
    (`0812...`) is read in the country of the workspace's default sending number."""
    home = calling_code(deps.numbers.configured[0].display_phone_number)
    return deps.contacts.find_contacts(replace(query, calling_code=home), limit, cursor)


def update_contact(
    deps: Deps, contact_id: str, change: Callable[[Contact], Contact], at: datetime
) -> Contact:
    """Read-modify-write with the contact's revision; retried when someone else wrote first."""
    for _ in range(_TRIES):
        current = deps.contacts.contact(contact_id)
        if current is None:
            raise NotFound("contact", contact_id)
        updated = change(current.item)
        if updated == current.item:
            return updated
        try:
            deps.commit([ContactChange(updated, current.revision)], at)
        except CommitRejected:
            continue
        date_triggers.reindex(deps, current.item, updated)
        date_waits.written(deps, current.item, updated)
        late.written(deps, current.item, updated)
        widening.rezoned(deps, current.item, updated)
        return updated
    raise KeptChanging(f"contact {contact_id} kept changing; try again")


def choose_marketing(deps: Deps, contact_id: str, stopped: bool, at: datetime) -> Contact:
    """Stop (or restore) marketing sends to a contact, by a choice made at `at`: WhatsApp's
    word that they stopped or resumed marketing messages, or its refusal of one (131050),
    at the send or after it. A newer choice kept stands (`Contact.with_marketing`), so the
    same word heard again changes nothing."""

    def chosen(contact: Contact) -> Contact:
        return contact.with_marketing(stopped, at)

    return update_contact(deps, contact_id, chosen, at)


def change_stage(deps: Deps, contact_id: str, stage: str, at: datetime) -> Contact:
    """Move a contact to `stage`; a later funnel stage credits the last follow-up sent, the
    journeys whose goal or exit stage it is end, and rules that fire on entering it enroll
    the contact (once per entry: a resent change with the same time finds the enrollments
    it made).

    What the move does is done before the move is stored, each part once only, so a change
    sent again after a process died midway does what is left. A change dated before the
    contact's current stage was set, that would move it back in the funnel, is a late
    delivery and changes nothing: "applied" at 10:50 heard after "paid" at 10:55. A late
    move on in the funnel ("paid" at 10:50 heard after "applied" at 10:55) is dated just
    after the stage it follows, so "applied" at 10:55 heard again stays late.
    """
    settings = deps.catalog.settings()
    before = deps.contacts.contact(contact_id)
    if before is None:
        raise NotFound("contact", contact_id)
    if _late_step_back(settings, before.item, stage, at):
        return before.item
    if before.item.stage != stage:
        followups = deps.followups.followups_of(contact_id)
        if settings.stage_rank(stage) > settings.stage_rank(before.item.stage):
            goals.credit_last_send(deps, followups, at)

        def ends(rule: Rule, _silence_key: str) -> Reason | None:
            return stage_ends(rule, stage)

        goals.end_journeys(deps, contact_id, ends, at, followups)
    entered = [at]  # when this change put the contact in `stage`, once it has

    def move(contact: Contact) -> Contact:
        if contact.stage == stage or _late_step_back(settings, contact, stage, at):
            return contact
        entered[0] = _entered(contact, at)
        return contact.model_copy(update={"stage": stage, "stage_changed_at": entered[0]})

    moved = update_contact(deps, contact_id, move, at)
    if moved.stage == stage and moved.stage_changed_at == entered[0]:
        triggers.stage_entered(deps, moved, deps.clock.now())
    return moved


def _late_step_back(
    settings: WorkspaceSettings, contact: Contact, stage: str, at: datetime
) -> bool:
    return (
        contact.stage_changed_at is not None
        and at < contact.stage_changed_at
        and settings.stage_rank(stage) < settings.stage_rank(contact.stage)
    )


def _entered(contact: Contact, at: datetime) -> datetime:
    """When a move `at` puts `contact` in its new stage: just after the stage it leaves
    was entered when it is dated no later, so no change dated up to then reads as newer."""
    changed = contact.stage_changed_at
    return at if changed is None or at > changed else changed + timedelta(microseconds=1)
