"""The ports services depend on: narrow repositories per aggregate, one transactional
commit, and the outside services. Adapters implement them."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from followup.domain.contact import Score
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.phones import calling_code, other_whatsapp_form

if TYPE_CHECKING:
    from followup.domain.ai import AiRequest, AiResult, AiUnavailable
    from followup.domain.ai_classify import AiReading
    from followup.domain.audit import AuditEntry
    from followup.domain.channels import OutboundEmail
    from followup.domain.contact import Contact
    from followup.domain.conversation import Message
    from followup.domain.enrollment import Enrollment
    from followup.domain.notification import Notification
    from followup.domain.numbers import NumberHealth
    from followup.domain.rule import Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.domain.task import Task, TaskStatus
    from followup.domain.templates import Template, TemplateCatalogue
    from followup.domain.whatsapp import OutboundMessage


class Phase(StrEnum):
    """Where a live follow-up waits; each phase is read by time, never scanned."""

    QUEUED = "queued"  # waiting for its scheduled time, then dispatch
    DISPATCHED = "dispatched"  # put on SQS by a write (send now, a release, a retry), unclaimed
    SENDING = "sending"  # claimed; if it stays past its deadline the outcome is unknown
    SENT = "sent"  # waiting for a reply, then expiry
    WAITING_TEMPLATE = "template"  # held until its template is approved or its wait ends
    HELD = "held"  # queued, held until its paused number is resumed (a lane per number)


def phase_of(followup: FollowUp) -> Phase | None:
    """The phase a follow-up waits in, or None once it is terminal."""
    if followup.status is Status.QUEUED and followup.held_by is not None:
        return Phase.HELD
    if followup.status is Status.QUEUED:
        return Phase.DISPATCHED if followup.dispatched_at else Phase.QUEUED
    if followup.status is Status.WAITING_TEMPLATE:
        return Phase.WAITING_TEMPLATE
    if followup.status is Status.SENDING:
        return Phase.SENDING
    if followup.status.outbound:
        return Phase.SENT
    return None


def lane(phase: Phase) -> str:
    """The entries of the waiting index a phase is read from: queued, dispatched and
    sending share one, so that dispatch and claim leave a follow-up's entry where it is;
    one held for its template has a lane of its own, read whole when a template is approved."""
    if phase in (Phase.SENT, Phase.WAITING_TEMPLATE):
        return phase.value
    return Phase.QUEUED.value


def lane_phases(phase: Phase | tuple[Phase, ...]) -> tuple[Phase, ...]:
    """The phases asked for, which must share a lane (one read of it)."""
    asked = phase if isinstance(phase, tuple) else (phase,)
    if len({lane(each) for each in asked}) != 1:
        raise ValueError(f"phases {asked} do not share a lane")
    return asked


EMAIL_HELD = "email"
"""The name the follow-ups held while email is paused are kept under (no number's id)."""


def held_lane(number: str) -> str:
    """The lane of the follow-ups held until `number` is resumed: read only then."""
    return f"{Phase.HELD.value}:{number}"


ON_TIME = timedelta(minutes=1)
"""How far from its send time (`scheduled_at`) a follow-up may be sent and still be found
by the expire tick through the send-time index rather than a lane of its own."""


def sent_on_time(followup: FollowUp) -> bool:
    """Whether it was sent within `ON_TIME` of its send time: its entry in the send-time
    index then tells when it expires, give or take that. A send recorded only later, from
    WhatsApp's status (`sent_unrecorded`), is not: the expire tick may have read past its
    send time meanwhile, so it waits in the `sent` lane at its expiry instead."""
    sent = followup.sent_at
    on_time = sent is not None and abs(sent - followup.scheduled_at) <= ON_TIME
    return on_time and not any(c.reason == Reason.SENT_UNRECORDED for c in followup.history)


def waiting_entry(followup: FollowUp) -> tuple[str, datetime] | None:
    """Where a live follow-up waits in the index: its lane and the moment it is filed at,
    never after its `wake_at`; None once nothing wakes it.

    One sent on time leaves the index (the expire tick reads it by its send time); one
    sent off time (held by a pause, deferred, sent early) is filed at its expiry. Before
    that, at its scheduled time (its wake, when earlier): a hand-over by a write and the
    claim move `wake_at` later (the redrive, the sending deadline) but not this, so they
    rewrite the item and not the index. Readers
    take the entries filed by a time and keep those whose phase and `wake_at` match. A
    text waiting for a person's approval, or one held for its template, is filed at its
    wake, the end of that wait, so no tick reads it meanwhile."""
    phase = phase_of(followup)
    wake = followup.wake_at
    if phase is None or wake is None or (phase is Phase.SENT and sent_on_time(followup)):
        return None
    if phase is Phase.HELD and followup.held_by is not None:
        return held_lane(followup.held_by), wake
    if phase in (Phase.SENT, Phase.WAITING_TEMPLATE) or (
        followup.proposed is not None and followup.approved_at is None
    ):
        return lane(phase), wake
    return lane(phase), min(followup.scheduled_at, wake)


# Changes, committed alone (one conditional write) or several together, atomically (one
# DynamoDB transaction, billed twice). Every change that puts an item carries a token of
# its own, stored on the item: the client sends a write again when its answer is lost (a
# read timeout), and the copy that finds its own token holds and changes nothing, where
# its condition alone (a revision or status already moved, an id already taken by it)
# would refuse the write it made itself.


def write_token() -> str:
    """A fresh token for one write: 48 random bits, eight characters on the item."""
    return secrets.token_urlsafe(6)


@dataclass(frozen=True)
class NewFollowUp:
    """Fails with Duplicate when the same planned send already exists (unless it is this
    very write, sent again: see FollowUpChange)."""

    followup: FollowUp
    token: str = field(default_factory=write_token, compare=False)


@dataclass(frozen=True)
class FollowUpChange:
    """Write `followup` if it is still in `expected` status; counts a status change. With
    `undecided`, only if nobody has approved it either: of the decisions on a text awaiting
    approval (approving, rejecting, the sender ending its wait) exactly one is written.

    With `moves`, the moves of the copy it was made from (`FollowUp.moves`), only if the
    stored one has made no other since: a lane's reader that hands a `queued` follow-up
    over again must not write back the copy it read over a sender's try made meanwhile
    (claimed, then put back `queued`). An item written before it counted its moves is
    taken on its status alone.

    A copy without the lead's stop after their reply (`FollowUp.stopped_after_reply_at`)
    is written only where no one marked it since it was read: a late price or status read
    before the STOP never writes the mark away. So too a copy without its conversion
    (`FollowUp.converted_at`): a status read before a goal credited it never writes the
    conversion away, nor lets it be credited, and counted, a second time.

    With `unpriced` (its copy was read without a price), only if nobody priced it since
    either: the lead's stop after their reply, marked on a copy read before a late price,
    never writes that price away (the queue and the Stats page would lose its cost).

    Or if the item already carries this change's `token`: the client sends a write again
    when its answer is lost (a read timeout), and the copy that finds the write already
    made holds, as the first send did, and changes nothing. Any other change, even one
    made from the same read, has a token of its own and is refused."""

    followup: FollowUp
    expected: Status
    undecided: bool = False
    moves: int | None = None
    unpriced: bool = False
    token: str = field(default_factory=write_token, compare=False)


@dataclass(frozen=True)
class Conversion:
    """Mark a sent follow-up as having converted (once); refused when it is no longer in
    the status it was read in, or was marked stopped after its reply or priced since (its
    copy is stale: read it again)."""

    followup: FollowUp


@dataclass(frozen=True)
class NewEnrollment:
    """Refused when the enrollment already exists (unless it is this very write, sent
    again)."""

    enrollment: Enrollment
    token: str = field(default_factory=write_token, compare=False)


@dataclass(frozen=True)
class EnrollmentChange:
    """Write `enrollment` if still at `revision`; the journey's counters move from where the
    stored one stood (its step, whether it was active) to where this one stands."""

    enrollment: Enrollment
    revision: int
    replaces: Enrollment | None = None
    """The enrollment stored at `revision`, when the caller holds it: the store need not
    read it again (each revision is written once, so any copy at it is that one)."""
    token: str = field(default_factory=write_token, compare=False)


@dataclass(frozen=True)
class ContactChange:
    """Write `contact` if nobody changed it since `revision` was read (0: if it does not
    exist), or if it is this very write, sent again."""

    contact: Contact
    revision: int
    token: str = field(default_factory=write_token, compare=False)


@dataclass(frozen=True)
class Slot:
    """A contact's one pending follow-up: the follow-up holding it, scheduled at `until`.
    Kept apart from the contact, so taking it rewrites neither the contact nor its index
    entries; a holder that is sent, ended or missing no longer needs it (one missing only
    once the lease of a slot taken ahead of its holder has run out: planning.CLAIM_LEASE)."""

    contact_id: str
    holder: str
    until: datetime
    taken_at: datetime | None = None
    """When (by the clock) it was taken ahead of writing its holder; None when written
    with it."""
    held: str | None = None
    """A WhatsApp follow-up its paused number holds, which a step on another channel took
    the slot from: until it has gone or ended, it keeps the contact's WhatsApp steps
    waiting (planning.claim)."""


@dataclass(frozen=True)
class SlotChange:
    """Give the contact's slot to `slot.holder` if nobody took it since `revision` was read
    (0: never taken), or if it is this very write, sent again."""

    slot: Slot
    revision: int
    token: str = field(default_factory=write_token, compare=False)


Change = (
    NewFollowUp
    | FollowUpChange
    | Conversion
    | NewEnrollment
    | EnrollmentChange
    | ContactChange
    | SlotChange
)


class CommitRejected(Exception):
    """A condition failed; nothing was written. `failed` lists the changes that lost."""

    def __init__(self, failed: Sequence[Change]) -> None:
        super().__init__(", ".join(type(change).__name__ for change in failed) or "rejected")
        self.failed = list(failed)

    def only(self, *kinds: type) -> bool:
        """True when every failed change is one of `kinds` (e.g. a duplicate NewFollowUp)."""
        return bool(self.failed) and all(isinstance(change, kinds) for change in self.failed)


class StoreBusy(Exception):
    """Another transaction kept writing items this write needed, however often it was tried
    again; nothing was written. Not a lost race: nothing says this write's conditions failed,
    so the caller tries the whole of it again later (a retried event, an HTTP 503)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what}: another transaction kept writing the same items")


T = TypeVar("T")


@dataclass(frozen=True)
class Versioned(Generic[T]):
    """An item and the revision it was read at (for optimistic concurrency)."""

    item: T
    revision: int


@dataclass(frozen=True)
class RuleError:
    """The latest error a tick met in a rule's data; shown on the rule until it runs clean."""

    at: datetime
    message: str


@dataclass(frozen=True)
class Authorship:
    """Who saved one version of a rule (the caller's name) and when."""

    by: str
    at: datetime


@dataclass(frozen=True)
class RuleHead:
    """A rule's current version, whether it is active, its enqueue watermark, last error,
    and where the indexing of its contacts' dates goes on (None: none under way)."""

    rule_id: str
    version: int
    active: bool
    watermark: datetime | None
    last_error: RuleError | None = None
    backfill: str | None = None


@dataclass(frozen=True)
class DayStats:
    rule_id: str
    day: date
    counts: dict[str, int]


@dataclass(frozen=True)
class StepDay:
    """One day's counters of step `index` of version `version` of a rule."""

    day: date
    version: int
    index: int
    counts: dict[str, int]


@dataclass(frozen=True)
class JourneyCounters:
    """One rule's counters over some days, and how many enrollments are in it now (in all,
    and per (version, step index))."""

    days: list[DayStats]
    steps: list[StepDay]
    active: int
    active_steps: dict[tuple[int, int], int]


AUDIT_PARTITION = "#audit"
"""Where the audit log lives beside the rules: no rule id starts with `#`."""

DISPATCH_PARTITION = "#dispatch"
"""Where the dispatch tick's mark lives beside the rules, one item per lane it reads, and
beside it the count of what the last enqueue tick planned for it."""


@dataclass(frozen=True)
class DispatchMark:
    """The last dispatch tick that handed the queue over: its time, the horizon it handed
    over follow-ups due up to, and how many of those its enqueue planned at that time it
    never got to read (the index had not caught up): the next tick hands those over.

    `read_at` is when its last read of the queued lane began (None in a mark recorded
    before ticks kept it: taken as `at`), and `seen` the follow-ups that read found among
    those put in the queue in the moments before it, when the index may not have shown
    them yet: the next tick hands over the others put in the queue then."""

    at: datetime
    horizon: datetime
    missed: int = 0
    read_at: datetime | None = None
    seen: frozenset[str] = frozenset()


EXPIRE_PARTITION = "#expire"
"""Where the expire tick's mark lives beside the rules."""


@dataclass(frozen=True)
class ExpireMark:
    """The last expire tick that read the send-time index: its time, and the send time it
    settled every follow-up sent on time up to (`through`)."""

    at: datetime
    through: datetime
    filed_under: timedelta | None = None
    """The longest `expire_after` a follow-up in the `sent` lane may be filed under: the
    setting at each tick since the lane was last read whole (None: a mark recorded before
    it was kept)."""


def read_by_dispatch(followup: FollowUp, horizon: datetime) -> bool:
    """Whether a dispatch tick with this `horizon` reads it from the queued lane: queued,
    not handed over by a write, held by no number, waking by then."""
    wake = followup.wake_at
    return phase_of(followup) is Phase.QUEUED and wake is not None and wake <= horizon


SEARCH_BUDGET = 1000
"""How many contacts one page of the contact list examines at most."""


@dataclass(frozen=True)
class QueueQuery:
    """Filters for the queue view; `since`/`until` bound the send (scheduled) time, and the
    entries come by send time, latest first unless `earliest_first`."""

    since: datetime
    until: datetime
    status: Status | None = None
    rule_id: str | None = None
    contact_id: str | None = None
    contact_ids: frozenset[str] | None = None
    """Only these contacts' follow-ups (a search's matches), read by day and filtered."""
    earliest_first: bool = False

    def matches(self, followup: FollowUp) -> bool:
        if self.status is not None and followup.status is not self.status:
            return False
        if self.contact_ids is not None and followup.contact_id not in self.contact_ids:
            return False
        if self.rule_id is not None and followup.rule_id != self.rule_id:
            return False
        if self.contact_id is not None and followup.contact_id != self.contact_id:
            return False
        return self.since <= followup.scheduled_at <= self.until


_SCORE_RANK = {Score.COLD: 0, Score.WARM: 1, Score.HOT: 2}


@dataclass(frozen=True)
class ContactQuery:
    """Filters for the contact list; None means any. `tag` is held in any case. `text` is
    found in the name (any case) or, by its digits, in the WhatsApp number or phone; digits
    written the national way (`0812...`) also find the number that reads so after
    `calling_code` (`62812...`), or after its own country code when the workspace's is not
    known. With a `stage` the list is in creation order (newest first unless
    `oldest_first`); without one it is a scan, in no particular order. Tags are read from
    each contact's document, never from an index, so a contact stored with "VIP" is found
    by "vip" however long ago it was written."""

    stage: str | None = None
    text: str | None = None
    min_score: Score | None = None
    tag: str | None = None
    opted_out: bool | None = None
    oldest_first: bool = False
    calling_code: str = ""

    def matches(self, contact: Contact) -> bool:
        if self.stage is not None and contact.stage != self.stage:
            return False
        if self.min_score is not None and _SCORE_RANK[contact.score] < _SCORE_RANK[self.min_score]:
            return False
        if self.tag is not None and not contact.has_tag(self.tag):
            return False
        if self.opted_out is not None and contact.opted_out is not self.opted_out:
            return False
        return self.text is None or _mentions(contact, self.text, self.calling_code)


def _folded(text: str) -> str:
    """`text` as a search compares it: one Unicode form (a name saved on a Mac spells "é"
    as "e" and an accent), case folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _mentions(contact: Contact, text: str, home: str) -> bool:
    if _folded(text) in _folded(contact.name):
        return True
    digits = "".join(ch for ch in text if ch.isdigit())
    numbers = (contact.wa_id or "", "".join(ch for ch in contact.phone or "" if ch.isdigit()))
    national = digits[1:] if digits[:1] == "0" and digits[1:2] not in ("", "0") else ""
    other = other_whatsapp_form(digits) or digits  # a mobile WhatsApp names the other way
    return bool(digits) and any(
        digits in number
        or other in number
        or (national and number.startswith((home or calling_code(number)) + national))
        for number in numbers
    )


@dataclass(frozen=True)
class DateEntry:
    """Rule `rule_id`'s date trigger comes round for contact `contact_id` at `due_at`.

    A hint kept beside the contact: whoever reads it checks it against the contact."""

    rule_id: str
    contact_id: str
    due_at: datetime


@dataclass(frozen=True)
class TaskQuery:
    """Filters for the task list; None means any."""

    assignee: str | None = None
    status: TaskStatus | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursor: str | None


class Transactions(Protocol):
    """The one way to change contacts, enrollments and follow-ups: atomically, or not at all."""

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        """Apply every change or none; raise CommitRejected naming the changes that lost."""
        ...


class ContactRepository(Protocol):
    """Contacts and their conversations."""

    def contact(self, contact_id: str, *, consistent: bool = True) -> Versioned[Contact] | None:
        """The contact with its revision. `consistent=False` reads at half the price and may
        miss the last second's writes: for a decision a conditional write re-checks."""
        ...

    def slot(self, contact_id: str) -> Versioned[Slot] | None:
        """The contact's pending slot as last taken (by any holder, live or not), if ever."""
        ...

    def contacts_by_ids(self, contact_ids: Iterable[str]) -> dict[str, Contact]:
        """Id -> contact for those of `contact_ids` that exist, read a batch at a time."""
        ...

    def contact_by_wa_id(self, wa_id: str) -> Versioned[Contact] | None: ...
    def contact_by_user_id(self, user_id: str) -> Versioned[Contact] | None: ...
    def link_user_id(self, user_id: str, contact_id: str) -> None:
        """Remember that `user_id` (an id the person had, or has; `wa:<number>` for a
        number a contact moved to) names this contact."""
        ...

    def linked_contact(self, user_id: str) -> str | None:
        """The contact a linked user id (or `wa:<number>`) names, or None."""
        ...

    def remove_contact(self, contact_id: str, revision: int) -> bool:
        """Delete a contact folded into another, and its pending slot with it, if still at
        `revision`; else False."""
        ...

    def quiet_contacts(
        self, stage: str, after: datetime, until: datetime
    ) -> Iterator[Versioned[Contact]]:
        """Contacts in `stage` whose silence began in (after, until], in that order."""
        ...

    def contacts_in(self, stage: str, limit: int, cursor: str | None) -> Page[Contact]: ...
    def find_contacts(
        self, query: ContactQuery, limit: int, cursor: str | None, budget: int = SEARCH_BUDGET
    ) -> Page[Contact]:
        """Up to `limit` contacts that match, examining at most `budget` of them: a page
        may come back short (even empty) with a cursor to read on."""
        ...

    def import_contacts(
        self,
        contacts: Iterable[Contact],
        written: Callable[[list[Contact]], None] | None = None,
    ) -> set[str]:
        """Write new contacts, a transaction at a time, each only if its id is still free;
        the ids that already existed come back (those items are left as they are). Each
        transaction's new contacts are handed to `written` before the next is sent, so a
        write that fails midway has handed over all it wrote."""
        ...

    def set_date_due(self, rule_id: str, contact_id: str, due_at: datetime | None) -> None:
        """Index (or move) when the rule's date trigger comes round for the contact; None
        removes the entry."""
        ...

    def set_dates_due(self, rule_id: str, dues: Mapping[str, datetime | None]) -> None:
        """`set_date_due` for many contacts of one rule at once (contact id → when, None
        removes), written in batches: a rule's backfill indexes a page of contacts in a
        few requests, not one each."""
        ...

    def clear_date_due(self, rule_id: str, contact_id: str, due_at: datetime) -> bool:
        """Remove the entry if it still comes round at `due_at`; one moved meanwhile (its
        contact's date changed after the tick read it) stays. True if removed."""
        ...

    def due_dates(self, until: datetime) -> Iterator[DateEntry]: ...
    def add_message(self, message: Message) -> bool: ...
    def recent_messages(self, contact_id: str, limit: int) -> list[Message]: ...


class RuleRepository(Protocol):
    """Rules with their versions, and the workspace's settings and numbers."""

    def rule_heads(self) -> list[RuleHead]: ...
    def deleted_rule_heads(self) -> list[RuleHead]:
        """Rules deleted (and not saved again since), each at its last version: their
        counters still count in the stats."""
        ...

    def rule_head(self, rule_id: str) -> RuleHead | None:
        """The rule's head as stored now (read consistently, unlike the listing, which an
        index serves and may lag a save), or None when no rule by that id is listed."""
        ...

    def rule(self, rule_id: str, version: int) -> Rule | None: ...
    def save_rule(
        self,
        rule: Rule,
        saved: Authorship | None = None,
        *,
        over: int | None = None,
        was_active: bool | None = None,
    ) -> Rule:
        """Store `rule` as its next version, with who saved it and when when told. With
        `over`, only on the current version the caller read (0: no rule, not even a deleted
        one, ever saved by that id),
        and with `was_active`, only while the rule is still on (True) or off (False) as the
        caller read it: CommitRejected when another save, or a switch, came first."""
        ...

    def authorship(self, rule_id: str) -> dict[int, Authorship]:
        """Who saved each version of the rule and when, by version, in one read (versions
        saved without saying are left out)."""
        ...

    def set_active(self, rule_id: str, active: bool) -> bool:
        """Switch the rule on or off; False when it was so already (nothing written)."""
        ...

    def delete_rule(self, rule_id: str) -> None: ...
    def advance_watermark(
        self, rule_id: str, previous: datetime | None, to: datetime, version: int | None = None
    ) -> bool:
        """Move the rule's watermark from `previous` to `to`, and with `version`, only while
        the rule is still at that version (a save restarts the new version's reading);
        False when another tick, or a save, came first."""
        ...

    def move_backfill(
        self, rule_id: str, version: int, previous: str | None, to: str | None
    ) -> bool:
        """Move where the indexing of the rule's dates goes on from `previous` to `to` (None:
        done, or none under way), only while the rule is listed at `version` and its head
        holds `previous`: False when a save or another walk moved it first."""
        ...

    def note_rule_error(self, rule_id: str, error: RuleError | None) -> None: ...

    def settings(self) -> WorkspaceSettings: ...
    def save_settings(self, settings: WorkspaceSettings) -> None:
        """Replace the settings whatever they hold now (seeding a store); the revision moves."""
        ...

    def versioned_settings(self) -> Versioned[WorkspaceSettings]:
        """The settings with their revision (0 before the first save), read consistently."""
        ...

    def save_settings_from(self, settings: WorkspaceSettings, revision: int) -> bool:
        """Replace the settings only if they are still at `revision`: False when someone
        saved them meanwhile (the caller reads them again and retries)."""
        ...

    def numbers(self) -> list[NumberHealth]: ...
    def versioned_numbers(self) -> Versioned[list[NumberHealth]]:
        """The numbers' health reports with their revision (0 before the first save), read
        consistently."""
        ...

    def save_numbers_from(self, reports: list[NumberHealth], revision: int) -> bool:
        """Replace the reports only if they are still at `revision`: False when someone
        saved them meanwhile (the caller reads them again and retries)."""
        ...

    def sending_state(self) -> tuple[WorkspaceSettings, list[NumberHealth]]:
        """The settings and the numbers in one consistent read (what a pause check needs)."""
        ...

    def add_audit(self, entry: AuditEntry) -> None: ...
    def audit_log(self, limit: int, cursor: str | None) -> Page[AuditEntry]:
        """Audit entries newest first, resumable with `cursor`."""
        ...


class FollowUpRepository(Protocol):
    """Enrollments and the follow-ups they plan, read by the indexes the ticks walk."""

    def enrollment(
        self, enrollment_id: str, *, consistent: bool = True
    ) -> Versioned[Enrollment] | None:
        """The enrollment with its revision; `consistent=False` as for a contact."""
        ...

    def due_enrollments(self, until: datetime) -> Iterator[Versioned[Enrollment]]:
        """Active enrollments with a step due by `until`, soonest due first across every
        shard: a contact's step due soon comes before its steps due later."""
        ...

    def held_enrollments(self, rule_id: str) -> Iterator[Versioned[Enrollment]]: ...
    def held_count(self, rule_id: str) -> int: ...
    def enrollments_of(self, contact_id: str) -> list[Versioned[Enrollment]]: ...

    def followup(self, followup_id: str) -> FollowUp | None: ...
    def waiting(self, phase: Phase | tuple[Phase, ...], until: datetime) -> Iterator[FollowUp]:
        """The follow-ups waiting in `phase` (or any of the phases, which share a lane:
        one read of it) whose wake is by `until`."""
        ...

    def unsent_count(self, held_by: Iterable[str]) -> int:
        """Follow-ups not yet out (queued, dispatched, claimed, held for a template, or held
        for one of the numbers `held_by`), counted from the waiting index; it may lag a
        moment behind the writes."""
        ...

    def held_for(self, number: str) -> Iterator[FollowUp]: ...
    def dispatch_mark(self) -> DispatchMark | None:
        """The last dispatch tick that handed the queue over, if any did."""
        ...

    def advance_dispatch_mark(self, mark: DispatchMark) -> bool:
        """Record `mark`, unless a tick later than it recorded its own; False then."""
        ...

    def sent_between(self, after: datetime, until: datetime) -> Iterator[FollowUp]:
        """The follow-ups whose send time is after `after` and by `until`, whatever their
        status, in send-time order: read from the send-time index, eventually consistent."""
        ...

    def expire_mark(self) -> ExpireMark | None:
        """The last expire tick that read the send-time index, if any did."""
        ...

    def advance_expire_mark(self, mark: ExpireMark) -> bool:
        """Record `mark`, unless a later tick recorded its own (the same tick may record
        its progress again); False then."""
        ...

    def count_planned(self, at: datetime, count: int) -> None:
        """Add `count` follow-ups planned at `at` for dispatch to read (a retried tick
        adds to its first run's count); a later tick's count starts afresh."""
        ...

    def planned(self, at: datetime) -> int:
        """How many follow-ups the enqueue tick at `at` counted for dispatch (0 if none)."""
        ...

    def followups_of(self, contact_id: str) -> list[FollowUp]: ...
    def queue(self, query: QueueQuery, limit: int, cursor: str | None) -> Page[FollowUp]: ...


class TaskRepository(Protocol):
    """Tasks for counsellors, listed by assignee and status, soonest due first."""

    def add_task(self, task: Task) -> bool:
        """Write a new task; False (nothing written) when its id exists already."""
        ...

    def task(self, task_id: str) -> Versioned[Task] | None: ...

    def save_task(self, task: Task, revision: int) -> bool:
        """Write `task` if nobody changed it since `revision` was read; else False."""
        ...

    def tasks(self, query: TaskQuery, limit: int, cursor: str | None) -> Page[Task]: ...
    def tasks_of(self, contact_id: str) -> list[Task]: ...


class NotificationRepository(Protocol):
    """Outbound notifications, pending ones read by their next attempt time."""

    def add_notification(self, notification: Notification) -> bool:
        """Record a new notification; False (nothing written) when its id exists already."""
        ...

    def save_notification(self, notification: Notification, revision: int) -> bool:
        """Write it if nobody changed it since `revision` was read; else False."""
        ...

    def notification(self, notification_id: str) -> Versioned[Notification] | None: ...
    def pending_notifications(self, until: datetime) -> Iterator[Versioned[Notification]]:
        """Those whose next attempt is due by `until`, earliest first."""
        ...


class TemplateRepository(Protocol):
    """The workspace's template catalogue, one document changed by optimistic concurrency."""

    def templates(self) -> Versioned[TemplateCatalogue]: ...
    def save_templates(self, catalogue: TemplateCatalogue, revision: int) -> bool:
        """Write it if nobody changed it since `revision` was read; else False."""
        ...


class StatsRepository(Protocol):
    """Per-rule and per-step daily counters and gauges, bumped by `Transactions.commit`."""

    def stats(self, since: date, until: date) -> list[DayStats]: ...
    def statuses_now(self, since: date, until: date, rule_id: str | None) -> dict[str, int]:
        """The follow-ups (of listed rules, or of `rule_id`) to be sent on the UTC days
        `since` to `until`, by their status now; statuses with none left out."""
        ...

    def journey_stats(self, rule_id: str, since: date, until: date) -> JourneyCounters: ...


@dataclass(frozen=True)
class LiveConnection:
    """An open connection of the live feed, and how many batches it has missed since the
    app was last told to fetch its view again (0: it has had every change)."""

    connection_id: str
    misses: int = 0
    connected_at: datetime | None = None


class ConnectionRepository(Protocol):
    """Open WebSocket connections of the live feed."""

    def add(
        self, connection_id: str, user: str, now: datetime, until: datetime | None = None
    ) -> None:
        """Record a connection, listened to until `until` (the sign-in's expiry) at most."""
        ...

    def remove(self, connection_id: str) -> None: ...
    def listening(self, now: datetime) -> list[LiveConnection]:
        """Connections not yet expired (TTL deletes lag, so expiry is checked here), each
        with its misses."""
        ...

    def missed(self, connection_id: str) -> None:
        """Count a batch the connection did not get; nothing for one already removed."""
        ...

    def caught_up(self, connection_id: str, misses: int) -> bool:
        """Forget its misses if they are still `misses` (none counted since they were read):
        True if forgotten."""
        ...


class Store(
    Transactions,
    ContactRepository,
    RuleRepository,
    FollowUpRepository,
    StatsRepository,
    TaskRepository,
    NotificationRepository,
    TemplateRepository,
    Protocol,
):
    """Every repository over one table set: what an adapter (DynamoDB, memory) provides."""


@dataclass(frozen=True)
class Delayed:
    """One follow-up for the send queue, held back `delay_seconds` (0 to 900). `due` is
    the scheduled time it is handed over for, when one is named: a message that arrives
    before that time is a hop of a longer wait while the follow-up is still scheduled
    then, and a stale copy once it is not."""

    followup_id: str
    delay_seconds: int
    due: datetime | None = None


@dataclass(frozen=True)
class Tally:
    """The named counts one item holds, and whether counts kept elsewhere were carried
    into it (`Pacing.carry`)."""

    counts: dict[str, int]
    carried: bool


class Pacing(Protocol):
    """Counters and markers every sender of a number shares, to pace its sends."""

    def reserve(self, key: str, count: int, expires_at: datetime) -> int:
        """Add `count` to counter `key` at once for every caller; the counter after it."""
        ...

    def space(self, key: str, at: datetime, until: datetime) -> datetime | None:
        """Move marker `key` to `until` if it is unset or not after `at` (None), else leave
        it and return it: of two callers racing past the same marker, one wins."""
        ...

    def counts(self, keys: Sequence[str]) -> dict[str, int]:
        """Counters `keys` as they stand (0 for one never added to), read consistently."""
        ...

    def tally(
        self, key: str, changes: Mapping[str, int], drop: Collection[str], expires_at: datetime
    ) -> Tally:
        """At once for every caller: add each of `changes` to its count in item `key` and
        remove the counts named in `drop` (neither naming the same count); the item after."""
        ...

    def carry(self, key: str, changes: Mapping[str, int], expires_at: datetime) -> Tally:
        """Add `changes` to item `key` and mark it carried, unless it is already: once
        however many callers race to; the item after it, carried."""
        ...

    def tallied(self, key: str) -> Tally:
        """Item `key` as it stands, read consistently (empty, not carried: never written)."""
        ...


class SendQueue(Protocol):
    """Hands follow-up ids to the sender (SQS in AWS)."""

    def enqueue(self, followup_ids: Iterable[str], delay_seconds: int = 0) -> None: ...
    def enqueue_each(self, messages: Iterable[Delayed]) -> None: ...


class WhatsApp(Protocol):
    """Sends one message; raises ProviderRejected or OutcomeUnknown."""

    def send(self, outbound: OutboundMessage) -> str: ...


class TemplateSource(Protocol):
    """Lists the templates of the WhatsApp account (360dialog's catalogue)."""

    def fetch_templates(self, at: datetime) -> list[Template]:
        """Every template; `at` stamps them. Raises ProviderRejected or OutcomeUnknown."""
        ...


class Sms(Protocol):
    """Sends one SMS; raises ChannelRefused or OutcomeUnknown."""

    def opted_out(self, number: str) -> bool: ...
    def send(self, number: str, text: str) -> str: ...


class Email(Protocol):
    """Sends one email with its unsubscribe link; raises ChannelRefused or OutcomeUnknown."""

    def send(self, outbound: OutboundEmail) -> str: ...


class MessageRefused(Exception):
    """The WebSocket API refused this one message (too large); the connection is still open."""


class Poster(Protocol):
    """Pushes one message down a WebSocket connection; False when the client has gone.

    Raises MessageRefused when the API refuses the message itself; anything else it raises
    means the connection cannot be reached now (throttled, forbidden, unreachable)."""

    def post(self, connection_id: str, data: bytes) -> bool: ...


class Writer(Protocol):
    """Writes one AI message; never raises for a provider problem (AiUnavailable says why)."""

    def write(self, request: AiRequest) -> AiResult: ...


class Classifier(Protocol):
    """Reads one reply with AI; never raises for a provider problem (AiUnavailable says why)."""

    def classify(self, text: str, now_local: datetime) -> AiReading | AiUnavailable: ...


class DeliveryFailed(Exception):
    """A notification did not arrive (an error answer, no answer, a refused event)."""


class Notifier(Protocol):
    """Delivers one notification, signed webhook or bus event; raises DeliveryFailed."""

    def deliver(self, notification: Notification, now: datetime) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
