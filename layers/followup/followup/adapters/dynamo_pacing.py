"""The pacing counters, tallies and markers on DynamoDB: one UpdateItem each, atomic across
every sender.

A slot counter is one item per number and 100 ms slot (`ADD n :count`): a block of
sends costs one write unit, and a slot's item gets at most a few dozen writes, far under
DynamoDB's 1,000 writes a second per item. A recipient's marker is one item per number
and recipient, moved by a conditional write. A tally is one item whose counts are
attributes of their own (`ADD` works only on top-level attributes), changed and answered
by one UpdateItem (ReturnValues ALL_NEW: no read). TTL deletes them all once they no
longer matter.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.constants import ALL_NEW
from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.operand import Path, Value
from pynamodb.expressions.update import Action

from followup.adapters.tables import PacingItem
from followup.services.ports import Tally

_MARKER_KEPT = timedelta(days=1)
_COUNT = "c_"
"""A tally's count `name` is the attribute `c_<name>`."""


def _ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def _added(changes: Mapping[str, int]) -> list[Action]:
    return [Path(_COUNT + name).add(Value({"N": str(n)})) for name, n in changes.items()]


def _tally(attributes: Mapping[str, Any]) -> Tally:
    counts = {
        name.removeprefix(_COUNT): int(value["N"])
        for name, value in attributes.items()
        if name.startswith(_COUNT)
    }
    return Tally(counts, bool(attributes.get("carried", {}).get("BOOL")))


class DynamoPacing:
    """Counters, tallies and markers in the `pacing` table."""

    def reserve(self, key: str, count: int, expires_at: datetime) -> int:
        item = PacingItem(key)
        item.update(actions=[PacingItem.n.add(count), PacingItem.expires_at.set(expires_at)])
        return int(item.n)

    def space(self, key: str, at: datetime, until: datetime) -> datetime | None:
        item = PacingItem(key)
        free = PacingItem.next_at.does_not_exist() | (PacingItem.next_at <= _ms(at))
        try:
            item.update(
                actions=[
                    PacingItem.next_at.set(_ms(until)),
                    PacingItem.expires_at.set(until + _MARKER_KEPT),
                ],
                condition=free,
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            return self._marker(key) or until
        return None

    def counts(self, keys: Sequence[str]) -> dict[str, int]:
        found = dict.fromkeys(keys, 0)
        for item in PacingItem.batch_get(list(found), consistent_read=True):
            found[item.key] = int(item.n or 0)
        return found

    def tally(
        self, key: str, changes: Mapping[str, int], drop: Collection[str], expires_at: datetime
    ) -> Tally:
        actions = _added(changes) + [Path(_COUNT + name).remove() for name in drop]
        actions.append(PacingItem.expires_at.set(expires_at))
        data = PacingItem._get_connection().update_item(key, actions=actions, return_values=ALL_NEW)
        return _tally(data["Attributes"])

    def carry(self, key: str, changes: Mapping[str, int], expires_at: datetime) -> Tally:
        actions = _added(changes)
        actions += [PacingItem.carried.set(True), PacingItem.expires_at.set(expires_at)]
        try:
            data = PacingItem._get_connection().update_item(
                key,
                actions=actions,
                condition=PacingItem.carried.does_not_exist(),
                return_values=ALL_NEW,
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            return self.tallied(key)  # carried first by another caller
        return _tally(data["Attributes"])

    def tallied(self, key: str) -> Tally:
        data = PacingItem._get_connection().get_item(key, consistent_read=True)
        return _tally(data.get("Item", {}))

    def _marker(self, key: str) -> datetime | None:
        try:
            item = PacingItem.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        if item.next_at is None:
            return None
        return datetime.fromtimestamp(int(item.next_at) / 1000, tz=UTC)
