"""The Store port on DynamoDB (pynamodb): conditional writes, sharded sparse indexes."""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

from pydantic import TypeAdapter
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from followup.adapters import followup_doc, paging
from followup.adapters.conflicts import conflict_only
from followup.adapters.dynamo_notifications import DynamoNotifications
from followup.adapters.dynamo_tasks import DynamoTasks
from followup.adapters.dynamo_templates import DynamoTemplates
from followup.adapters.tables import (
    DELETED,
    LISTED,
    MESSAGE_RETENTION,
    SHARDS,
    ContactItem,
    EnrollmentItem,
    FollowUpItem,
    MessageItem,
    RuleItem,
    StateItem,
    StatsItem,
    held,
    put_once,
    stamp,
    unstamp,
)
from followup.domain.audit import AuditEntry
from followup.domain.contact import Contact
from followup.domain.conversation import Message
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp
from followup.domain.ids import shard_of
from followup.domain.numbers import NumberHealth
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.domain.stored import STORED
from followup.services.monitoring import (
    LIVE,
    NOW,
    STATUS_GAUGES,
    bumps,
    parse_step,
    step_day,
    step_range,
)
from followup.services.ports import (
    AUDIT_PARTITION,
    DISPATCH_PARTITION,
    EXPIRE_PARTITION,
    SEARCH_BUDGET,
    Authorship,
    Change,
    CommitRejected,
    ContactChange,
    ContactQuery,
    Conversion,
    DateEntry,
    DayStats,
    DispatchMark,
    EnrollmentChange,
    ExpireMark,
    FollowUpChange,
    JourneyCounters,
    NewEnrollment,
    NewFollowUp,
    Page,
    Phase,
    QueueQuery,
    RuleError,
    RuleHead,
    Slot,
    SlotChange,
    StoreBusy,
    Versioned,
    held_lane,
    lane,
    lane_phases,
    phase_of,
    waiting_entry,
)

_SETTINGS_KEY = "settings"
_NUMBERS_KEY = "numbers"
_PLANNED = "planned"  # beside the dispatch mark: what the last enqueue tick planned for it
_MARK = "mark"  # the expire tick's mark, alone in its partition
_NUMBERS = TypeAdapter(list[NumberHealth])
_TRANSACTION_ITEMS = 25
_TRANSACTION_BYTES = 4_000_000
"""A transaction's items add up to at most 4 MiB: their documents to this, leaving room for
keys and indexed attributes (a contact of long non-Latin attributes may reach ~200 KB)."""
_IMPORT_TRIES = 5
_BATCH_GET = 25
"""Items read by key per BatchGetItem after a keys-only index page (at most 100)."""
QUIET_PAGE = 100
"""Contacts read a page at a time from each shard of a stage's silences: the enqueue tick
merges every idle rule's stages and shards by time, holding a page of each."""


class DynamoStore(DynamoTasks, DynamoNotifications, DynamoTemplates):
    """All durable state. Each follow-up and enrollment copy names the day it was committed
    on, for the stats function to count it from the stream (services.stats_stream)."""

    def __init__(self) -> None:
        # Transactions span tables; they reuse the client `tables.bind` already built.
        self._connection = ContactItem._get_connection().connection

    # -- writes ---------------------------------------------------------------------------

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        """Apply `changes` all or nothing; CommitRejected names the changes that lost.

        One change is one conditional write; more go in one transaction, which DynamoDB
        bills twice. Counters are added later from the tables' streams (stats_stream), on
        the day each written copy names. StoreBusy when another transaction kept writing
        the same items (see `_translate_cancellation`).
        """
        day = stamp(at)[:10]
        for change in changes:
            _check_countable(change, day)
        if len(changes) == 1:
            self._write_one(changes[0], day)
            return
        ordered: list[Change] = []
        with _translate_cancellation(ordered), TransactWrite(connection=self._connection) as txn:
            for change in changes:
                if not isinstance(change, Conversion):
                    item, condition = _written(change, day)
                    txn.save(item, condition=condition)
                    ordered.append(change)
            for change in changes:
                if isinstance(change, Conversion):
                    txn.update(
                        _followup_item(change.followup, day),
                        actions=_converted(change, day),
                        condition=_unconverted(change.followup),
                    )
                    ordered.append(change)

    def _write_one(self, change: Change, day: str) -> None:
        """`change` alone, with the condition it would carry in a transaction."""
        try:
            if isinstance(change, Conversion):
                _followup_item(change.followup, day).update(
                    actions=_converted(change, day),
                    condition=_unconverted(change.followup),
                )
            else:
                item, condition = _written(change, day)
                item.save(condition=condition)
        except (PutError, UpdateError) as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                raise CommitRejected([change]) from exc
            if exc.cause_response_code == "TransactionConflictException":
                raise StoreBusy(type(change).__name__) from exc
            raise

    def import_contacts(
        self,
        contacts: Iterable[Contact],
        written: Callable[[list[Contact]], None] | None = None,
    ) -> set[str]:
        """Write new contacts, 25 (under 4 MB) per transaction, each if its id is still free,
        handing each transaction's new ones to `written` before the next is sent.

        Returns the ids that already existed: those items are left as they are. StoreBusy
        when a transaction keeps meeting another one: the batches before it are written (and
        handed over), and the import run again finds them existing.
        """
        existing: set[str] = set()
        batch: list[Contact] = []
        size = 0
        for contact in contacts:
            weight = len(contact.model_dump_json().encode())
            if batch and (len(batch) == _TRANSACTION_ITEMS or size + weight > _TRANSACTION_BYTES):
                existing |= self._create_all(batch, written)
                batch, size = [], 0
            batch.append(contact)
            size += weight
        return existing | self._create_all(batch, written) if batch else existing

    def _create_all(
        self, contacts: list[Contact], written: Callable[[list[Contact]], None] | None
    ) -> set[str]:
        existing: set[str] = set()
        pending = contacts
        for _ in range(_IMPORT_TRIES):
            try:
                with TransactWrite(connection=self._connection) as txn:
                    for contact in pending:
                        txn.save(
                            _contact_item(contact, 1), condition=ContactItem.id.does_not_exist()
                        )
            except TransactWriteError as exc:
                codes = _codes(exc)
                if not codes:
                    raise
                if conflict_only(codes):
                    raise StoreBusy(f"{len(pending)} new contacts") from exc
                taken = {
                    c.id
                    for c, code in zip(pending, codes, strict=False)
                    if code == "ConditionalCheckFailed"
                }
                existing |= taken
                # The others were cancelled with them (or met another transaction, or lost a
                # race): try them again.
                pending = [contact for contact in pending if contact.id not in taken]
                if not pending:
                    return existing
            else:
                if written is not None:
                    written(pending)
                return existing
        raise CommitRejected([ContactChange(contact, 0) for contact in pending])

    def add_message(self, message: Message) -> bool:
        """Record a conversation line once; False when it was already there."""
        item = MessageItem(
            message.contact_id,
            f"{stamp(message.at)}#{message.id}",
            doc=message.model_dump_json(),
            expires_at=message.at + MESSAGE_RETENTION,
        )
        return held(lambda: item.save(condition=MessageItem.sk.does_not_exist()))

    # -- contacts -------------------------------------------------------------------------

    def contact(self, contact_id: str, *, consistent: bool = True) -> Versioned[Contact] | None:
        item = _get(ContactItem, contact_id, consistent=consistent)
        return _versioned_contact(item) if item else None

    def slot(self, contact_id: str) -> Versioned[Slot] | None:
        # Eventually consistent: a stale copy only makes the conditional write taking the
        # slot fail, and the enrollment try again at the next tick.
        try:
            item = ContactItem.get(_slot_key(contact_id), consistent_read=False)
        except DoesNotExist:
            return None
        holding, stamped, *ahead = item.doc.split(" ")
        holder, _, held = holding.partition(_HELD)
        until = unstamp(stamped)
        taken_at = until - timedelta(seconds=float(ahead[0])) if ahead else None
        return Versioned(
            Slot(contact_id, holder, until, taken_at, held or None), int(item.revision)
        )

    def contacts_by_ids(self, contact_ids: Iterable[str]) -> dict[str, Contact]:
        wanted = [ContactItem(cid) for cid in dict.fromkeys(contact_ids) if cid]
        items = _items(ContactItem, iter(wanted), consistent=False)
        return {item.id: _versioned_contact(item).item for item in items}

    def contact_by_wa_id(self, wa_id: str) -> Versioned[Contact] | None:
        for item in ContactItem.by_wa_id.query(wa_id, limit=1):
            # The index is eventually consistent: confirm by key.
            return self.contact(item.id)
        return None

    def contact_by_user_id(self, user_id: str) -> Versioned[Contact] | None:
        for item in ContactItem.by_user_id.query(user_id, limit=1):
            return self.contact(item.id)
        return None

    def link_user_id(self, user_id: str, contact_id: str) -> None:
        # Beside the contacts, with no indexed attribute: no contact index sees a link.
        ContactItem(
            f"link#{user_id}", revision=0, doc=json.dumps({"contact_id": contact_id})
        ).save()

    def linked_contact(self, user_id: str) -> str | None:
        item = _get(ContactItem, f"link#{user_id}")
        return str(json.loads(item.doc)["contact_id"]) if item else None

    def remove_contact(self, contact_id: str, revision: int) -> bool:
        try:
            with _translate_cancellation([]), TransactWrite(connection=self._connection) as txn:
                txn.delete(ContactItem(contact_id), condition=ContactItem.revision == revision)
                txn.delete(ContactItem(_slot_key(contact_id)))
        except CommitRejected:
            return False
        return True

    def quiet_contacts(
        self, stage: str, after: datetime, until: datetime
    ) -> Iterator[Versioned[Contact]]:
        """Contacts in `stage` whose silence began in (after, until], in that order: the
        shards are merged as they are read, a page (`QUIET_PAGE`) at a time from each."""
        window = ContactItem.quiet_since.between(stamp(after), stamp(until))
        lower = stamp(after)
        shards = (
            ContactItem.quiet.query(f"{stage}#{shard}", window, page_size=QUIET_PAGE)
            for shard in range(SHARDS)
        )
        for item in heapq.merge(*shards, key=lambda item: str(item.quiet_since)):
            if item.quiet_since != lower:
                yield _versioned_contact(item)

    def set_date_due(self, rule_id: str, contact_id: str, due_at: datetime | None) -> None:
        """Index (or move) a date-trigger entry; None deletes it."""
        if due_at is None:
            ContactItem(_date_key(rule_id, contact_id)).delete()
            return
        _date_item(rule_id, contact_id, due_at).save()

    def set_dates_due(self, rule_id: str, dues: Mapping[str, datetime | None]) -> None:
        """25 entries a request (BatchWriteItem); what DynamoDB leaves unprocessed is sent
        again by pynamodb, and an error after that leaves the rest for the contacts' next
        writes, as a crash would."""
        with ContactItem.batch_write() as batch:
            for contact_id, due_at in dues.items():
                if due_at is None:
                    batch.delete(ContactItem(_date_key(rule_id, contact_id)))
                else:
                    batch.save(_date_item(rule_id, contact_id, due_at))

    def clear_date_due(self, rule_id: str, contact_id: str, due_at: datetime) -> bool:
        item = ContactItem(_date_key(rule_id, contact_id))
        return held(lambda: item.delete(condition=ContactItem.date_due == stamp(due_at)))

    def due_dates(self, until: datetime) -> Iterator[DateEntry]:
        """Date-trigger entries due by `until`, shard by shard in due order."""
        condition = ContactItem.date_due <= stamp(until)
        for shard in range(SHARDS):
            for item in ContactItem.dates.query(f"date#{shard}", condition):
                names = json.loads(item.doc)
                yield DateEntry(names["rule_id"], names["contact_id"], unstamp(item.date_due))

    def recent_messages(self, contact_id: str, limit: int) -> list[Message]:
        items = MessageItem.query(contact_id, scan_index_forward=False, limit=limit)
        return [Message.model_validate_json(item.doc) for item in items]

    # -- enrollments ----------------------------------------------------------------------

    def enrollment(
        self, enrollment_id: str, *, consistent: bool = True
    ) -> Versioned[Enrollment] | None:
        item = _get(EnrollmentItem, enrollment_id, consistent=consistent)
        return _versioned_enrollment(item) if item else None

    def due_enrollments(self, until: datetime) -> Iterator[Versioned[Enrollment]]:
        condition = EnrollmentItem.next_due_at <= stamp(until)
        shards = (EnrollmentItem.due.query(f"due#{shard}", condition) for shard in range(SHARDS))
        for item in heapq.merge(*shards, key=lambda item: str(item.next_due_at)):
            yield _versioned_enrollment(item)

    def held_enrollments(self, rule_id: str) -> Iterator[Versioned[Enrollment]]:
        for item in EnrollmentItem.held.query(rule_id):
            yield _versioned_enrollment(item)

    def held_count(self, rule_id: str) -> int:
        return EnrollmentItem.held.count(rule_id)

    def enrollments_of(self, contact_id: str) -> list[Versioned[Enrollment]]:
        items = _items(EnrollmentItem, EnrollmentItem.by_contact.query(contact_id))
        return [_versioned_enrollment(item) for item in items]

    # -- follow-ups -----------------------------------------------------------------------

    def followup(self, followup_id: str) -> FollowUp | None:
        item = _get(FollowUpItem, followup_id)
        return _followup(item) if item else None

    def waiting(self, phase: Phase | tuple[Phase, ...], until: datetime) -> Iterator[FollowUp]:
        """The phase's lane up to `until`, read by key after the keys-only index; what has
        moved on since, or waits in a phase of the lane not asked for, is left out."""
        phases = lane_phases(phase)
        last = stamp(until)
        for shard in range(SHARDS):
            key = f"{lane(phases[0])}#{shard}"
            entries = FollowUpItem.waiting.query(key, FollowUpItem.wake_at <= last)
            for item in _items(FollowUpItem, entries):
                if item.phase_key == key and item.wake_at is not None and item.wake_at <= last:
                    followup = _followup(item)
                    if _wakes(followup, phases, until):
                        yield followup

    def unsent_count(self, held_by: Iterable[str]) -> int:
        lanes = {lane(Phase.QUEUED), lane(Phase.WAITING_TEMPLATE)} | set(map(held_lane, held_by))
        keys = (f"{name}#{shard}" for name in sorted(lanes) for shard in range(SHARDS))
        return sum(FollowUpItem.waiting.count(key) for key in keys)

    def held_for(self, number: str) -> Iterator[FollowUp]:
        """The number's held lane, read by key after the keys-only index; what has moved on
        since is left out."""
        for shard in range(SHARDS):
            key = f"{held_lane(number)}#{shard}"
            for item in _items(FollowUpItem, FollowUpItem.waiting.query(key)):
                if item.phase_key == key:
                    followup = _followup(item)
                    if phase_of(followup) is Phase.HELD and followup.held_by == number:
                        yield followup

    def queue(self, query: QueueQuery, limit: int, cursor: str | None) -> Page[FollowUp]:
        """By send time (latest first unless `earliest_first`), filtered, resumable with
        `cursor`: by send day, or the contact's follow-ups sorted when one is named."""
        if query.contact_id:
            entries = FollowUpItem.by_contact.query(query.contact_id)
            found = [_followup(item) for item in _items(FollowUpItem, entries, consistent=False)]
            return paging.sorted_page(found, query, limit, cursor)
        window = FollowUpItem.send_at.between(stamp(query.since), stamp(query.until))
        days = _days_back(_utc_day(query.since), _utc_day(query.until))

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[Any]:
            entries = FollowUpItem.by_send_day.query(
                partition,
                window,
                scan_index_forward=query.earliest_first,
                last_evaluated_key=resume,
                page_size=max(limit, 25),
            )
            return _entries(FollowUpItem, entries, consistent=False)

        # The cursor names the index entry read last, not its item: that may have moved.
        items, after = paging.collect(
            days[::-1] if query.earliest_first else days,
            read,
            lambda read: _followup(read[1]),
            query.matches,
            lambda read: _key(read[0], ("id", "send_day", "send_at")),
            limit,
            cursor,
            order=paging.earliest_or_latest(query),
        )
        return Page(items, after)

    def contacts_in(self, stage: str, limit: int, cursor: str | None) -> Page[Contact]:
        """A stage's contacts, newest first."""

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[Any]:
            entries = ContactItem.by_stage.query(
                partition,
                scan_index_forward=False,
                last_evaluated_key=resume,
                page_size=max(limit, 25),
            )
            return _items(ContactItem, entries, consistent=False)

        items, after = paging.collect(
            [stage],
            read,
            lambda item: Contact.model_validate_json(item.doc, context=STORED),
            lambda _: True,
            lambda item: _key(item, ("id", "stage", "created_at")),
            limit,
            cursor,
        )
        return Page(items, after)

    def find_contacts(
        self, query: ContactQuery, limit: int, cursor: str | None, budget: int = SEARCH_BUDGET
    ) -> Page[Contact]:
        """By the stage index when a stage is given, else by a scan (contacts only)."""
        size = min(max(limit, 25), budget)
        names: tuple[str, ...]
        if query.stage:
            names = ("id", "stage", "created_at")

            def read(partition: str, resume: dict[str, Any] | None) -> Iterator[Any]:
                entries = ContactItem.by_stage.query(
                    partition,
                    scan_index_forward=query.oldest_first,
                    last_evaluated_key=resume,
                    page_size=size,
                )
                return _items(ContactItem, entries, consistent=False)

        else:
            names = ("id",)

            def read(partition: str, resume: dict[str, Any] | None) -> Iterator[Any]:
                entries = ContactItem.scan(last_evaluated_key=resume or None, page_size=size)
                return (item for item in entries if item.stage is not None)

        items, after = paging.collect(
            [query.stage or "*"],
            read,
            lambda item: Contact.model_validate_json(item.doc, context=STORED),
            query.matches,
            lambda item: _key(item, names),
            limit,
            cursor,
            budget,
            order=paging.oldest_or_newest(query.oldest_first) if query.stage else "",
        )
        return Page(items, after)

    def dispatch_mark(self) -> DispatchMark | None:
        item = _get(RuleItem, DISPATCH_PARTITION, lane(Phase.QUEUED))
        if item is None or not item.watermark or not item.horizon:
            return None
        return DispatchMark(
            unstamp(item.watermark),
            unstamp(item.horizon),
            int(item.missed or 0),
            unstamp(item.read_at) if item.read_at else None,
            frozenset(item.seen or ()),
        )

    def advance_dispatch_mark(self, mark: DispatchMark) -> bool:
        """Record `mark`, unless a tick later than it recorded its own; False then."""
        at = stamp(mark.at)
        item = RuleItem(
            DISPATCH_PARTITION,
            lane(Phase.QUEUED),
            watermark=at,
            horizon=stamp(mark.horizon),
            missed=mark.missed or None,
            read_at=stamp(mark.read_at) if mark.read_at else None,
            seen=set(mark.seen) or None,
        )
        return held(
            lambda: item.save(
                condition=RuleItem.watermark.does_not_exist() | (RuleItem.watermark < at)
            )
        )

    def sent_between(self, after: datetime, until: datetime) -> Iterator[FollowUp]:
        """The send-time index's day partitions from `after` to `until`, oldest first, each
        entry read once by key (eventually consistent, as the queue view reads it)."""
        if until <= after:
            return
        window = FollowUpItem.send_at.between(stamp(after), stamp(until))
        for day in _days_back(_utc_day(after), _utc_day(until))[::-1]:
            entries = FollowUpItem.by_send_day.query(day, window)
            for item in _items(FollowUpItem, entries, consistent=False):
                if item.send_at is not None and stamp(after) < item.send_at <= stamp(until):
                    yield _followup(item)

    def expire_mark(self) -> ExpireMark | None:
        item = _get(RuleItem, EXPIRE_PARTITION, _MARK)
        if item is None or not item.watermark or not item.horizon:
            return None
        filed = timedelta(seconds=float(item.filed_under)) if item.filed_under else None
        return ExpireMark(unstamp(item.watermark), unstamp(item.horizon), filed)

    def advance_expire_mark(self, mark: ExpireMark) -> bool:
        """One small write, on the condition that no later tick wrote first."""
        at = stamp(mark.at)
        filed = mark.filed_under.total_seconds() if mark.filed_under is not None else None
        item = RuleItem(
            EXPIRE_PARTITION, _MARK, watermark=at, horizon=stamp(mark.through), filed_under=filed
        )
        return held(
            lambda: item.save(
                condition=RuleItem.watermark.does_not_exist() | (RuleItem.watermark <= at)
            )
        )

    def count_planned(self, at: datetime, count: int) -> None:
        """One write: the tick's first count replaces an earlier tick's, a retried tick's
        is added to it (atomically), an earlier tick's is dropped."""
        when = stamp(at)
        item = RuleItem(DISPATCH_PARTITION, _PLANNED)
        first: list[Action] = [RuleItem.watermark.set(when), RuleItem.planned.set(count)]
        if not held(
            lambda: item.update(
                actions=first,
                condition=RuleItem.watermark.does_not_exist() | (RuleItem.watermark < when),
            )
        ):
            held(
                lambda: item.update(
                    actions=[RuleItem.planned.add(count)], condition=RuleItem.watermark == when
                )
            )

    def planned(self, at: datetime) -> int:
        item = _get(RuleItem, DISPATCH_PARTITION, _PLANNED)
        if item is None or item.watermark != stamp(at):
            return 0
        return int(item.planned or 0)

    def followups_of(self, contact_id: str) -> list[FollowUp]:
        entries = FollowUpItem.by_contact.query(contact_id, scan_index_forward=False)
        return [_followup(item) for item in _items(FollowUpItem, entries)]

    # -- rules ----------------------------------------------------------------------------

    def add_audit(self, entry: AuditEntry) -> None:
        sk = f"{stamp(entry.at)}#{entry.id}"
        RuleItem(AUDIT_PARTITION, sk, doc=entry.model_dump_json()).save()

    def audit_log(self, limit: int, cursor: str | None) -> Page[AuditEntry]:
        """Newest first, resumable with `cursor`."""

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[Any]:
            return iter(
                RuleItem.query(
                    partition,
                    scan_index_forward=False,
                    last_evaluated_key=resume,
                    page_size=max(limit, 25),
                )
            )

        items, after = paging.collect(
            [AUDIT_PARTITION],
            read,
            lambda item: AuditEntry.model_validate_json(item.doc),
            lambda _: True,
            lambda item: _key(item, ("rule_id", "sk")),
            limit,
            cursor,
        )
        return Page(items, after)

    def rule_heads(self) -> list[RuleHead]:
        return [_head(item) for item in RuleItem.heads.query(LISTED)]

    def deleted_rule_heads(self) -> list[RuleHead]:
        return [_head(item) for item in RuleItem.heads.query(DELETED) if item.version]

    def rule_head(self, rule_id: str) -> RuleHead | None:
        item = _get(RuleItem, rule_id, "head")
        return _head(item) if item is not None and item.head == LISTED else None

    def rule(self, rule_id: str, version: int) -> Rule | None:
        item = _get(RuleItem, rule_id, f"v#{version:05d}")
        return Rule.model_validate_json(item.doc, context=STORED) if item and item.doc else None

    def save_rule(
        self,
        rule: Rule,
        saved: Authorship | None = None,
        *,
        over: int | None = None,
        was_active: bool | None = None,
    ) -> Rule:
        """Store `rule` as the next version and make it current; resets the watermark.

        CommitRejected when another save took that version first, with `over`, when the
        current version is no longer `over` (0: no rule ever saved by that id), and with
        `was_active`, when the rule was switched on or off since it was read.
        """
        head = _get(RuleItem, rule.id, "head")
        last = int(head.version) if head and head.version else 0
        listed = last if head and head.head == LISTED else 0
        if over is not None and (last if over == 0 else listed) != over:
            raise CommitRejected([])
        version = int(head.version) + 1 if head and head.version else 1
        stored = rule.model_copy(update={"version": version})
        item = RuleItem(rule.id, f"v#{version:05d}", doc=stored.model_dump_json())
        if saved is not None:
            item.saved_by, item.saved_at = saved.by, stamp(saved.at)
        with _translate_cancellation([]), TransactWrite(connection=self._connection) as txn:
            txn.save(item, condition=RuleItem.sk.does_not_exist())
            txn.save(
                RuleItem(rule.id, "head", head=LISTED, version=version, active=int(rule.active)),
                condition=_unchanged(over, was_active),
            )
        return stored

    def authorship(self, rule_id: str) -> dict[int, Authorship]:
        if not rule_id:
            return {}
        items = RuleItem.query(
            rule_id,
            RuleItem.sk.startswith("v#"),
            attributes_to_get=["sk", "saved_by", "saved_at"],
        )
        return {
            int(item.sk[2:]): Authorship(item.saved_by, unstamp(item.saved_at))
            for item in items
            if item.saved_by and item.saved_at
        }

    def set_active(self, rule_id: str, active: bool) -> bool:
        """Switch the rule on or off; False when it was so already (nothing written)."""
        other = (
            RuleItem.active.does_not_exist() | (RuleItem.active == 0)
            if active
            else RuleItem.active == 1
        )
        head = RuleItem(rule_id, "head")
        actions: list[Action] = [RuleItem.active.set(int(active))]
        if held(lambda: head.update(actions=actions, condition=RuleItem.sk.exists() & other)):
            return True
        if _get(RuleItem, rule_id, "head") is None:
            raise UpdateError(f"rule {rule_id!r} has no head to update")
        return False

    def delete_rule(self, rule_id: str) -> None:
        """Hide the rule from listings and ticks; its versions stay for what is in flight,
        and its head, in the `deleted` rows of the index, for its counters."""
        RuleItem(rule_id, "head").update(
            actions=[RuleItem.head.set(DELETED), RuleItem.active.set(0)],
            condition=RuleItem.sk.exists(),
        )

    def advance_watermark(
        self, rule_id: str, previous: datetime | None, to: datetime, version: int | None = None
    ) -> bool:
        """Move the rule's watermark from `previous` to `to` (at `version`); False if another
        tick moved it, or a save replaced the version."""
        condition = (
            RuleItem.watermark.does_not_exist()
            if previous is None
            else RuleItem.watermark == stamp(previous)
        )
        if version is not None:
            condition &= RuleItem.version == version
        return held(
            lambda: RuleItem(rule_id, "head").update(
                actions=[RuleItem.watermark.set(stamp(to))], condition=condition
            )
        )

    def move_backfill(
        self, rule_id: str, version: int, previous: str | None, to: str | None
    ) -> bool:
        """Move where the rule's date indexing goes on; False if a save or a walk moved it."""
        if not rule_id:
            return False
        held_now = (
            RuleItem.backfill.does_not_exist()
            if previous is None
            else RuleItem.backfill == previous
        )
        condition = (RuleItem.head == LISTED) & (RuleItem.version == version) & held_now
        action = RuleItem.backfill.remove() if to is None else RuleItem.backfill.set(to)
        return held(lambda: RuleItem(rule_id, "head").update(actions=[action], condition=condition))

    def note_rule_error(self, rule_id: str, error: RuleError | None) -> None:
        """Show `error` on the rule's head, or clear it (None)."""
        actions: list[Action] = (
            [RuleItem.error.set(error.message), RuleItem.error_at.set(stamp(error.at))]
            if error is not None
            else [RuleItem.error.remove(), RuleItem.error_at.remove()]
        )
        RuleItem(rule_id, "head").update(actions=actions, condition=RuleItem.sk.exists())

    # -- settings and stats ---------------------------------------------------------------

    def numbers(self) -> list[NumberHealth]:
        item = _get(StateItem, _NUMBERS_KEY)
        return _NUMBERS.validate_json(item.doc) if item else []

    def versioned_numbers(self) -> Versioned[list[NumberHealth]]:
        item = _get(StateItem, _NUMBERS_KEY)
        if item is None:
            return Versioned([], 0)
        return Versioned(_NUMBERS.validate_json(item.doc), int(item.revision or 0))

    def save_numbers_from(self, reports: list[NumberHealth], revision: int) -> bool:
        doc = _NUMBERS.dump_json(reports).decode()
        return _save_state(_NUMBERS_KEY, doc, revision)

    def settings(self) -> WorkspaceSettings:
        item = _get(StateItem, _SETTINGS_KEY)
        if item is None:
            return WorkspaceSettings()
        return WorkspaceSettings.model_validate_json(item.doc, context=STORED)

    def sending_state(self) -> tuple[WorkspaceSettings, list[NumberHealth]]:
        """Settings and numbers in one strongly consistent BatchGetItem (two small items)."""
        docs = {
            item.key: item.doc
            for item in StateItem.batch_get([_SETTINGS_KEY, _NUMBERS_KEY], consistent_read=True)
        }
        settings = docs.get(_SETTINGS_KEY)
        numbers = docs.get(_NUMBERS_KEY)
        return (
            WorkspaceSettings.model_validate_json(settings, context=STORED)
            if settings
            else WorkspaceSettings(),
            _NUMBERS.validate_json(numbers) if numbers else [],
        )

    def save_settings(self, settings: WorkspaceSettings) -> None:
        doc = settings.model_dump_json()
        StateItem(_SETTINGS_KEY).update(actions=[StateItem.doc.set(doc), StateItem.revision.add(1)])

    def versioned_settings(self) -> Versioned[WorkspaceSettings]:
        item = _get(StateItem, _SETTINGS_KEY)
        if item is None:
            return Versioned(WorkspaceSettings(), 0)
        settings = WorkspaceSettings.model_validate_json(item.doc, context=STORED)
        return Versioned(settings, int(item.revision or 0))

    def save_settings_from(self, settings: WorkspaceSettings, revision: int) -> bool:
        return _save_state(_SETTINGS_KEY, settings.model_dump_json(), revision)

    def stats(self, since: date, until: date) -> list[DayStats]:
        rule_ids = self._counted_rules()
        found: list[DayStats] = []
        for rule_id in sorted(rule_ids):
            between = StatsItem.day.between(since.isoformat(), until.isoformat())
            for item in StatsItem.query(rule_id, between):
                counts = _counts(item)
                if counts:  # a day that only holds status gauges counted no change
                    found.append(DayStats(rule_id, date.fromisoformat(item.day), counts))
        return found

    def statuses_now(self, since: date, until: date, rule_id: str | None) -> dict[str, int]:
        rule_ids = [rule_id] if rule_id else sorted(self._counted_rules())
        found: Counter[str] = Counter()
        between = StatsItem.day.between(since.isoformat(), until.isoformat())
        for each in rule_ids:
            for item in StatsItem.query(each, between, attributes_to_get=list(STATUS_GAUGES)):
                found.update(_now(item))
        return {status: n for status, n in found.items() if n}

    def _counted_rules(self) -> set[str]:
        """The rules whose counters count: those listed and those deleted."""
        return {head.rule_id for head in (*self.rule_heads(), *self.deleted_rule_heads())}

    def journey_stats(self, rule_id: str, since: date, until: date) -> JourneyCounters:
        """Three key ranges of the rule's partition: its days, its steps' days, its gauges."""
        days = [
            DayStats(rule_id, date.fromisoformat(item.day), _counts(item))
            for item in StatsItem.query(
                rule_id, StatsItem.day.between(since.isoformat(), until.isoformat())
            )
            if _counts(item)
        ]
        steps = [
            step_day(item.day, _counts(item))
            for item in StatsItem.query(rule_id, StatsItem.day.between(*step_range(since, until)))
        ]
        gauges = {
            item.day: int(item.active or 0)
            for item in StatsItem.query(rule_id, StatsItem.day.startswith(LIVE))
        }
        active = gauges.pop(LIVE, 0)
        return JourneyCounters(days, steps, active, {parse_step(k): n for k, n in gauges.items()})


def _counts(item: StatsItem) -> dict[str, int]:
    return {
        name: int(value)
        for name, value in item.attribute_values.items()
        if name not in ("rule_id", "day", "applied", "expires_at") and name not in STATUS_GAUGES
    }


def _now(item: StatsItem) -> dict[str, int]:
    """The day's status gauges, by status, those at zero left out."""
    values = item.attribute_values
    return {name[len(NOW) :]: int(values[name]) for name in STATUS_GAUGES if values.get(name)}


def _items(model: type[Any], entries: Iterable[Any], consistent: bool = True) -> Iterator[Any]:
    """The items of keys-only index `entries`, in index order, read by key a page at a time
    (BatchGetItem); an item deleted since the index saw it is left out."""
    return (item for _, item in _entries(model, entries, consistent))


def _entries(
    model: type[Any], entries: Iterable[Any], consistent: bool = True
) -> Iterator[tuple[Any, Any]]:
    """`_items`, each beside its index entry: where the index held it when read, which an
    item changed since (put off to another day) no longer says."""
    remaining = iter(entries)
    while page := list(islice(remaining, _BATCH_GET)):
        ids = list(dict.fromkeys(entry.id for entry in page))
        found = {item.id: item for item in model.batch_get(ids, consistent_read=consistent)}
        for entry in page:
            if entry.id in found:
                yield entry, found[entry.id]


def _key(item: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """An index position as DynamoDB's ExclusiveStartKey wants it."""
    return {name: {"S": str(getattr(item, name))} for name in names}


def _utc_day(moment: datetime) -> date:
    """The day partition a moment falls in: follow-ups are filed by their UTC day."""
    return moment.astimezone(UTC).date()


def _days_back(first: date, last: date) -> list[str]:
    return [(last - timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _save_state(key: str, doc: str, revision: int) -> bool:
    """Replace a state document if it is still at `revision`; revision 0: never saved, or
    saved before saves counted revisions."""
    unchanged = (
        StateItem.revision.does_not_exist() if revision == 0 else StateItem.revision == revision
    )
    return put_once(StateItem(key, doc=doc, revision=revision + 1), unchanged, StateItem.token)


def _current_is(over: int | None) -> Condition | None:
    """A rule head's condition: no rule ever saved (0: a deleted one keeps its id), or
    `over` its current version."""
    if over is None:
        return None
    if over == 0:
        unsaved: Condition = RuleItem.version.does_not_exist()
        return unsaved
    current: Condition = (RuleItem.head == LISTED) & (RuleItem.version == over)
    return current


def _unchanged(over: int | None, was_active: bool | None) -> Condition | None:
    """A rule head's condition: `over` its current version (as `_current_is`), and with
    `was_active`, the rule still on (True) or off (False: never switched on too)."""
    current = _current_is(over)
    if was_active is None:
        return current
    active: Condition = (
        RuleItem.active == 1
        if was_active
        else RuleItem.active.does_not_exist() | (RuleItem.active == 0)
    )
    return active if current is None else current & active


def _get(
    model: type[Any], key: str, range_key: str | None = None, *, consistent: bool = True
) -> Any:
    """The item, or None when absent; DynamoDB refuses empty keys, and nothing has one."""
    if not key or range_key == "":
        return None
    try:
        return model.get(key, range_key, consistent_read=consistent)
    except DoesNotExist:
        return None


def _check_countable(change: Change, day: str) -> None:
    """Refuse what the stream could not count, as a transaction with its counters would:
    a batch holding it would fail on every retry."""
    for bump in bumps(change, day, None):
        if not hasattr(StatsItem, bump.name):
            raise AttributeError(f"no counter {bump.name!r} in the stats table")
        if not bump.rule_id:
            raise PutError(f"{bump.name} would be counted under an empty rule id")


def _written(change: Change, day: str) -> tuple[Any, Condition]:
    """The item `change` puts, committed on `day`, and the condition it puts it on: its
    own, or (every put) this very write made already, sent again with its answer lost."""
    if isinstance(change, NewFollowUp):
        free = FollowUpItem.id.does_not_exist()
        made = FollowUpItem.token == change.token
        return _followup_item(change.followup, day, change.token), free | made
    if isinstance(change, FollowUpChange):
        expected = FollowUpItem.status == change.expected.value
        if change.undecided:
            expected &= FollowUpItem.approved.does_not_exist()
        if change.moves is not None:
            expected &= (FollowUpItem.moves == change.moves) | FollowUpItem.moves.does_not_exist()
        if change.followup.stopped_after_reply_at is None:
            expected &= _unmarked()
        if change.followup.converted_at is None:
            expected &= FollowUpItem.converted.does_not_exist()
        if change.followup.follows_on:
            expected &= _not_taken_over()
        if change.unpriced:
            expected &= _unpriced()
        made = FollowUpItem.token == change.token
        return _followup_item(change.followup, day, change.token), expected | made
    if isinstance(change, NewEnrollment):
        inserted = _enrollment_item(change.enrollment, 1, day, change.token)
        free = EnrollmentItem.id.does_not_exist()
        return inserted, free | (EnrollmentItem.token == change.token)
    if isinstance(change, EnrollmentChange):
        moved = _enrollment_item(change.enrollment, change.revision + 1, day, change.token)
        at = EnrollmentItem.revision == change.revision
        return moved, at | (EnrollmentItem.token == change.token)
    if isinstance(change, ContactChange):
        contact = _contact_item(change.contact, change.revision + 1, change.token)
        return contact, _at_revision(change.revision) | (ContactItem.token == change.token)
    if isinstance(change, SlotChange):
        slot = change.slot
        taken = ContactItem(
            _slot_key(slot.contact_id),
            revision=change.revision + 1,
            doc=_slot_doc(slot),
            token=change.token,
        )
        return taken, _at_revision(change.revision) | (ContactItem.token == change.token)
    raise TypeError(f"not a put: {type(change).__name__}")


def _at_revision(revision: int) -> Condition:
    """A contacts-table item still at `revision`; 0: there is none."""
    if revision == 0:
        return ContactItem.id.does_not_exist()
    return ContactItem.revision == revision


def _unconverted(followup: FollowUp) -> Condition:
    """A conversion's condition: not converted yet, and still in the status it was read in
    and unmarked and unpriced if it was read so, so a copy read before a reply (or any other
    move, the lead's stop after their reply, or a late price) never writes that move back."""
    condition: Condition = FollowUpItem.converted.does_not_exist() & (
        FollowUpItem.status == followup.status.value
    )
    if followup.stopped_after_reply_at is None:
        condition &= _unmarked()
    if followup.pricing is None:
        condition &= _unpriced()
    if followup.follows_on:
        condition &= _not_taken_over()
    return condition


def _not_taken_over() -> Condition:
    """The condition of a write of a copy still following on its step's earlier send: the
    follow-up did not take over as the step's send since the copy was read
    (FollowUpItem.took_over)."""
    return FollowUpItem.took_over.does_not_exist()


def _unmarked() -> Condition:
    """The condition of a write of a copy without the lead's stop after their reply: no one
    marked the follow-up since the copy was read (FollowUpItem.stopped)."""
    return FollowUpItem.stopped.does_not_exist()


def _unpriced() -> Condition:
    """The condition of a write of a copy read without a price: no one priced the follow-up
    since the copy was read (FollowUpItem.priced)."""
    return FollowUpItem.priced.does_not_exist()


def _converted(change: Conversion, day: str) -> list[Action]:
    """The conversion's update; it drops the last status write's token, so that write, sent
    again after this, cannot put back the copy without the conversion."""
    return [
        FollowUpItem.converted.set(1),
        FollowUpItem.doc.set(followup_doc.dump(change.followup, standalone=True)),
        FollowUpItem.converted_on.set(day),
        FollowUpItem.token.remove(),
    ]


def _wakes(followup: FollowUp, phases: tuple[Phase, ...], until: datetime) -> bool:
    wake = followup.wake_at
    return phase_of(followup) in phases and wake is not None and wake <= until


def _followup_item(followup: FollowUp, day: str, token: str | None = None) -> FollowUpItem:
    entry = waiting_entry(followup)
    return FollowUpItem(
        followup.id,
        status=followup.status.value,
        doc=followup_doc.dump(followup),
        contact_id=followup.contact_id,
        created_at=stamp(followup.created_at),
        send_day=stamp(followup.scheduled_at)[:10],
        send_at=stamp(followup.scheduled_at),
        rule_id=followup.rule_id,
        phase_key=f"{entry[0]}#{shard_of(followup.id, SHARDS)}" if entry else None,
        wake_at=stamp(entry[1]) if entry else None,
        provider_message_id=followup.provider_message_id,
        converted=1 if followup.converted_at else None,
        counted_on=day,
        approved=1 if followup.approved_at else None,
        stopped=1 if followup.stopped_after_reply_at else None,
        took_over=1 if followup.took_over_at else None,
        priced=1 if followup.pricing else None,
        moves=followup.moves,
        token=token,
    )


def _followup(item: FollowUpItem) -> FollowUp:
    return followup_doc.load(item.doc, item.attribute_values)


def _enrollment_item(
    enrollment: Enrollment, revision: int, day: str, token: str | None = None
) -> EnrollmentItem:
    due = (
        enrollment.state is EnrollmentState.ACTIVE
        and enrollment.next_due_at is not None
        and not enrollment.held
    )
    return EnrollmentItem(
        enrollment.id,
        revision=revision,
        doc=enrollment.model_dump_json(),
        contact_id=enrollment.contact_id,
        enrolled_at=stamp(enrollment.enrolled_at),
        due_key=f"due#{shard_of(enrollment.id, SHARDS)}" if due else None,
        next_due_at=stamp(enrollment.next_due_at) if due and enrollment.next_due_at else None,
        held_key=enrollment.rule_id if enrollment.held else None,
        counted_on=day,
        token=token,
    )


def _contact_item(contact: Contact, revision: int, token: str | None = None) -> ContactItem:
    reachable = not contact.opted_out
    return ContactItem(
        contact.id,
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


_HELD = "|"
"""Between the holder and the held follow-up it keeps WhatsApp steps waiting for: one word,
so a reader of the older shape (holder, time, seconds ahead) finds an unknown holder and
takes the slot as free, rather than failing on every read of it."""


def _slot_doc(slot: Slot) -> str:
    """The holder (and the held follow-up it keeps WhatsApp steps waiting for, if any),
    when it is scheduled, and how many seconds before that the slot was taken ahead of it,
    if it was: a few bytes, not another timestamp."""
    holding = f"{slot.holder}{_HELD}{slot.held}" if slot.held else slot.holder
    doc = f"{holding} {stamp(slot.until)}"
    if slot.taken_at is None:
        return doc
    return f"{doc} {(slot.until - slot.taken_at).total_seconds()}"


def _slot_key(contact_id: str) -> str:
    """A contact's pending slot sits beside it, out of every contact index (no stage)."""
    return f"slot#{contact_id}"


def _versioned_contact(item: ContactItem) -> Versioned[Contact]:
    return Versioned(Contact.model_validate_json(item.doc, context=STORED), int(item.revision))


def _versioned_enrollment(item: EnrollmentItem) -> Versioned[Enrollment]:
    return Versioned(Enrollment.model_validate_json(item.doc), int(item.revision))


def _head(item: RuleItem) -> RuleHead:
    watermark = unstamp(item.watermark) if item.watermark else None
    error = RuleError(unstamp(item.error_at), item.error) if item.error and item.error_at else None
    return RuleHead(
        item.rule_id, int(item.version or 1), bool(item.active), watermark, error, item.backfill
    )


@contextmanager
def _translate_cancellation(ordered: list[Change]) -> Iterator[None]:
    """Turn a cancelled transaction into CommitRejected naming the changes that lost, or
    into StoreBusy.

    A transaction that met only other transactions (reasons `TransactionConflict` and none)
    was already sent again a few times by the client (adapters/conflicts.py): one that still
    does raises StoreBusy, not CommitRejected, since no condition of it failed.

    A `ConditionalCheckFailed` reason is final whatever else the transaction met: DynamoDB
    checked that condition on the item as committed, so the transaction cannot commit as
    built, and CommitRejected names those changes only. Changes cancelled with them, with a
    `TransactionConflict` or no reason, are not named: they did not lose a race (their
    conditions were not decided, or held), and nothing of the transaction was written, so
    a caller that reads again and retries meets them again.
    """
    try:
        yield
    except TransactWriteError as exc:
        codes = _codes(exc)
        if conflict_only(codes):
            names = ", ".join(type(change).__name__ for change in ordered)
            raise StoreBusy(names or "a transaction") from exc
        if not codes or any(code not in _CANCELLED_BY_CONDITION for code in codes):
            raise
        failed = [
            change
            for change, code in zip(ordered, codes, strict=False)
            if code == "ConditionalCheckFailed"
        ]
        raise CommitRejected(failed) from exc


_CANCELLED_BY_CONDITION = frozenset({None, "None", "ConditionalCheckFailed", "TransactionConflict"})
"""Reasons of a transaction cancelled because a condition failed (with those on the items
cancelled with it)."""


def _codes(exc: TransactWriteError) -> list[str | None]:
    """The reason DynamoDB gave for each item of a cancelled transaction, in order."""
    return [reason.code if reason else None for reason in exc.cancellation_reasons]


def _date_key(rule_id: str, contact_id: str) -> str:
    return f"date#{rule_id}#{contact_id}"


def _date_item(rule_id: str, contact_id: str, due_at: datetime) -> ContactItem:
    return ContactItem(
        _date_key(rule_id, contact_id),
        revision=0,
        doc=json.dumps({"rule_id": rule_id, "contact_id": contact_id}),
        date_key=f"date#{shard_of(f'{rule_id}#{contact_id}', SHARDS)}",
        date_due=stamp(due_at),
    )
