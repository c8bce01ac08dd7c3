"""A person edits a contact: fields by name, attributes key by key, tags added or removed.

Each change is applied to the contact as stored at that moment (retried on a concurrent
write), so what someone else wrote meanwhile, and every field not named, is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followup.domain.contact import one_of_each
from followup.domain.errors import InvalidField
from followup.domain.limits import MAX_ITEMS
from followup.services import audit
from followup.services.contacts import patched, rewritten

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps

SHOWN = ("name", "email", "timezone", "score", "stage", "tags", "attributes")
"""The fields an edit may touch, in the order the audit log names them."""


@dataclass(frozen=True)
class Edit:
    """`fields` as `Contact.patched` takes them (attributes merge; None clears);
    `add_tags` and `remove_tags` change the tags one by one, each in any case (a tag the
    contact holds is not added again; removing "vip" removes "VIP"); `stage` moves the
    contact."""

    fields: Mapping[str, object] = field(default_factory=dict)
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    stage: str | None = None


def edit_contact(deps: Deps, contact_id: str, edit: Edit) -> tuple[Contact, Contact]:
    """The contact as the edit's write found it and as it stands after; NotFound, or
    InvalidField naming the field. What someone else wrote before that write is in both,
    so `summary` of the two names this edit's changes alone."""
    now = deps.clock.now()
    settings = deps.catalog.settings()
    if edit.stage is not None and edit.stage not in settings.stages:
        raise InvalidField("stage", f"unknown stage {edit.stage!r}", "unknown_stage")

    def changed(contact: Contact) -> Contact:
        found = patched(contact, edit.fields)
        tags = one_of_each([*found.without_tags(edit.remove_tags), *edit.add_tags])
        if len(tags) > MAX_ITEMS:
            raise InvalidField(
                "add_tags",
                f"a contact has at most {MAX_ITEMS} tags",
                "too_long",
                {"max_length": MAX_ITEMS},
            )
        return found if tags == found.tags else found.model_copy(update={"tags": tags})

    return rewritten(deps, contact_id, changed, edit.stage, now)


def summary(before: Contact, after: Contact) -> tuple[str, str]:
    """What changed, as "name: value" before and after, values in JSON (attributes key by
    key)."""
    old, new = _shown(before), _shown(after)
    keys = sorted(name for name in old.keys() | new.keys() if name.startswith("attributes."))
    order = [*(name for name in SHOWN if name != "attributes"), *keys]
    return audit.changes({k: old.get(k) for k in order}, {k: new.get(k) for k in order})


def _shown(contact: Contact) -> dict[str, Any]:
    fields = contact.model_dump(mode="json", include=set(SHOWN))
    attributes = fields.pop("attributes")
    return fields | {f"attributes.{key}": value for key, value in attributes.items()}
