"""/api/contacts/<id> edits: attributes and tags, do-not-contact, and what comes next."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from followup.api.auth import READERS, SETTINGS_WRITERS, caller, require
from followup.api.openapi import statuses
from followup.domain.contact import Contact, Score
from followup.domain.errors import NotFound
from followup.domain.localtime import ZoneName
from followup.services import audit, do_not_contact
from followup.services.contact_edits import Edit, edit_contact, summary
from followup.services.imports import Key, Tag, Text
from followup.services.ports import Versioned
from followup.services.upcoming import upcoming
from followup.wiring import runtime

if TYPE_CHECKING:
    from followup.services.deps import Deps

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools

_DO_NOT_CONTACT = frozenset({"contact.do_not_contact", "contact.contact_allowed"})
_LIFT_AUDITED_WITHIN = timedelta(days=1)
"""How far back a lift sent again looks for the entry its first try may have lost."""


class ContactEdit(BaseModel):
    """Fields left out stay as they are. `attributes` merge key by key (null removes one);
    tags are added and removed one by one, so edits made meanwhile are kept, and in any case
    ("vip" is not added beside "VIP", and removes it). A number where text goes (an
    attribute's amount) is kept as its text."""

    model_config = ConfigDict(extra="forbid", defer_build=True, coerce_numbers_to_str=True)

    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254, description="null clears it")
    timezone: ZoneName | None = Field(
        default=None,
        description="null: the zone the lead's number places them in when it is another"
        " country's than the workspace's, else the workspace's",
    )
    score: Score | None = None
    stage: str | None = Field(default=None, min_length=1, max_length=64)
    attributes: dict[Key, Text | None] | None = Field(default=None, max_length=50)
    add_tags: list[Tag] = Field(default_factory=list, max_length=50)
    remove_tags: list[Tag] = Field(default_factory=list, max_length=50)

    @field_validator("name", "score", "stage")
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        if value is None:  # runs only for a value given: null, not a field left out
            raise ValueError("always has a value; leave it out to keep it")
        return value

    def edit(self) -> Edit:
        named = self.model_fields_set & {"name", "email", "timezone", "score", "attributes"}
        return Edit(
            {name: getattr(self, name) for name in named},
            self.add_tags,
            self.remove_tags,
            self.stage,
        )


@router.patch("/api/contacts/<contact_id>", openapi_extensions=statuses(404, 409))
def edit(contact_id: str, body: ContactEdit) -> dict[str, Any]:
    """Change a contact's attributes, tags, name, email, zone, score or stage; kept in the
    audit log (`contact.updated`)."""
    event = router.current_event.raw_event
    require(event, READERS)
    deps = runtime.deps()
    before, after = edit_contact(deps, contact_id, body.edit())
    was, now = summary(before, after)
    if was or now:
        audit.record(deps, caller(event), "contact.updated", contact_id, was, now)
    return after.model_dump(mode="json")


@router.post("/api/contacts/<contact_id>/do-not-contact", openapi_extensions=statuses(404))
def stop_contacting(contact_id: str) -> dict[str, Any]:
    """Stop every follow-up to the contact: queued ones end `canceled` and running journeys
    end (reason `canceled_by_staff`); audited as `contact.do_not_contact`."""
    event = router.current_event.raw_event
    require(event, READERS)
    deps = runtime.deps()
    who, at = caller(event), deps.clock.now()
    before = deps.contacts.contact(contact_id)
    stopped: Contact | None = None
    try:
        stopped = do_not_contact.stop_contacting(deps, contact_id, who, at)
    finally:
        # Audited once this request set it, even when the sweep after failed (a 503): sent
        # again, the request finds the contact stopped already and sets nothing.
        if stopped is None and (found := deps.contacts.contact(contact_id)) is not None:
            stopped = found.item
        if _set_now(before, stopped, who, at):
            audit.record(
                deps, who, "contact.do_not_contact", contact_id, "allowed", "do not contact"
            )
    return stopped.model_dump(mode="json")


def _set_now(
    before: Versioned[Contact] | None, after: Contact | None, who: str, at: datetime
) -> bool:
    """The contact, allowed before, is stopped by `who` at `at`: this request stopped it."""
    return (
        before is not None
        and not before.item.opted_out
        and after is not None
        and (after.opted_out_by, after.opted_out_at) == (who, at)
    )


@router.delete("/api/contacts/<contact_id>/do-not-contact", openapi_extensions=statuses(404, 409))
def allow_contacting(contact_id: str) -> dict[str, Any]:
    """Admins only: lift a do-not-contact staff set (409 when the contact opted out
    themselves); audited as `contact.contact_allowed`."""
    event = router.current_event.raw_event
    require(event, SETTINGS_WRITERS)
    deps = runtime.deps()
    who, lifted = caller(event), list[str]()

    def audited() -> None:
        # Audited as soon as this request lifted it, before the work after: sent again, the
        # request finds the contact allowed already and lifts nothing.
        lifted.append(who)
        audit.record(deps, who, "contact.contact_allowed", contact_id, "do not contact", "allowed")

    allowed = do_not_contact.allow_contacting(deps, contact_id, deps.clock.now(), audited)
    if not lifted and _lift_unaudited(deps, contact_id):
        # A lift whose entry the store refused (a 503), sent again: audited now, once.
        audit.record(deps, who, "contact.contact_allowed", contact_id, "do not contact", "allowed")
    return allowed.model_dump(mode="json")


def _lift_unaudited(deps: Deps, contact_id: str) -> bool:
    """The contact, allowed now, has a do-not-contact set in the audit log of the last
    `_LIFT_AUDITED_WITHIN` and no lift after it: the lift that allowed it (only an admin's
    allows a contact again) lost its entry."""
    since = deps.clock.now() - _LIFT_AUDITED_WITHIN
    newest = audit.newest_about(deps, contact_id, _DO_NOT_CONTACT.__contains__, since)
    return newest == "contact.do_not_contact"


class UpcomingStep(BaseModel):
    """A step still to come in a journey the contact is in, or one an active date rule
    begins when the contact's date comes round (`starts`)."""

    model_config = ConfigDict(defer_build=True)

    rule_id: str
    rule_name: str
    step: int = Field(description="its place in the rule, from 1")
    kind: Literal["send", "wait", "branch", "action"]
    does: str = Field(description="a send's channel, an action's name, a wait's `for`/`until`")
    due: str | None = Field(description="ISO 8601, UTC: when the rule's waits make it due")
    at: str | None = Field(
        description="ISO 8601, UTC: when it happens at the earliest (a send at the send "
        "window's next opening); null where the journey waits on the contact or would end"
    )
    local: str | None = Field(description="`at` in the lead's zone")
    zone: str
    held: bool = Field(description="its rule is off")
    by_hand: bool = Field(description="a first step sent by hand (or being sent); `at`: when")
    paused: bool = Field(
        description="a send held until sending resumes: while the workspace is paused, a "
        "WhatsApp send while the number it goes from is, an email while email is"
    )
    email_paused: bool = Field(
        description="the pause holding it is email's (SES refused the account): it goes "
        "once an admin resumes email"
    )
    may_defer: Literal["messaging_limit", "warm_up"] | None = Field(
        description="what may put the send off at send time, by what other sends took by "
        "then: the portfolio's messaging limit, spent now; or the daily cap of the new "
        "number it goes from, warming up that day"
    )
    starts: bool = Field(
        description="a step of the journey an active date rule begins when the contact's "
        "date comes round: not begun yet"
    )


class UpcomingSteps(BaseModel):
    model_config = ConfigDict(defer_build=True)

    steps: list[UpcomingStep]


@router.get("/api/contacts/<contact_id>/upcoming")
def next_steps(contact_id: str) -> UpcomingSteps:
    """The later steps of the journeys the contact is in, soonest first: `at` (UTC, the
    earliest: the send window may move a send), `local` and `zone` (the lead's time);
    `at` is null for a step that waits on the contact (after a branch or a dated wait);
    `by_hand` marks a rule's first step a counsellor sent by hand (or is sending), with
    when it went (or goes): the rule does not send it again; `paused` marks a send held
    while the workspace is paused, or the number it goes from (a WhatsApp send) or email
    (an email) is, and `email_paused` when email's pause holds it; `may_defer`, one the
    messaging limit or a warm-up cap may put off; `starts`, the steps of a journey an
    active date rule begins when the contact's date comes round."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    found = deps.contacts.contact(contact_id)
    if found is None:
        raise NotFound("contact", contact_id)
    steps = [u.as_json() for u in upcoming(deps, found.item)]
    return UpcomingSteps.model_validate({"steps": steps})
