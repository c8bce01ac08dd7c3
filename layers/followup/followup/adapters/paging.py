"""Cursor pagination over DynamoDB index queries, and over one contact's follow-ups.

A cursor is opaque to callers: the partition being read, the key of the last item
returned and, for a list read in either order, that order, base64-encoded. Resuming from
the last *returned* item (not the page end) means filtering never skips an item; a cursor
of the list read the other way round is refused, as it would repeat or skip items.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from pynamodb.exceptions import QueryError

from followup.adapters.tables import stamp
from followup.domain.errors import InvalidField
from followup.domain.followup import FollowUp
from followup.services.ports import Page, QueueQuery


def encode(partition: str, key: dict[str, Any], order: str = "") -> str:
    named = [partition, key, order] if order else [partition, key]
    return base64.urlsafe_b64encode(json.dumps(named).encode()).decode()


_NOT_OURS = "not a cursor this API gave out"
_NOT_THIS_LIST = "not a cursor for this list: start again without one"


def decode(cursor: str, order: str = "") -> tuple[str, dict[str, Any]]:
    """The partition and the key a cursor names; InvalidField for anything else, so no
    tampered key reaches DynamoDB (which would refuse it with a 500 for an answer), and
    for a cursor of the list read in another `order` (one given out before cursors named
    their order is taken as it is)."""
    try:
        partition, key, *named = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidField("cursor", _NOT_OURS) from exc
    if not isinstance(partition, str) or not isinstance(key, dict) or not key:
        raise InvalidField("cursor", _NOT_OURS)
    if len(named) > 1 or (named and named[0] != order):
        raise InvalidField("cursor", _NOT_THIS_LIST)
    for value in key.values():
        if not (isinstance(value, dict) and len(value) == 1 and _attribute(value)):
            raise InvalidField("cursor", _NOT_OURS)
    return partition, key


def _attribute(value: dict[str, Any]) -> bool:
    """A key attribute as DynamoDB writes one: `{"S": text}` or `{"N": digits}`."""
    kind, held = next(iter(value.items()))
    return isinstance(held, str) and (kind == "S" or (kind == "N" and held.isdecimal()))


T = TypeVar("T")


def collect(
    partitions: Iterable[str],
    query: Callable[[str, dict[str, Any] | None], Iterator[Any]],
    convert: Callable[[Any], T],
    keep: Callable[[T], bool],
    key_of: Callable[[Any], dict[str, Any]],
    limit: int,
    cursor: str | None,
    budget: int | None = None,
    order: str = "",
) -> tuple[list[T], str | None]:
    """Up to `limit` kept items across `partitions` in order, and the cursor after them,
    naming the `order` the list is read in when it may be read in either.

    With a `budget`, at most that many items are examined: the page may then come back
    short (even empty) with a cursor after the last one examined."""
    start_partition, start_key = decode(cursor, order) if cursor else (None, None)
    partitions = list(partitions)
    if start_partition is not None and start_partition not in partitions:
        # Another list's cursor, or another period's: read as "nothing after", it would
        # tell the app it had everything.
        raise InvalidField("cursor", _NOT_THIS_LIST)
    found: list[T] = []
    examined = 0
    started = start_partition is None
    for partition in partitions:
        if not started:
            if partition != start_partition:
                continue
            started = True
            resume = start_key
        else:
            resume = None
        for item in _resumed(query, partition, resume):
            converted = convert(item)
            examined += 1
            if keep(converted):
                found.append(converted)
                if len(found) == limit:
                    return found, encode(partition, key_of(item), order)
            if examined == budget:
                return found, encode(partition, key_of(item), order)
    return found, None


def _resumed(
    query: Callable[[str, dict[str, Any] | None], Iterator[Any]],
    partition: str,
    resume: dict[str, Any] | None,
) -> Iterator[Any]:
    """`query` from `resume`; a key this partition's index does not have (a cursor of
    another list whose partition names match) is the caller's mistake, not a 500."""
    items = query(partition, resume)
    try:
        first = next(items, None)
    except (TypeError, KeyError, ValueError) as exc:
        if resume is None:
            raise
        raise InvalidField("cursor", _NOT_OURS) from exc
    except QueryError as exc:  # DynamoDB refusing the start key as no key of the index
        if resume is None or exc.cause_response_code != "ValidationException":
            raise
        raise InvalidField("cursor", _NOT_OURS) from exc
    if first is None:
        return
    yield first
    yield from items


ONE_CONTACT = "contact"
"""The cursor's partition for a page of one contact's follow-ups, sorted in memory."""


def sorted_page(
    followups: list[FollowUp], query: QueueQuery, limit: int, cursor: str | None
) -> Page[FollowUp]:
    """The page of `followups` (all of one contact's) that `query` keeps, by send time as it
    asks, after the cursor's position."""
    kept = sorted(
        (f for f in followups if query.matches(f)),
        key=lambda f: (stamp(f.scheduled_at), f.id),
        reverse=not query.earliest_first,
    )
    order = earliest_or_latest(query)
    if cursor:
        partition, key = decode(cursor, order)
        try:
            if partition != ONE_CONTACT:
                raise KeyError(partition)
            start = (key["send_at"]["S"], key["id"]["S"])
        except (KeyError, TypeError) as exc:
            raise InvalidField("cursor", _NOT_OURS) from exc
        kept = [f for f in kept if _beyond((stamp(f.scheduled_at), f.id), start, query)]
    if len(kept) <= limit:
        return Page(kept, None)
    last = kept[limit - 1]
    position = {"send_at": {"S": stamp(last.scheduled_at)}, "id": {"S": last.id}}
    return Page(kept[:limit], encode(ONE_CONTACT, position, order))


def earliest_or_latest(query: QueueQuery) -> str:
    """The order the queue is read in, as its cursors name it."""
    return "earliest" if query.earliest_first else "latest"


def oldest_or_newest(oldest_first: bool) -> str:
    """The order a list of contacts is read in, as its cursors name it."""
    return "oldest" if oldest_first else "newest"


def _beyond(position: tuple[str, str], start: tuple[str, str], query: QueueQuery) -> bool:
    """Whether `position` comes after `start` in the query's order."""
    return position > start if query.earliest_first else position < start
