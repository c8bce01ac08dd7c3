"""The pacing counters and markers on DynamoDB: one UpdateItem each, atomic across every
sender of the number.

A slot counter is one item per number and 100 ms slot (`ADD n :count`): a block of
sends costs one write unit, and a slot's item gets at most a few dozen writes, far under
DynamoDB's 1,000 writes a second per item. A recipient's marker is one item per number
and recipient, moved by a conditional write; TTL deletes both once they no longer matter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from pynamodb.exceptions import DoesNotExist, UpdateError

from followup.adapters.tables import PacingItem

_MARKER_KEPT = timedelta(days=1)


def _ms(at: datetime) -> int:
    return round(at.timestamp() * 1000)


class DynamoPacing:
    """Counters and markers in the `pacing` table."""

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

    def _marker(self, key: str) -> datetime | None:
        try:
            item = PacingItem.get(key, consistent_read=True)
        except DoesNotExist:
            return None
        if item.next_at is None:
            return None
        return datetime.fromtimestamp(int(item.next_at) / 1000, tz=UTC)
