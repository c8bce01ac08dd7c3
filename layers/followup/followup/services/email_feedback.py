"""What SES tells of an email after taking it, published by its configuration set to
EventBridge: a hard bounce or a complaint. Each effect is conditional, so an event heard
twice changes nothing the second time.

A hard bounce (`Permanent`: the address does not exist, or its server refuses it for good)
fails the follow-up, which sends its step on the next channel as a WhatsApp `failed`
status does, and keeps the address from being emailed again (`Contact.email_bounce`): it
is no opt-out of the lead's. A complaint (the reader marked it spam) stops email to the
contact as their unsubscribe does. A soft bounce (`Transient`, `Undetermined`: a full
mailbox, a server down) changes nothing; SES publishes one only once it gave up trying."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from followup.domain.channels import FOLLOWUP_TAG
from followup.domain.errors import NotFound
from followup.domain.followup import TRANSITIONS, FollowUp, Status
from followup.services.channels import after_failed, email_price, falls_back
from followup.services.contacts import update_contact
from followup.services.goals import converted_meanwhile
from followup.services.ports import CommitRejected, FollowUpChange
from followup.services.webhook import unreached

if TYPE_CHECKING:
    from datetime import datetime

    from followup.domain.contact import Contact
    from followup.services.deps import Deps

BOUNCED = "ses: bounced"
"""The reason a follow-up whose email hard-bounced failed with."""
APPLIED = frozenset({"bounce", "complaint"})
"""What `apply` returns when the event changed something."""
_READ = ConfigDict(frozen=True, defer_build=True, populate_by_name=True)
_TRIES = 3
"""How often a bounce recording its email's send reads the follow-up again after a write
refused because it moved meanwhile."""


class Mail(BaseModel):
    """The message an event is about."""

    model_config = _READ

    message_id: str = Field(alias="messageId")
    tags: dict[str, list[str]] = Field(default_factory=dict)


class Recipient(BaseModel):
    model_config = _READ

    address: str = Field(alias="emailAddress")
    diagnostic: str | None = Field(default=None, alias="diagnosticCode")


class Bounce(BaseModel):
    model_config = _READ

    type: str = Field(alias="bounceType")
    recipients: list[Recipient] = Field(default_factory=list, alias="bouncedRecipients")
    at: AwareDatetime = Field(alias="timestamp")


class Complaint(BaseModel):
    model_config = _READ

    at: AwareDatetime = Field(alias="timestamp")


class EmailFeedback(BaseModel):
    """An SES event as it publishes it (the EventBridge event's `detail`): what it is
    about, and a bounce or a complaint."""

    model_config = _READ

    mail: Mail
    bounce: Bounce | None = None
    complaint: Complaint | None = None


def apply(deps: Deps, feedback: EmailFeedback) -> str:
    """Apply one bounce or complaint; returns what it did, for logs and metrics. An event
    about a message no follow-up of ours sent (by the tag the sender gave it), or about a
    contact since deleted, changes nothing: `unknown`."""
    try:
        if feedback.complaint is not None:
            return _complained(deps, feedback.mail, feedback.complaint)
        if feedback.bounce is not None and feedback.bounce.type == "Permanent":
            return _hard_bounce(deps, feedback.mail, feedback.bounce)
    except NotFound:
        return "unknown"
    return "transient"


def _complained(deps: Deps, mail: Mail, complaint: Complaint) -> str:
    """The reader marked the email spam: no more email to them, as after their unsubscribe
    (the expire tick ends the message `opted_out` with the others they did not answer)."""
    followup = _followup_of(deps, mail)
    if followup is None:
        return "unknown"

    def stopped(contact: Contact) -> Contact:
        return contact.with_channel_stopped("email", complaint.at)

    update_contact(deps, followup.contact_id, stopped, complaint.at)
    return "complaint"


def _hard_bounce(deps: Deps, mail: Mail, bounce: Bounce) -> str:
    """The address the email bounced from is emailed no more while it is the contact's, and
    the follow-up fails (`_failed`), its send recorded first when nobody had (`_recorded`)."""
    followup = _followup_of(deps, mail)
    if followup is None:
        return "unknown"

    def marked(contact: Contact) -> Contact:
        for recipient in bounce.recipients:
            contact = contact.with_email_bounced(recipient.address, bounce.at)
        return contact

    update_contact(deps, followup.contact_id, marked, bounce.at)
    recorded = _recorded(deps, followup, mail, bounce.at)
    if recorded is None:
        return "bounce"  # given up as unknown: its journey ended with it, so it stays so
    return _failed(deps, recorded, bounce)


def _recorded(deps: Deps, followup: FollowUp, mail: Mail, at: datetime) -> FollowUp | None:
    """`followup` with this message recorded as its send. One still `sending` (its sender
    still writing, or gone before it wrote) is recorded sent now (`FollowUp.recovered`),
    at SES's price of an email, as its sender would have (`email_price`): the event shows
    the message went, so its bounce fails it as any other's, the stats count its price
    with that send, and the sender's own record, coming after, is refused
    (services.channels). One its sender recorded meanwhile is read again. None for one
    that ended without it (failed as unknown: SES's answer was lost, or its sender's
    deadline passed)."""
    for _ in range(_TRIES):
        if followup.provider_message_id is not None:
            return followup if followup.provider_message_id == mail.message_id else None
        emailed = _emailed(deps, followup) if followup.status is Status.SENDING else None
        if emailed is None:
            return None
        expire_after = deps.catalog.settings().expire_after.approx()
        recovered = emailed.recovered(at, mail.message_id, expire_after)
        sent = recovered.model_copy(update={"pricing": email_price(deps)})
        try:
            deps.commit([FollowUpChange(sent, Status.SENDING)], at)
        except CommitRejected:
            found = deps.followups.followup(followup.id)
            if found is None:
                return None
            followup = found
            continue
        return sent
    return None


def _followup_of(deps: Deps, mail: Mail) -> FollowUp | None:
    """The email follow-up the message's tag names, when its recorded send is this message,
    or it recorded none: SES's answer was lost (its outcome unknown), and this event shows
    the message went all the same, so its bounce or complaint still keeps the address from
    being emailed again."""
    for followup_id in mail.tags.get(FOLLOWUP_TAG, []):
        found = deps.followups.followup(followup_id)
        emailed = _emailed(deps, found) if found else None
        if emailed and emailed.provider_message_id in (None, mail.message_id):
            return emailed
    return None


def _emailed(deps: Deps, followup: FollowUp) -> FollowUp | None:
    """`followup` as the email it sent: one still `sending` is stored on no channel yet (its
    sender picks one as it goes), so on its step's email channel from its own on; None
    when it went on no email."""
    if followup.channel == "email":
        return followup
    if followup.status is not Status.SENDING:
        return None
    rule = deps.catalog.rule(followup.rule_id, followup.rule_version)
    if rule is None or followup.step_index >= len(rule.steps):
        return None
    chain = rule.send_step(followup.step_index).chain
    at = next((i for i in range(followup.channel_index, len(chain)) if chain[i] == "email"), None)
    return None if at is None else followup.on_channel("email", at, followup.skipped_channels)


def _failed(deps: Deps, followup: FollowUp, bounce: Bounce) -> str:
    """Fail the follow-up whose email hard-bounced, and send its step on the next channel
    when it falls back on undeliverable sends. Heard again, the fallback (of an id of its
    own) is planned again, which changes nothing once it is; one the follow-up can no longer
    take (it was answered, or ended) is stale."""
    if followup.status is Status.FAILED and followup.reason == BOUNCED:
        return "bounce" if after_failed(deps, followup, bounce.at) else "stale"
    if Status.FAILED not in TRANSITIONS.get(followup.status, frozenset()):
        return "stale"
    diagnostic = next((r.diagnostic for r in bounce.recipients if r.diagnostic), None)
    failed = followup.ended(Status.FAILED, bounce.at, BOUNCED).model_copy(
        update={"error_title": diagnostic}
    )
    if falls_back(deps, failed):
        failed = failed.model_copy(update={"fell_back": True})
    try:
        deps.commit([FollowUpChange(failed, followup.status)], bounce.at)
    except CommitRejected:
        converted = converted_meanwhile(deps, followup, followup.status)
        return "stale" if converted is None else _failed(deps, converted, bounce)
    unreached(deps, failed, bounce.at)
    after_failed(deps, failed, bounce.at)
    return "bounce"
