"""A person we can reach, with their funnel position and conversation state."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from followup.domain.channels import EMAIL_PATTERN, Channel, ascii_address
from followup.domain.limits import MAX_ITEMS
from followup.domain.localtime import ZoneName
from followup.domain.phones import dialled, zone_of
from followup.domain.stamps import heard_after
from followup.domain.stored import STORED, new_input

# A business-scoped user id: a country prefix, a dot, then up to 128 letters and digits.
# Kept as written: it is not a phone number, and no phone normalisation may touch it.
USER_ID = re.compile(r"[A-Z]{2}\.[A-Za-z0-9]{1,128}")


def tag_key(tag: str) -> str:
    """A tag as tags compare: "VIP", "Vip" and "vip" are one tag, and so is a "Café"
    whose accent one keyboard typed as a letter of its own and another as a mark."""
    return unicodedata.normalize("NFKC", tag).casefold()


def one_of_each(tags: Iterable[str]) -> list[str]:
    """`tags` with each tag once, whatever its case, as first written."""
    kept: dict[str, str] = {}
    for tag in tags:
        kept.setdefault(tag_key(tag), tag)
    return list(kept.values())


class Score(StrEnum):
    HOT = "hot"
    WARM = "warm"
    COLD = "cold"


class Speaker(StrEnum):
    """Who wrote a message. `system` is automation other than this engine's follow-ups."""

    CONTACT = "contact"
    AGENT = "agent"
    SYSTEM = "system"


class StageClaim(BaseModel):
    """A stage the lead said they reached ("I already paid": `paid`), awaiting staff's
    confirmation, and when they said it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    stage: str
    at: AwareDatetime


class EmailBounce(BaseModel):
    """An address email to which hard-bounced (SES's `Permanent` bounce: it does not exist,
    or its server refuses it for good), and when."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    address: str
    at: AwareDatetime


class Contact(BaseModel):
    """A lead: identity, funnel stage, score and the state of their conversation.

    `last_activity_at` moves with every message except this engine's own follow-ups,
    so a follow-up never restarts the silence that caused it.
    """

    model_config = ConfigDict(defer_build=True)

    id: str
    wa_id: str | None = Field(default=None, description="phone-based WhatsApp id; sends go here")
    user_id: str | None = Field(default=None, description="WhatsApp's business-scoped user id")
    previous_user_ids: list[str] = Field(
        default_factory=list,
        description="business-scoped user ids the person had before; they still find them",
    )
    phone_number_id: str | None = Field(
        default=None,
        description="the business number the contact talks to (its last message's "
        "metadata.phone_number_id): WhatsApp sends to them go from it",
    )
    name: str = ""
    phone: str | None = None
    email: str | None = None
    stage: str
    score: Score = Score.WARM
    timezone: ZoneName | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    created_at: AwareDatetime
    stage_changed_at: AwareDatetime | None = None
    opted_out: bool = False
    marketing_suppressed: bool = Field(
        default=False, description="the user stopped marketing messages (WhatsApp setting)"
    )
    marketing_changed_at: AwareDatetime | None = Field(
        default=None,
        description="when the choice in `marketing_suppressed` was made; one made before"
        " these times were kept has none",
    )
    opted_out_at: AwareDatetime | None = None
    opted_out_by: str | None = Field(
        default=None,
        description="who stopped all messages: `contact` (their own STOP) or the user who set"
        " do-not-contact; only the latter can be undone, by an admin",
    )
    opted_out_channels: list[Channel] = Field(
        default_factory=list,
        description="channels the contact stopped one by one (an email unsubscribe, a WhatsApp"
        " STOP when it stops WhatsApp only); `opted_out` stops them all",
    )
    opted_out_channels_at: dict[Channel, AwareDatetime] = Field(
        default_factory=dict,
        description="when each channel in `opted_out_channels` was stopped; one stopped before"
        " these times were kept has none",
    )
    email_bounce: EmailBounce | None = Field(
        default=None,
        description="the address an email to the contact hard-bounced from, and when: no"
        " email goes to `email` while it is that address (not an opt-out of theirs; a new"
        " `email` is emailed again)",
        # Left out of the stored contact while empty, as it nearly always is.
        exclude_if=lambda bounce: bounce is None,
    )
    last_inbound_at: AwareDatetime | None = None
    last_outbound_at: AwareDatetime | None = None
    last_agent_at: AwareDatetime | None = None
    last_activity_at: AwareDatetime | None = None
    last_speaker: Speaker | None = None
    conversation_open: bool = True
    conversation_changed_at: AwareDatetime | None = Field(
        default=None, description="when the conversation was last closed or reopened"
    )
    conversation_changed_by: str | None = Field(
        default=None,
        description="who last closed or reopened it: a user's sign-in name, `event` (another"
        " system), `contact` (a new message reopened it) or `journey:<rule id>`",
    )
    manual_at: AwareDatetime | None = Field(
        default=None,
        description="when a counsellor last queued a send to the contact by hand (send-now):"
        " in that silence, a rule's first step looks for it before it goes",
    )
    followups_sent: int = 0
    recent_sends: list[AwareDatetime] = Field(default_factory=list)
    unreached_sends: list[AwareDatetime] = Field(
        default_factory=list,
        description="send times of recent sends WhatsApp took, then reported it could not"
        " deliver: the lead got nothing, so the frequency cap does not count them",
        # Left out of the stored contact while empty, as it nearly always is: the contact
        # stays within one write unit (1 KB).
        exclude_if=lambda sends: not sends,
    )
    reached_at: AwareDatetime | None = Field(
        default=None,
        description="when a send to the contact last counted toward the portfolio's messaging"
        " limit (from the follow-up stream, as the sender marked the send)",
    )
    claimed_stage: StageClaim | None = Field(
        default=None,
        description="the stage the lead last said they reached, for staff to confirm (a reply"
        " read as done); it holds back the rules it would end while staff have not moved the"
        " lead's stage since",
        # Left out of the stored contact while empty, as it nearly always is.
        exclude_if=lambda claim: claim is None,
    )
    call_back_at: AwareDatetime | None = Field(
        default=None,
        description="when the call back the lead last asked for is due (a reply read as"
        " `call_back_at` that started one): until a while after it, another rule's follow-up"
        " looks whether it is still to come, and waits for it",
        # Left out of the stored contact while empty, as it mostly is.
        exclude_if=lambda at: at is None,
    )
    events_at: dict[str, AwareDatetime] = Field(
        default_factory=dict,
        description="when each custom event a rule's goal or exit names last happened to the"
        " contact (the latest `EVENTS_KEPT`): a journey of that rule in a silence it happened"
        " in stops before its next step, also one that starts after it",
    )

    @field_validator("email")
    @classmethod
    def _an_address(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and new_input(info) and not EMAIL_PATTERN.match(value):
            raise ValueError("not an email address")
        return value

    @field_validator("tags")
    @classmethod
    def _each_tag_once(cls, value: list[str]) -> list[str]:
        """A contact holds "VIP" or "vip", never both: one stored with both, before tags
        compared in any case, reads as holding the one written first."""
        return one_of_each(value)

    def has_tag(self, tag: str) -> bool:
        """Whether the contact holds `tag`, in any case: "vip" finds "VIP"."""
        key = tag_key(tag)
        return any(tag_key(held) == key for held in self.tags)

    def without_tags(self, removed: Iterable[str]) -> list[str]:
        """The contact's tags but those in `removed`, each in any case."""
        keys = {tag_key(tag) for tag in removed}
        return [tag for tag in self.tags if tag_key(tag) not in keys]

    def stopped(self, channel: Channel) -> bool:
        """The contact may not be messaged on `channel` (SNS keeps SMS opt-outs itself)."""
        return self.opted_out or channel in self.opted_out_channels

    def stopped_by(self, channel: Channel, moment: datetime) -> bool:
        """Messages on `channel` were stopped at or before `moment`, by a stop of every
        channel or of this one. A stop whose time was not kept (stored before it was)
        counts as made by then."""
        stops: list[datetime | None] = []
        if self.opted_out:
            stops.append(self.opted_out_at)
        if channel in self.opted_out_channels:
            stops.append(self.opted_out_channels_at.get(channel))
        return any(at is None or at <= moment for at in stops)

    def bounced(self, channel: Channel) -> bool:
        """Email to the contact's address hard-bounced: it is no use emailing it again, also
        when the address is written again in other capitals or its host's other form (the
        same mailbox, as the bounce was matched to it)."""
        bounce, email = self.email_bounce, self.email
        if channel != "email" or bounce is None or email is None:
            return False
        return ascii_address(bounce.address).casefold() == ascii_address(email).casefold()

    def with_email_bounced(self, address: str, at: datetime) -> Contact:
        """Email to `address` hard-bounced at `at`: when it is still the contact's email,
        it gets no more (its first bounce keeps its time); one changed since stays."""
        if self.email is None or address.casefold() != ascii_address(self.email).casefold():
            return self
        if self.bounced("email"):
            return self
        return self.model_copy(update={"email_bounce": EmailBounce(address=self.email, at=at)})

    def with_channel_stopped(self, channel: Channel, at: datetime) -> Contact:
        """`channel` stopped at `at`; one stopped already keeps the time it was first
        stopped."""
        if channel in self.opted_out_channels:
            return self
        update = {
            "opted_out_channels": [*self.opted_out_channels, channel],
            "opted_out_channels_at": {**self.opted_out_channels_at, channel: at},
        }
        return self.model_copy(update=update)

    def with_marketing(self, stopped: bool, at: datetime) -> Contact:
        """Marketing stopped (or resumed) by a choice made at `at`. The latest choice stands:
        one made before the choice kept, or at its very time, changes nothing, so a late
        copy of an older choice cannot undo a newer one."""
        if self.marketing_changed_at is not None and at <= self.marketing_changed_at:
            return self
        update = {"marketing_suppressed": stopped, "marketing_changed_at": at}
        return self.model_copy(update=update)

    def with_stops_of(self, source: Contact) -> Contact:
        """The contact with what stops messages to `source` (another contact of the same
        person) too: its opt-out (when it was set, and by whom), each channel it stopped (at
        its time, unless this contact had stopped it already: its own time stays), its
        marketing choice as a choice made when it was (a newer one stands; one made before
        choices kept their time stops marketing), and the hard bounce of its address when
        that address is this contact's email too (a bounce of its own keeps its time)."""
        channels = sorted({*self.opted_out_channels, *source.opted_out_channels})
        times = {**source.opted_out_channels_at, **self.opted_out_channels_at}
        update: dict[str, object] = {
            "opted_out_channels": channels,
            "opted_out_channels_at": {c: times[c] for c in channels if c in times},
        }
        if source.opted_out and not self.opted_out:
            update |= {
                "opted_out": True,
                "opted_out_at": source.opted_out_at,
                "opted_out_by": source.opted_out_by,
            }
        stopped = self.model_copy(update=update)
        bounce = source.email_bounce
        if bounce is not None:
            stopped = stopped.with_email_bounced(ascii_address(bounce.address), bounce.at)
        if source.marketing_changed_at is not None:
            return stopped.with_marketing(source.marketing_suppressed, source.marketing_changed_at)
        if source.marketing_suppressed:
            return stopped.model_copy(update={"marketing_suppressed": True})
        return stopped

    def with_details_of(self, source: Contact) -> Contact:
        """The contact with what `source` (another contact of the same person) knows of
        them and it does not: a name, number as dialled, email address and time zone, the
        attributes it lacks and the tags it does not hold, each up to `MAX_ITEMS`. What it
        knows itself stands."""
        attributes = dict(self.attributes)
        for name, value in source.attributes.items():
            if name not in attributes and len(attributes) < MAX_ITEMS:
                attributes[name] = value
        tags = one_of_each([*self.tags, *source.tags])
        return self.model_copy(
            update={
                "name": self.name or source.name,
                "phone": self.phone or source.phone,
                "email": self.email or source.email,
                "timezone": self.timezone or source.timezone,
                "attributes": attributes,
                "tags": tags[: max(MAX_ITEMS, len(self.tags))],
            }
        )

    def with_event(self, name: str, at: datetime) -> Contact:
        """The custom event `name` happened at `at`: its latest time is kept, with those of
        the other events that happened last, `EVENTS_KEPT` in all (the oldest is let go).
        A late copy of an earlier one changes nothing."""
        kept = self.events_at.get(name)
        if kept is not None and at <= kept:
            return self
        latest = sorted({**self.events_at, name: at}.items(), key=lambda e: e[1], reverse=True)
        return self.model_copy(update={"events_at": dict(latest[:EVENTS_KEPT])})

    def address(self, channel: Channel) -> str | None:
        """Where `channel` reaches the contact: the WhatsApp id (else the business-scoped
        user id, as written), its phone (else the WhatsApp id as it is dialled), or the
        email. A user id is never a phone number."""
        if channel == "email":
            return self.email
        if channel == "sms":
            number = self.phone or (dialled(self.wa_id) if self.wa_id else None)
            return None if number is None else "+" + number.removeprefix("+")
        return self.wa_id or self.user_id

    @property
    def quiet_since(self) -> datetime:
        """Start of the current silence: the last human message or stage change."""
        moments = [self.created_at, self.last_activity_at, self.stage_changed_at]
        return max(moment for moment in moments if moment is not None)

    @property
    def silence_key(self) -> str:
        """Names the current silence: a rule fires at most once per silence."""
        return self.quiet_since.astimezone(UTC).isoformat()

    def replied_since(self, moment: datetime) -> bool:
        return self.last_inbound_at is not None and self.last_inbound_at > moment

    def heard_at(self, stamped: datetime) -> datetime:
        """Where a message of the contact's that WhatsApp stamped `stamped`, heard now, falls
        in the conversation: just after what we recorded within its second (an agent's
        message, a stage change, a close), which it may answer; else at its stamp."""
        ours = [self.stage_changed_at, self.conversation_changed_at]
        if self.last_speaker is not Speaker.CONTACT:
            ours.append(self.last_activity_at)
        return heard_after(stamped, ours)

    def with_conversation(self, open_: bool, at: datetime, by: str) -> Contact:
        """Closed or reopened at `at` by `by`. The latest moment wins: a change older than
        the last one, or a close older than the contact's last message, changes nothing;
        so does closing a closed conversation (it keeps who closed it first)."""
        if self.conversation_open == open_:
            return self
        if self.conversation_changed_at is not None and at < self.conversation_changed_at:
            return self
        if not open_ and self.last_inbound_at is not None and at < self.last_inbound_at:
            return self
        update = {
            "conversation_open": open_,
            "conversation_changed_at": at,
            "conversation_changed_by": by,
        }
        return self.model_copy(update=update)

    def zone(self, fallback: ZoneInfo) -> ZoneInfo:
        """The contact's own time zone; without one, the zone their number places them in
        (`zone_of`: a number of another country than the workspace's), else the
        workspace's (`fallback`). A lead of the workspace's country, of a user id or an
        email alone is read in the workspace's: a +62 lead of a workspace in Makassar is
        in Makassar, though Indonesia has three zones; a +55 11 lead of a workspace in
        Jakarta is in São Paulo."""
        if self.timezone:
            return ZoneInfo(self.timezone)
        placed = zone_of(self.wa_id or self.phone, fallback.key)
        return fallback if placed is None else ZoneInfo(placed)

    def patched(self, changes: Mapping[str, object]) -> Contact:
        """A copy with a caller's `changes` (name, email, time zone, score, tags, attributes).

        A field not named stays as it is; None clears it. Attributes merge key by key, and
        None for one key removes it. Tags given keep the spelling the contact has for them
        ("vip" given to a contact tagged "VIP" leaves "VIP"). Opt-out, counters and
        conversation state are the engine's: naming one is refused.
        """
        update: dict[str, object] = {}
        for name, value in changes.items():
            if name not in PATCHABLE:
                raise ValueError(f"{name} is not a field a caller may change")
            if name == "attributes" and isinstance(value, Mapping):
                merged = {**self.attributes, **value}
                update[name] = {key: v for key, v in merged.items() if v is not None}
            elif name == "tags" and isinstance(value, list):
                held = {tag_key(tag): tag for tag in self.tags}
                update[name] = [
                    held.get(tag_key(tag), tag) if isinstance(tag, str) else tag for tag in value
                ]
            elif value is None:
                update[name] = Contact.model_fields[name].get_default(call_default_factory=True)
            else:
                update[name] = value
        # What the caller did not change is read back as stored (an older, looser check).
        context = None if "email" in update else STORED
        return Contact.model_validate({**self.model_dump(), **update}, context=context)

    def field(self, path: str) -> str | None:
        """A value for personalisation: `name`, `first_name`, `stage`, `attributes.x`; None
        for one blank (an attribute a CRM sent as ""), so a placeholder's default is used."""
        if path.startswith("attributes."):
            value: object = self.attributes.get(path.removeprefix("attributes."))
        elif path == "first_name":
            value = next(iter(self.name.split()), None)
        else:
            value = getattr(self, path, None) if path in PERSONAL_FIELDS else None
        return str(value) if value is not None and str(value).strip() else None


EVENTS_KEPT = 4
"""Custom events whose time a contact keeps (each a name and a time: the contact's item
stays well under 1 KB)."""

PATCHABLE = frozenset({"name", "email", "timezone", "score", "tags", "attributes"})
PERSONAL_FIELDS = ("name", "first_name", "phone", "email", "stage", "wa_id")
