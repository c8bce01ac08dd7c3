"""Counters, added from the follow-up and enrollment tables' streams exactly once.

A commit writes each follow-up and enrollment with the UTC day it was committed on; each
stream record (old and new image) stands for the change the commit made, and counts what
the commit used to count in its own transaction (services.monitoring.bumps), on that day:
an enrollment's old image is the copy its change replaced. A follow-up's record also
moves the status gauges (services.monitoring.status_gauges) from the send day and status of
its old image to those of its new one. One batch of records becomes one write per stats
item it moves.

Lambda retries a failed batch from its first record, possibly with more records after it,
possibly after a write that succeeded: so each batch keeps a checkpoint, keyed by its table
and its first record's sequence number, holding the last record counted. The counters and
the checkpoint move in one transaction, on the condition that the checkpoint still holds
what was read;
records at or below it are skipped. Two runs of the same batch race on that condition: the
loser reads the checkpoint again and finds nothing left to count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from followup.domain.costs import Pricing
from followup.domain.enrollment import Enrollment
from followup.domain.followup import FollowUp, Status
from followup.services.monitoring import Bump, bumps, status_gauges
from followup.services.ports import (
    Conversion,
    EnrollmentChange,
    FollowUpChange,
    NewEnrollment,
    NewFollowUp,
)

ITEMS_PER_WRITE = 99
"""Stats items per transaction, beside the checkpoint (DynamoDB takes 100)."""
TRIES = 3

Counters = dict[tuple[str, str], dict[str, int]]
"""(rule id, stats item key) → counter name → amount to add."""


@dataclass(frozen=True)
class StreamRecord:
    """One change of a follow-up item, as its commit wrote it.

    `previous` is the status the item had (None for an insert); `day` the UTC day of the
    commit that put this copy, `converted_on` that of a conversion this change records
    (None when the change is not one); both None in copies older than these fields.
    `placed` and `placed_before` are the (UTC send day, status) of the new and the old item
    as the status gauges count them; None for an item written before them (never counted).
    `priced_before` is the price the old item carried (its messaging cost counted so far),
    `stopped_before` whether it was marked stopped after its reply (its opt-out counted),
    `followed_before` whether it still followed on its step's earlier send.
    """

    sequence: str
    previous: Status | None
    new: FollowUp
    day: str | None
    converted_on: str | None = None
    placed: tuple[str, Status] | None = None
    placed_before: tuple[str, Status] | None = None
    priced_before: Pricing | None = None
    stopped_before: bool = False
    followed_before: bool = False


@dataclass(frozen=True)
class EnrollmentRecord:
    """One change of an enrollment item: `old` is the copy it replaced (None for an insert);
    `day` is the commit's (None in copies older than that field)."""

    sequence: str
    old: Enrollment | None
    new: Enrollment
    day: str | None


Record = StreamRecord | EnrollmentRecord


class CheckpointMoved(Exception):
    """Another run of the same batch kept moving its checkpoint: try the batch again."""


class Ledger(Protocol):
    def applied(self, batch: str) -> str | None:
        """The last sequence number counted for the batch starting at `batch`, if any."""

    def add(self, batch: str, previous: str | None, last: str, counters: Counters) -> bool:
        """Add `counters` and move the checkpoint from `previous` to `last`, all or nothing;
        False (nothing written) when the checkpoint no longer holds `previous`."""


def bumps_of(record: Record) -> list[Bump]:
    """What the commit that made this change counted, on its day."""
    if isinstance(record, EnrollmentRecord):
        if record.day is None:
            return []
        if record.old is None:
            return bumps(NewEnrollment(record.new), record.day, None)
        change = EnrollmentChange(record.new, 0, record.old)
        return bumps(change, record.day, record.old)
    gauges = status_gauges(record.new.rule_id, record.placed_before, record.placed)
    if record.converted_on is not None:  # an update of the conversion alone
        return bumps(Conversion(record.new), record.converted_on, None) + gauges
    if record.day is None:
        return gauges
    if record.previous is None:
        return bumps(NewFollowUp(record.new), record.day, None) + gauges
    moved = FollowUpChange(record.new, record.previous)
    counted = bumps(
        moved,
        record.day,
        None,
        record.priced_before,
        stopped_before=record.stopped_before,
        followed_before=record.followed_before,
    )
    return counted + gauges


def apply(records: Sequence[Record], ledger: Ledger) -> int:
    """Count one batch of one shard, in stream order; returns the records counted now."""
    counted = [(record.sequence, bumps_of(record)) for record in records]
    counted = [(sequence, found) for sequence, found in counted if found]
    if not counted:
        return 0
    kind = "enrollments" if isinstance(records[0], EnrollmentRecord) else "followups"
    batch = f"{kind}#{records[0].sequence}"
    for _ in range(TRIES):
        done = ledger.applied(batch)
        pending = [entry for entry in counted if done is None or int(entry[0]) > int(done)]
        moved = True
        for last, counters in _chunks(pending):
            if not ledger.add(batch, done, last, counters):
                moved = False
                break
            done = last
        if moved:
            return len(pending)
    raise CheckpointMoved(batch)


def _chunks(pending: list[tuple[str, list[Bump]]]) -> list[tuple[str, Counters]]:
    """Consecutive records grouped so each write moves at most ITEMS_PER_WRITE items."""
    found: list[tuple[str, Counters]] = []
    counters: Counter[tuple[str, str, str]] = Counter()
    last = ""
    for sequence, record_bumps in pending:
        items = {(b.rule_id, b.key) for b in record_bumps}
        held = {(rule_id, key) for rule_id, key, _ in counters}
        if counters and len(held | items) > ITEMS_PER_WRITE:
            found.append((last, _grouped(counters)))
            counters = Counter()
        for bump in record_bumps:
            counters[(bump.rule_id, bump.key, bump.name)] += bump.amount
        last = sequence
    if counters:
        found.append((last, _grouped(counters)))
    return found


def _grouped(counters: Counter[tuple[str, str, str]]) -> Counters:
    grouped: Counters = {}
    for (rule_id, key, name), amount in counters.items():
        grouped.setdefault((rule_id, key), {})[name] = amount
    return grouped
