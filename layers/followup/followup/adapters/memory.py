"""The Store port and the connection registry in memory, with DynamoStore's semantics.

Conditional writes; commits that apply whole or raise CommitRejected naming the changes
that lost; the same revisions and per-day counters; and the order and paging DynamoDB's
indexes give: sharded indexes are read shard by shard (due enrollments merged in due
order), equal index keys come in table-key order (as moto returns them), and cursors have
the same shape. Items are kept as JSON documents beside the attributes their indexes need,
so callers never share state with the store, and what goes in is validated on the way out
as it is read back from DynamoDB.
"""

from __future__ import annotations

import calendar
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from followup.adapters import paging
from followup.adapters.memory_notifications import MemoryNotifications
from followup.adapters.memory_tasks import MemoryTasks
from followup.adapters.memory_templates import MemoryTemplates
from followup.adapters.tables import SHARDS, stamp, unstamp
from followup.domain.audit import AuditEntry
from followup.domain.contact import Contact
from followup.domain.conversation import Message
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Status
from followup.domain.ids import shard_of
from followup.domain.numbers import NumberHealth
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.domain.stored import STORED
from followup.services.monitoring import (
    ENROLLMENT_COUNTERS,
    GAUGE,
    LIVE,
    NOW,
    STATUS_GAUGES,
    Bump,
    bumps,
    parse_step,
    status_gauges,
    step_day,
    step_range,
)
from followup.services.ports import (
    AUDIT_PARTITION,
    SEARCH_BUDGET,
    Authorship,
    Change,
    CommitRejected,
    ContactQuery,
    Conversion,
    DateEntry,
    DayStats,
    DispatchMark,
    EnrollmentChange,
    ExpireMark,
    FollowUpChange,
    JourneyCounters,
    LiveConnection,
    NewEnrollment,
    NewFollowUp,
    Page,
    Phase,
    QueueQuery,
    RuleError,
    RuleHead,
    Slot,
    SlotChange,
    Versioned,
    held_lane,
    lane,
    lane_phases,
    phase_of,
    waiting_entry,
)
from followup.services.stats import COUNTERS

_NUMBERS = TypeAdapter(list[NumberHealth])
_TRANSACTION_ITEMS = 25  # import batches, as DynamoStore writes them
_TRANSACTION_LIMIT = 100  # DynamoDB refuses larger transactions
_LONGEST_CONNECTION = timedelta(hours=2)
_COUNTERS = frozenset({*COUNTERS, *ENROLLMENT_COUNTERS, GAUGE, *STATUS_GAUGES})


class Refused(Exception):
    """A request DynamoDB refuses outright rather than losing a condition: an empty key, one
    item twice in a transaction, too many items, or an update of a rule that does not exist.
    DynamoStore raises pynamodb's exception in these cases; neither is a CommitRejected."""


@dataclass(frozen=True)
class _ContactRow:
    revision: int
    doc: str
    wa_id: str | None
    user_id: str | None
    stage: str
    created_at: str
    quiet_key: str | None
    quiet_since: str | None
    token: str | None = None
    """The token of the write that put this copy (DynamoStore's item keeps it)."""


@dataclass(frozen=True)
class _EnrollmentRow:
    revision: int
    doc: str
    contact_id: str
    enrolled_at: str
    due_key: str | None
    next_due_at: str | None
    held_key: str | None
    token: str | None = None


@dataclass(frozen=True)
class _SlotRow:
    slot: Slot
    revision: int
    token: str | None


@dataclass(frozen=True)
class _FollowUpRow:
    """A follow-up item. A Conversion of an id never written creates one with only its doc
    (DynamoDB's update creates the item): it is then found by key and by no index."""

    doc: str
    converted: bool
    status: str | None = None
    contact_id: str | None = None
    created_at: str | None = None
    send_day: str | None = None
    send_at: str | None = None
    phase_key: str | None = None
    wake_at: str | None = None
    approved: bool = False
    stopped: bool = False
    """The lead stopped after replying to it (DynamoStore's `stopped`)."""
    took_over: bool = False
    """It took over as its step's send (DynamoStore's `took_over`)."""
    priced: bool = False
    """Its copy holds a price (DynamoStore's `priced`)."""
    moves: int | None = None
    token: str | None = None
    """The token of the write that put this copy (DynamoStore's item keeps it)."""


@dataclass(frozen=True)
class _HeadRow:
    """A rule's head. `listed` is false once deleted, or when only a watermark made it."""

    listed: bool = False
    version: int | None = None
    active: bool = False
    watermark: str | None = None
    error: str | None = None
    error_at: str | None = None
    backfill: str | None = None

    @property
    def deleted(self) -> bool:
        return not self.listed and self.version is not None


@dataclass(frozen=True)
class _Connection:
    user: str
    connected_at: str
    expires_at: int  # epoch seconds, as DynamoDB's TTL attribute holds it
    misses: int = 0


class MemoryStore(MemoryTasks, MemoryNotifications, MemoryTemplates):
    """All durable state in dictionaries, behind one lock (the sender runs threads)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._contacts: dict[str, _ContactRow] = {}
        self._user_links: dict[str, str] = {}
        self._messages: dict[str, dict[str, str]] = {}
        self._enrollments: dict[str, _EnrollmentRow] = {}
        self._followups: dict[str, _FollowUpRow] = {}
        self._heads: dict[str, _HeadRow] = {}
        self._versions: dict[tuple[str, int], str] = {}
        self._authors: dict[tuple[str, int], tuple[str, str]] = {}
        """Who saved each (rule id, version) and when (stamped)."""
        self._stats: dict[tuple[str, str], dict[str, int]] = {}
        self._state: dict[str, str] = {}
        self._settings_revision = 0
        self._numbers_revision = 0
        self._audit: dict[str, str] = {}
        self._connections: dict[str, _Connection] = {}
        self._slots: dict[str, _SlotRow] = {}
        self._dates: dict[tuple[str, str], str] = {}
        """Date-trigger entries: (rule id, contact id) → due stamp."""
        self._dispatch_mark: DispatchMark | None = None
        self._expire_mark: ExpireMark | None = None
        self._planned: tuple[str, int] | None = None
        """The last enqueue tick that planned for dispatch: its stamp and its count."""
        self._tasks = {}
        self._notifications = {}
        self._templates = None

    # -- writes ---------------------------------------------------------------------------

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        """Apply `changes` together; CommitRejected names the changes that lost."""
        ordered: list[Change] = [c for c in changes if not isinstance(c, Conversion)]
        ordered += [c for c in changes if isinstance(c, Conversion)]
        day = stamp(at)[:10]
        with self._lock:
            counters: Counter[tuple[str, str, str]] = Counter()
            for change in ordered:
                if self._made(change):  # a rewrite of the same item: DynamoDB streams none
                    continue
                replaced = self._replaced(change)
                found = bumps(
                    change,
                    day,
                    self._previous(change),
                    replaced.pricing if replaced else None,
                    stopped_before=replaced is not None
                    and replaced.stopped_after_reply_at is not None,
                    followed_before=replaced is not None and replaced.follows_on,
                )
                for bump in found + self._placed(change):
                    if bump.name not in _COUNTERS:  # DynamoStore's item has no such attribute
                        raise Refused(f"no counter named {bump.name!r}")
                    counters[(bump.rule_id, bump.key, bump.name)] += bump.amount
            groups = {(rule_id, key) for rule_id, key, _ in counters}
            _nonempty(*(rule_id for rule_id, _ in groups))  # each names a stats item
            _refuse_repeats(ordered, len(groups))
            rows = [self._row(change) for change in ordered]
            failed = [change for change in ordered if not self._holds(change)]
            if failed:
                raise CommitRejected(failed)
            for change, row in zip(ordered, rows, strict=True):
                self._apply(change, row)
            for (rule_id, key, name), amount in counters.items():
                bucket = self._stats.setdefault((rule_id, key), {})
                bucket[name] = bucket.get(name, 0) + amount

    def _made(self, change: Change) -> bool:
        """Whether `change` is a write already made: the same write sent again."""
        if isinstance(change, Conversion):
            return False
        stored: _FollowUpRow | _EnrollmentRow | _ContactRow | _SlotRow | None
        if isinstance(change, NewFollowUp | FollowUpChange):
            stored = self._followups.get(change.followup.id)
        elif isinstance(change, NewEnrollment | EnrollmentChange):
            stored = self._enrollments.get(change.enrollment.id)
        elif isinstance(change, SlotChange):
            stored = self._slots.get(change.slot.contact_id)
        else:
            stored = self._contacts.get(change.contact.id)
        return stored is not None and stored.token == change.token

    def _placed(self, change: Change) -> list[Bump]:
        """How a follow-up's change moves the status gauges: from the copy stored now."""
        if not isinstance(change, NewFollowUp | FollowUpChange):
            return []
        stored = self._followups.get(change.followup.id)
        before = None
        if stored is not None and stored.send_day and stored.status:
            before = (stored.send_day, Status(stored.status))
        after = (stamp(change.followup.scheduled_at)[:10], change.followup.status)
        return status_gauges(change.followup.rule_id, before, after)

    def _previous(self, change: Change) -> Enrollment | None:
        """The enrollment an EnrollmentChange replaces, if stored at the revision it names."""
        if not isinstance(change, EnrollmentChange):
            return None
        row = self._enrollments.get(change.enrollment.id)
        if row is None or row.revision != change.revision:
            return None
        return Enrollment.model_validate_json(row.doc)

    def _replaced(self, change: Change) -> FollowUp | None:
        """The follow-up copy a FollowUpChange replaces (the stream's old image)."""
        if not isinstance(change, FollowUpChange):
            return None
        stored = self._followups.get(change.followup.id)
        return FollowUp.model_validate_json(stored.doc) if stored else None

    def _row(self, change: Change) -> Any:
        if isinstance(change, NewFollowUp | FollowUpChange):
            return _followup_row(change.followup, change.token)
        if isinstance(change, Conversion):
            _nonempty(change.followup.id)
            existing = self._followups.get(change.followup.id)
            doc = change.followup.model_dump_json()
            if existing is None:
                return _FollowUpRow(doc=doc, converted=True)
            return replace(existing, doc=doc, converted=True, token=None)
        if isinstance(change, NewEnrollment):
            return _enrollment_row(change.enrollment, 1, change.token)
        if isinstance(change, EnrollmentChange):
            return _enrollment_row(change.enrollment, change.revision + 1, change.token)
        if isinstance(change, SlotChange):
            _nonempty(change.slot.contact_id)
            return _SlotRow(change.slot, change.revision + 1, change.token)
        return _contact_row(change.contact, change.revision + 1, change.token)

    def _holds(self, change: Change) -> bool:
        """Whether the change's condition holds against what is stored now."""
        if self._made(change):
            return True
        if isinstance(change, NewFollowUp):
            return change.followup.id not in self._followups
        if isinstance(change, FollowUpChange):
            found = self._followups.get(change.followup.id)
            if found is None or found.status != change.expected.value:
                return False
            if change.moves is not None and found.moves not in (None, change.moves):
                return False
            if not _marked_as_read(change.followup, found):
                return False
            if change.followup.converted_at is None and found.converted:
                return False
            if change.followup.follows_on and found.took_over:
                return False
            if change.unpriced and found.priced:
                return False
            return not (change.undecided and found.approved)
        if isinstance(change, Conversion):
            found = self._followups.get(change.followup.id)
            return (
                found is not None
                and not found.converted
                and found.status == change.followup.status.value
                and _marked_as_read(change.followup, found)
                and (change.followup.pricing is not None or not found.priced)
                and not (change.followup.follows_on and found.took_over)
            )
        if isinstance(change, NewEnrollment):
            return change.enrollment.id not in self._enrollments
        if isinstance(change, EnrollmentChange):
            enrollment = self._enrollments.get(change.enrollment.id)
            return enrollment is not None and enrollment.revision == change.revision
        if isinstance(change, SlotChange):
            taken = self._slots.get(change.slot.contact_id)
            return (taken.revision if taken else 0) == change.revision
        contact = self._contacts.get(change.contact.id)
        if change.revision == 0:
            return contact is None
        return contact is not None and contact.revision == change.revision

    def _apply(self, change: Change, row: Any) -> None:
        if isinstance(change, NewFollowUp | FollowUpChange | Conversion):
            self._followups[change.followup.id] = row
        elif isinstance(change, NewEnrollment | EnrollmentChange):
            self._enrollments[change.enrollment.id] = row
        elif isinstance(change, SlotChange):
            self._slots[change.slot.contact_id] = row
        else:
            self._contacts[change.contact.id] = row

    def import_contacts(
        self,
        contacts: Iterable[Contact],
        written: Callable[[list[Contact]], None] | None = None,
    ) -> set[str]:
        """Write new contacts, 25 at a time, each only if its id is still free, handing
        each batch's new ones to `written` before the next.

        Returns the ids that already existed: those items are left as they are.
        """
        existing: set[str] = set()
        batch: list[Contact] = []
        for contact in contacts:
            batch.append(contact)
            if len(batch) == _TRANSACTION_ITEMS:
                existing |= self._create_all(batch, written)
                batch = []
        return existing | self._create_all(batch, written) if batch else existing

    def _create_all(
        self, contacts: list[Contact], written: Callable[[list[Contact]], None] | None
    ) -> set[str]:
        rows = [(contact.id, _contact_row(contact, 1)) for contact in contacts]
        if len({contact_id for contact_id, _ in rows}) < len(rows):
            raise Refused("a transaction names one contact twice")
        with self._lock:
            taken = {contact_id for contact_id, _ in rows if contact_id in self._contacts}
            self._contacts.update(row for row in rows if row[0] not in taken)
        fresh = [contact for contact in contacts if contact.id not in taken]
        if written is not None and fresh:
            written(fresh)
        return taken

    def add_message(self, message: Message) -> bool:
        """Record a conversation line once; False when it was already there."""
        _nonempty(message.contact_id)
        key = f"{stamp(message.at)}#{message.id}"
        with self._lock:
            lines = self._messages.setdefault(message.contact_id, {})
            if key in lines:
                return False
            lines[key] = message.model_dump_json()
        return True

    # -- contacts -------------------------------------------------------------------------

    def contact(self, contact_id: str, *, consistent: bool = True) -> Versioned[Contact] | None:
        with self._lock:
            row = self._contacts.get(contact_id)
        return _versioned_contact(row) if row else None

    def slot(self, contact_id: str) -> Versioned[Slot] | None:
        with self._lock:
            taken = self._slots.get(contact_id)
        return Versioned(taken.slot, taken.revision) if taken else None

    def contacts_by_ids(self, contact_ids: Iterable[str]) -> dict[str, Contact]:
        found: dict[str, Contact] = {}
        for contact_id in contact_ids:
            versioned = self.contact(contact_id) if contact_id else None
            if versioned is not None:
                found[contact_id] = versioned.item
        return found

    def contact_by_wa_id(self, wa_id: str) -> Versioned[Contact] | None:
        _nonempty(wa_id)
        with self._lock:
            ids = sorted(cid for cid, row in self._contacts.items() if row.wa_id == wa_id)
        return self.contact(ids[0]) if ids else None

    def contact_by_user_id(self, user_id: str) -> Versioned[Contact] | None:
        _nonempty(user_id)
        with self._lock:
            ids = sorted(cid for cid, row in self._contacts.items() if row.user_id == user_id)
        return self.contact(ids[0]) if ids else None

    def link_user_id(self, user_id: str, contact_id: str) -> None:
        _nonempty(user_id, contact_id)
        with self._lock:
            self._user_links[user_id] = contact_id

    def linked_contact(self, user_id: str) -> str | None:
        _nonempty(user_id)
        with self._lock:
            return self._user_links.get(user_id)

    def remove_contact(self, contact_id: str, revision: int) -> bool:
        with self._lock:
            row = self._contacts.get(contact_id)
            if row is None or row.revision != revision:
                return False
            del self._contacts[contact_id]
            self._slots.pop(contact_id, None)
        return True

    def quiet_contacts(
        self, stage: str, after: datetime, until: datetime
    ) -> Iterator[Versioned[Contact]]:
        """Contacts in `stage` whose silence began in (after, until], in that order."""
        lower, upper = stamp(after), stamp(until)
        keys = {f"{stage}#{shard}" for shard in range(SHARDS)}
        with self._lock:
            found = sorted(
                (row.quiet_since, row.quiet_key, cid, row)
                for cid, row in self._contacts.items()
                if row.quiet_key in keys
                and row.quiet_since is not None
                and lower < row.quiet_since <= upper
            )
        for *_, row in found:
            yield _versioned_contact(row)

    def set_date_due(self, rule_id: str, contact_id: str, due_at: datetime | None) -> None:
        """Index (or move) a date-trigger entry; None deletes it."""
        with self._lock:
            if due_at is None:
                self._dates.pop((rule_id, contact_id), None)
            else:
                self._dates[(rule_id, contact_id)] = stamp(due_at)

    def set_dates_due(self, rule_id: str, dues: Mapping[str, datetime | None]) -> None:
        for contact_id, due_at in dues.items():
            self.set_date_due(rule_id, contact_id, due_at)

    def clear_date_due(self, rule_id: str, contact_id: str, due_at: datetime) -> bool:
        with self._lock:
            if self._dates.get((rule_id, contact_id)) != stamp(due_at):
                return False
            del self._dates[(rule_id, contact_id)]
            return True

    def due_dates(self, until: datetime) -> Iterator[DateEntry]:
        """Date-trigger entries due by `until`, shard by shard in due order."""
        upper = stamp(until)
        for shard in range(SHARDS):
            with self._lock:
                found = sorted(
                    (due, f"date#{rule_id}#{contact_id}", rule_id, contact_id)
                    for (rule_id, contact_id), due in self._dates.items()
                    if shard_of(f"{rule_id}#{contact_id}", SHARDS) == shard and due <= upper
                )
            for due, _, rule_id, contact_id in found:
                yield DateEntry(rule_id, contact_id, unstamp(due))

    def recent_messages(self, contact_id: str, limit: int) -> list[Message]:
        _nonempty(contact_id)
        with self._lock:
            lines = sorted(self._messages.get(contact_id, {}).items(), reverse=True)
        return [Message.model_validate_json(doc) for _, doc in lines[: max(limit, 0)]]

    # -- enrollments ----------------------------------------------------------------------

    def enrollment(
        self, enrollment_id: str, *, consistent: bool = True
    ) -> Versioned[Enrollment] | None:
        with self._lock:
            row = self._enrollments.get(enrollment_id)
        return _versioned_enrollment(row) if row else None

    def due_enrollments(self, until: datetime) -> Iterator[Versioned[Enrollment]]:
        upper = stamp(until)
        with self._lock:
            found = sorted(
                (row.next_due_at, row.due_key, eid, row)
                for eid, row in self._enrollments.items()
                if row.due_key and row.next_due_at and row.next_due_at <= upper
            )
        for *_, row in found:
            yield _versioned_enrollment(row)

    def held_enrollments(self, rule_id: str) -> Iterator[Versioned[Enrollment]]:
        _nonempty(rule_id)
        with self._lock:
            found = sorted(
                (eid, row) for eid, row in self._enrollments.items() if row.held_key == rule_id
            )
        for _, row in found:
            yield _versioned_enrollment(row)

    def held_count(self, rule_id: str) -> int:
        _nonempty(rule_id)
        with self._lock:
            return sum(1 for row in self._enrollments.values() if row.held_key == rule_id)

    def enrollments_of(self, contact_id: str) -> list[Versioned[Enrollment]]:
        _nonempty(contact_id)
        with self._lock:
            found = sorted(
                (row.enrolled_at, eid, row)
                for eid, row in self._enrollments.items()
                if row.contact_id == contact_id
            )
        return [_versioned_enrollment(row) for _, _, row in found]

    # -- follow-ups -----------------------------------------------------------------------

    def followup(self, followup_id: str) -> FollowUp | None:
        with self._lock:
            row = self._followups.get(followup_id)
        return FollowUp.model_validate_json(row.doc) if row else None

    def waiting(self, phase: Phase | tuple[Phase, ...], until: datetime) -> Iterator[FollowUp]:
        phases = lane_phases(phase)
        upper = stamp(until)
        for shard in range(SHARDS):
            key = f"{lane(phases[0])}#{shard}"
            with self._lock:
                found = sorted(
                    (row.wake_at, fid, row.doc)
                    for fid, row in self._followups.items()
                    if row.phase_key == key and row.wake_at and row.wake_at <= upper
                )
            for _, _, doc in found:
                followup = FollowUp.model_validate_json(doc)
                wake = followup.wake_at
                if phase_of(followup) in phases and wake is not None and wake <= until:
                    yield followup

    def unsent_count(self, held_by: Iterable[str]) -> int:
        lanes = {lane(Phase.QUEUED), lane(Phase.WAITING_TEMPLATE)} | set(map(held_lane, held_by))
        with self._lock:
            keys = [row.phase_key for row in self._followups.values() if row.phase_key]
        return sum(1 for key in keys if key.split("#", 1)[0] in lanes)

    def held_for(self, number: str) -> Iterator[FollowUp]:
        for shard in range(SHARDS):
            key = f"{held_lane(number)}#{shard}"
            with self._lock:
                found = sorted(
                    (row.wake_at or "", fid, row.doc)
                    for fid, row in self._followups.items()
                    if row.phase_key == key
                )
            for _, _, doc in found:
                followup = FollowUp.model_validate_json(doc)
                if phase_of(followup) is Phase.HELD and followup.held_by == number:
                    yield followup

    def dispatch_mark(self) -> DispatchMark | None:
        with self._lock:
            return self._dispatch_mark

    def advance_dispatch_mark(self, mark: DispatchMark) -> bool:
        """Record `mark`, unless a tick later than it recorded its own; False then."""
        at = stamp(mark.at)
        with self._lock:
            if self._dispatch_mark is not None and stamp(self._dispatch_mark.at) >= at:
                return False
            read_at = unstamp(stamp(mark.read_at)) if mark.read_at else None
            self._dispatch_mark = DispatchMark(
                unstamp(at), unstamp(stamp(mark.horizon)), mark.missed, read_at, mark.seen
            )
        return True

    def sent_between(self, after: datetime, until: datetime) -> Iterator[FollowUp]:
        lower, upper = stamp(after), stamp(until)
        with self._lock:
            found = sorted(
                (row.send_day, row.send_at, fid, row.doc)
                for fid, row in self._followups.items()
                if row.send_day and row.send_at and lower < row.send_at <= upper
            )
        for *_, doc in found:
            yield FollowUp.model_validate_json(doc)

    def expire_mark(self) -> ExpireMark | None:
        with self._lock:
            return self._expire_mark

    def advance_expire_mark(self, mark: ExpireMark) -> bool:
        at = stamp(mark.at)
        with self._lock:
            if self._expire_mark is not None and stamp(self._expire_mark.at) > at:
                return False
            through = unstamp(stamp(mark.through))
            self._expire_mark = ExpireMark(unstamp(at), through, mark.filed_under)
        return True

    def count_planned(self, at: datetime, count: int) -> None:
        when = stamp(at)
        with self._lock:
            if self._planned is None or self._planned[0] < when:
                self._planned = (when, count)
            elif self._planned[0] == when:
                self._planned = (when, self._planned[1] + count)

    def planned(self, at: datetime) -> int:
        with self._lock:
            found = self._planned
        return found[1] if found is not None and found[0] == stamp(at) else 0

    def queue(self, query: QueueQuery, limit: int, cursor: str | None) -> Page[FollowUp]:
        """By send time (latest first unless `earliest_first`), filtered, resumable with
        `cursor`: by send day, or the contact's follow-ups sorted when one is named."""
        if query.contact_id:
            with self._lock:
                docs = [
                    row.doc
                    for row in self._followups.values()
                    if row.contact_id == query.contact_id and row.created_at is not None
                ]
            found = [FollowUp.model_validate_json(doc) for doc in docs]
            return paging.sorted_page(found, query, limit, cursor)
        lower, upper = stamp(query.since), stamp(query.until)
        days = _days_back(_utc_day(query.since), _utc_day(query.until))
        ordered = _oldest_first if query.earliest_first else _newest_first

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[dict[str, str]]:
            with self._lock:
                rows = [
                    {"id": fid, "send_day": partition, "send_at": row.send_at, "doc": row.doc}
                    for fid, row in self._followups.items()
                    if row.send_day == partition
                    and row.send_at is not None
                    and lower <= row.send_at <= upper
                ]
            return ordered(rows, resume, "send_at")

        items, after = paging.collect(
            days[::-1] if query.earliest_first else days,
            read,
            lambda row: FollowUp.model_validate_json(row["doc"]),
            query.matches,
            lambda row: _key(row, ("id", "send_day", "send_at")),
            limit,
            cursor,
            order=paging.earliest_or_latest(query),
        )
        return Page(items, after)

    def contacts_in(self, stage: str, limit: int, cursor: str | None) -> Page[Contact]:
        """A stage's contacts, newest first."""
        _nonempty(stage)

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[dict[str, str]]:
            with self._lock:
                rows = [
                    {"id": cid, "stage": partition, "created_at": row.created_at, "doc": row.doc}
                    for cid, row in self._contacts.items()
                    if row.stage == partition
                ]
            return _newest_first(rows, resume)

        items, after = paging.collect(
            [stage],
            read,
            lambda row: Contact.model_validate_json(row["doc"]),
            lambda _: True,
            lambda row: _key(row, ("id", "stage", "created_at")),
            limit,
            cursor,
        )
        return Page(items, after)

    def find_contacts(
        self, query: ContactQuery, limit: int, cursor: str | None, budget: int = SEARCH_BUDGET
    ) -> Page[Contact]:
        """By stage in creation order when a stage is given, else every contact by id."""
        names = ("id", "stage", "created_at") if query.stage else ("id",)

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[dict[str, str]]:
            with self._lock:
                rows = [
                    {"id": cid, "stage": row.stage, "created_at": row.created_at, "doc": row.doc}
                    for cid, row in self._contacts.items()
                    if not query.stage or row.stage == partition
                ]
            if not query.stage:
                after = resume["id"]["S"] if resume else ""
                return iter(sorted((r for r in rows if r["id"] > after), key=lambda r: r["id"]))
            if query.oldest_first:
                return _oldest_first(rows, resume)
            return _newest_first(rows, resume)

        items, after = paging.collect(
            [query.stage or "*"],
            read,
            lambda row: Contact.model_validate_json(row["doc"]),
            query.matches,
            lambda row: _key(row, names),
            limit,
            cursor,
            budget,
            order=paging.oldest_or_newest(query.oldest_first) if query.stage else "",
        )
        return Page(items, after)

    def followups_of(self, contact_id: str) -> list[FollowUp]:
        _nonempty(contact_id)
        with self._lock:
            found = sorted(
                (
                    (row.created_at, fid, row.doc)
                    for fid, row in self._followups.items()
                    if row.contact_id == contact_id and row.created_at is not None
                ),
                reverse=True,
            )
        return [FollowUp.model_validate_json(doc) for _, _, doc in found]

    # -- rules ----------------------------------------------------------------------------

    def rule_heads(self) -> list[RuleHead]:
        with self._lock:
            heads = sorted((rid, row) for rid, row in self._heads.items() if row.listed)
        return [_head(rule_id, row) for rule_id, row in heads]

    def deleted_rule_heads(self) -> list[RuleHead]:
        with self._lock:
            heads = sorted((rid, row) for rid, row in self._heads.items() if row.deleted)
        return [_head(rule_id, row) for rule_id, row in heads]

    def rule_head(self, rule_id: str) -> RuleHead | None:
        with self._lock:
            row = self._heads.get(rule_id)
            return _head(rule_id, row) if row is not None and row.listed else None

    def rule(self, rule_id: str, version: int) -> Rule | None:
        with self._lock:
            doc = self._versions.get((rule_id, version))
        return Rule.model_validate_json(doc, context=STORED) if doc else None

    def save_rule(
        self,
        rule: Rule,
        saved: Authorship | None = None,
        *,
        over: int | None = None,
        was_active: bool | None = None,
    ) -> Rule:
        """Store `rule` as the next version and make it current; resets the watermark."""
        _nonempty(rule.id)
        with self._lock:
            head = self._heads.get(rule.id)
            last = head.version or 0 if head else 0
            listed = last if head and head.listed else 0
            if over is not None and (last if over == 0 else listed) != over:
                raise CommitRejected([])
            if was_active is not None and (head or _HeadRow()).active != was_active:
                raise CommitRejected([])
            version = head.version + 1 if head and head.version else 1
            stored = rule.model_copy(update={"version": version})
            if (rule.id, version) in self._versions:
                raise CommitRejected([])
            self._versions[(rule.id, version)] = stored.model_dump_json()
            if saved is not None:
                self._authors[(rule.id, version)] = (saved.by, stamp(saved.at))
            self._heads[rule.id] = _HeadRow(listed=True, version=version, active=rule.active)
        return stored

    def authorship(self, rule_id: str) -> dict[int, Authorship]:
        with self._lock:
            return {
                version: Authorship(by, unstamp(at))
                for (owner, version), (by, at) in sorted(self._authors.items())
                if owner == rule_id
            }

    def set_active(self, rule_id: str, active: bool) -> bool:
        """Switch the rule on or off; False when it was so already (nothing written)."""
        with self._lock:
            head = self._heads.get(rule_id) if rule_id else None
            if head is None:
                raise Refused(f"rule {rule_id!r} has no head to update")
            if head.active == active:
                return False
            self._heads[rule_id] = replace(head, active=active)
        return True

    def delete_rule(self, rule_id: str) -> None:
        """Hide the rule from listings and ticks; its versions stay for what is in flight."""
        self._update_head(rule_id, listed=False, active=False)

    def advance_watermark(
        self, rule_id: str, previous: datetime | None, to: datetime, version: int | None = None
    ) -> bool:
        """Move the rule's watermark from `previous` to `to` (at `version`); False if another
        tick moved it, or a save replaced the version."""
        _nonempty(rule_id)
        expected = stamp(previous) if previous is not None else None
        with self._lock:
            head = self._heads.get(rule_id, _HeadRow())
            if head.watermark != expected or (version is not None and head.version != version):
                return False
            self._heads[rule_id] = replace(head, watermark=stamp(to))
        return True

    def move_backfill(
        self, rule_id: str, version: int, previous: str | None, to: str | None
    ) -> bool:
        """Move where the rule's date indexing goes on; False if a save or a walk moved it."""
        with self._lock:
            head = self._heads.get(rule_id) if rule_id else None
            if head is None or not head.listed or head.version != version:
                return False
            if head.backfill != previous:
                return False
            self._heads[rule_id] = replace(head, backfill=to)
        return True

    def note_rule_error(self, rule_id: str, error: RuleError | None) -> None:
        """Show `error` on the rule's head, or clear it (None)."""
        if error is None:
            self._update_head(rule_id, error=None, error_at=None)
        else:
            self._update_head(rule_id, error=error.message, error_at=stamp(error.at))

    def _update_head(self, rule_id: str, **fields: Any) -> None:
        with self._lock:
            head = self._heads.get(rule_id) if rule_id else None
            if head is None:
                raise Refused(f"rule {rule_id!r} has no head to update")
            self._heads[rule_id] = replace(head, **fields)

    # -- settings and stats ---------------------------------------------------------------

    def numbers(self) -> list[NumberHealth]:
        with self._lock:
            doc = self._state.get("numbers")
        return _NUMBERS.validate_json(doc) if doc else []

    def versioned_numbers(self) -> Versioned[list[NumberHealth]]:
        with self._lock:
            return Versioned(self.numbers(), self._numbers_revision)

    def save_numbers_from(self, reports: list[NumberHealth], revision: int) -> bool:
        doc = _NUMBERS.dump_json(reports).decode()
        with self._lock:
            if self._numbers_revision != revision:
                return False
            self._state["numbers"] = doc
            self._numbers_revision += 1
            return True

    def settings(self) -> WorkspaceSettings:
        with self._lock:
            doc = self._state.get("settings")
        if doc is None:
            return WorkspaceSettings()
        return WorkspaceSettings.model_validate_json(doc, context=STORED)

    def sending_state(self) -> tuple[WorkspaceSettings, list[NumberHealth]]:
        """Settings and numbers as of one moment."""
        with self._lock:
            return self.settings(), self.numbers()

    def add_audit(self, entry: AuditEntry) -> None:
        with self._lock:
            self._audit[f"{stamp(entry.at)}#{entry.id}"] = entry.model_dump_json()

    def audit_log(self, limit: int, cursor: str | None) -> Page[AuditEntry]:
        """Newest first, resumable with `cursor`."""

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[dict[str, str]]:
            after = resume["sk"]["S"] if resume else None
            with self._lock:
                rows = [
                    {"rule_id": partition, "sk": sk, "doc": doc}
                    for sk, doc in sorted(self._audit.items(), reverse=True)
                    if after is None or sk < after
                ]
            return iter(rows)

        items, after = paging.collect(
            [AUDIT_PARTITION],
            read,
            lambda row: AuditEntry.model_validate_json(row["doc"]),
            lambda _: True,
            lambda row: _key(row, ("rule_id", "sk")),
            limit,
            cursor,
        )
        return Page(items, after)

    def save_settings(self, settings: WorkspaceSettings) -> None:
        doc = settings.model_dump_json()
        with self._lock:
            self._state["settings"] = doc
            self._settings_revision += 1

    def versioned_settings(self) -> Versioned[WorkspaceSettings]:
        with self._lock:
            return Versioned(self.settings(), self._settings_revision)

    def save_settings_from(self, settings: WorkspaceSettings, revision: int) -> bool:
        doc = settings.model_dump_json()
        with self._lock:
            if self._settings_revision != revision:
                return False
            self._state["settings"] = doc
            self._settings_revision += 1
            return True

    def stats(self, since: date, until: date) -> list[DayStats]:
        """Counters of listed and deleted rules, by rule then day."""
        listed = self._counted_rules()
        first, last = since.isoformat(), until.isoformat()
        with self._lock:
            rows = sorted(
                (rule_id, day, dict(counts))
                for (rule_id, day), counts in self._stats.items()
                if rule_id in listed and first <= day <= last
            )
        return [
            DayStats(rule_id, date.fromisoformat(day), _counts(c))
            for rule_id, day, c in rows
            if _counts(c)
        ]

    def _counted_rules(self) -> set[str]:
        """The rules whose counters count: those listed and those deleted."""
        with self._lock:
            return {rid for rid, row in self._heads.items() if row.listed or row.deleted}

    def statuses_now(self, since: date, until: date, rule_id: str | None) -> dict[str, int]:
        listed = {rule_id} if rule_id else self._counted_rules()
        first, last = since.isoformat(), until.isoformat()
        found: Counter[str] = Counter()
        with self._lock:
            for (each, day), counters in self._stats.items():
                if each in listed and first <= day <= last:
                    found.update(_now(counters))
        return {status: n for status, n in found.items() if n}

    def journey_stats(self, rule_id: str, since: date, until: date) -> JourneyCounters:
        """The rule's days, its steps' days and its gauges, in key order."""
        _nonempty(rule_id)
        first, last = since.isoformat(), until.isoformat()
        low, high = step_range(since, until)
        with self._lock:
            items = sorted((k, dict(c)) for (rid, k), c in self._stats.items() if rid == rule_id)
        days = [
            DayStats(rule_id, date.fromisoformat(key), _counts(counts))
            for key, counts in items
            if first <= key <= last and _counts(counts)
        ]
        steps = [step_day(key, counts) for key, counts in items if low <= key <= high]
        gauges = {key: counts.get(GAUGE, 0) for key, counts in items if key.startswith(LIVE)}
        active = gauges.pop(LIVE, 0)
        return JourneyCounters(days, steps, active, {parse_step(k): n for k, n in gauges.items()})

    # -- WebSocket connections ------------------------------------------------------------

    def add(
        self, connection_id: str, user: str, now: datetime, until: datetime | None = None
    ) -> None:
        _nonempty(connection_id)
        longest = now + _LONGEST_CONNECTION
        expires = _epoch(min(longest, until) if until is not None else longest)
        with self._lock:
            self._connections[connection_id] = _Connection(user, stamp(now), expires)

    def remove(self, connection_id: str) -> None:
        _nonempty(connection_id)
        with self._lock:
            self._connections.pop(connection_id, None)

    def listening(self, now: datetime) -> list[LiveConnection]:
        """Connections not yet expired, at the TTL's one-second resolution."""
        moment = _epoch(now)
        with self._lock:
            return [
                LiveConnection(cid, c.misses, unstamp(c.connected_at))
                for cid, c in sorted(self._connections.items())
                if c.expires_at > moment
            ]

    def missed(self, connection_id: str) -> None:
        _nonempty(connection_id)
        with self._lock:
            connection = self._connections.get(connection_id)
            if connection is not None:
                self._connections[connection_id] = replace(connection, misses=connection.misses + 1)

    def caught_up(self, connection_id: str, misses: int) -> bool:
        _nonempty(connection_id)
        with self._lock:
            connection = self._connections.get(connection_id)
            if connection is None or not connection.misses or connection.misses != misses:
                return False
            self._connections[connection_id] = replace(connection, misses=0)
            return True


def _nonempty(*keys: str | None) -> None:
    """DynamoDB refuses an empty string as any key, in the table or an index."""
    if any(key == "" for key in keys):
        raise Refused("an empty string cannot be a key")


def _refuse_repeats(changes: Sequence[Change], stats_items: int) -> None:
    if len(changes) + stats_items > _TRANSACTION_LIMIT:
        raise Refused(f"a transaction holds at most {_TRANSACTION_LIMIT} items")
    items = [_item_of(change) for change in changes]
    if len(set(items)) < len(items):
        raise Refused("a transaction names one item twice")


def _item_of(change: Change) -> tuple[str, str]:
    if isinstance(change, NewFollowUp | FollowUpChange | Conversion):
        return "followup", change.followup.id
    if isinstance(change, NewEnrollment | EnrollmentChange):
        return "enrollment", change.enrollment.id
    if isinstance(change, SlotChange):
        return "slot", change.slot.contact_id
    return "contact", change.contact.id


def _counts(counters: dict[str, int]) -> dict[str, int]:
    """A day's counters, without its status gauges."""
    return {name: n for name, n in counters.items() if name not in STATUS_GAUGES}


def _now(counters: dict[str, int]) -> dict[str, int]:
    """A day's status gauges, by status, those at zero left out."""
    return {name[len(NOW) :]: counters[name] for name in STATUS_GAUGES if counters.get(name)}


def _marked_as_read(followup: FollowUp, stored: _FollowUpRow) -> bool:
    """Whether a copy without the lead's stop after their reply may replace `stored`: only
    when no one marked it since it was read."""
    return followup.stopped_after_reply_at is not None or not stored.stopped


def _followup_row(followup: FollowUp, token: str | None) -> _FollowUpRow:
    entry = waiting_entry(followup)
    created = stamp(followup.created_at)
    _nonempty(followup.id, followup.contact_id)
    return _FollowUpRow(
        doc=followup.model_dump_json(),
        converted=followup.converted_at is not None,
        status=followup.status.value,
        contact_id=followup.contact_id,
        created_at=created,
        send_day=stamp(followup.scheduled_at)[:10],
        send_at=stamp(followup.scheduled_at),
        phase_key=f"{entry[0]}#{shard_of(followup.id, SHARDS)}" if entry else None,
        wake_at=stamp(entry[1]) if entry else None,
        approved=followup.approved_at is not None,
        stopped=followup.stopped_after_reply_at is not None,
        took_over=followup.took_over_at is not None,
        priced=followup.pricing is not None,
        moves=followup.moves,
        token=token,
    )


def _enrollment_row(
    enrollment: Enrollment, revision: int, token: str | None = None
) -> _EnrollmentRow:
    _nonempty(enrollment.id, enrollment.contact_id)
    if enrollment.held:
        _nonempty(enrollment.rule_id)
    due = (
        enrollment.state is EnrollmentState.ACTIVE
        and enrollment.next_due_at is not None
        and not enrollment.held
    )
    return _EnrollmentRow(
        revision=revision,
        doc=enrollment.model_dump_json(),
        contact_id=enrollment.contact_id,
        enrolled_at=stamp(enrollment.enrolled_at),
        due_key=f"due#{shard_of(enrollment.id, SHARDS)}" if due else None,
        next_due_at=stamp(enrollment.next_due_at) if due and enrollment.next_due_at else None,
        held_key=enrollment.rule_id if enrollment.held else None,
        token=token,
    )


def _contact_row(contact: Contact, revision: int, token: str | None = None) -> _ContactRow:
    _nonempty(contact.id, contact.wa_id, contact.user_id, contact.stage)
    reachable = not contact.opted_out
    return _ContactRow(
        revision=revision,
        doc=contact.model_dump_json(),
        wa_id=contact.wa_id,
        user_id=contact.user_id,
        stage=contact.stage,
        created_at=stamp(contact.created_at),
        quiet_key=f"{contact.stage}#{shard_of(contact.id, SHARDS)}" if reachable else None,
        quiet_since=stamp(contact.quiet_since) if reachable else None,
        token=token,
    )


def _versioned_contact(row: _ContactRow) -> Versioned[Contact]:
    return Versioned(Contact.model_validate_json(row.doc), row.revision)


def _versioned_enrollment(row: _EnrollmentRow) -> Versioned[Enrollment]:
    return Versioned(Enrollment.model_validate_json(row.doc), row.revision)


def _head(rule_id: str, row: _HeadRow) -> RuleHead:
    watermark = unstamp(row.watermark) if row.watermark else None
    error = RuleError(unstamp(row.error_at), row.error) if row.error and row.error_at else None
    return RuleHead(rule_id, row.version or 1, row.active, watermark, error, row.backfill)


def _newest_first(
    rows: list[dict[str, str]], resume: dict[str, Any] | None, field: str = "created_at"
) -> Iterator[dict[str, str]]:
    """Index entries newest first by `field` (equal times by id, descending), after `resume`."""
    ordered = sorted(rows, key=lambda row: (row[field], row["id"]), reverse=True)
    if resume:  # an empty position starts over, as pynamodb reads it
        try:
            start = (resume[field]["S"], resume["id"]["S"])
        except (KeyError, TypeError) as exc:
            raise Refused("the cursor names no position in this index") from exc
        ordered = [row for row in ordered if (row[field], row["id"]) < start]
    return iter(ordered)


def _oldest_first(
    rows: list[dict[str, str]], resume: dict[str, Any] | None, field: str = "created_at"
) -> Iterator[dict[str, str]]:
    """Index entries oldest first by `field` (equal times by id), after `resume`."""
    ordered = sorted(rows, key=lambda row: (row[field], row["id"]))
    if resume:
        try:
            start = (resume[field]["S"], resume["id"]["S"])
        except (KeyError, TypeError) as exc:
            raise Refused("the cursor names no position in this index") from exc
        ordered = [row for row in ordered if (row[field], row["id"]) > start]
    return iter(ordered)


def _key(row: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """An index position in the shape DynamoStore's cursors carry."""
    return {name: {"S": row[name]} for name in names}


def _utc_day(moment: datetime) -> date:
    """The day partition a moment falls in: follow-ups are filed by their UTC day."""
    return moment.astimezone(UTC).date()


def _days_back(first: date, last: date) -> list[str]:
    return [(last - timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _epoch(moment: datetime) -> int:
    return calendar.timegm(moment.astimezone(UTC).utctimetuple())
