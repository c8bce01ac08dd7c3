"""Cursor pagination over DynamoDB index queries, newest first.

A cursor is opaque to callers: the partition being read and the key of the last item
returned, base64-encoded. Resuming from the last *returned* item (not the page end) means
filtering never skips an item.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from followup.domain.errors import InvalidField


def encode(partition: str, key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps([partition, key]).encode()).decode()


def decode(cursor: str) -> tuple[str, dict[str, Any]]:
    try:
        partition, key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise InvalidField("cursor", "not a cursor this API gave out") from exc
    if not isinstance(partition, str) or not isinstance(key, dict):
        raise InvalidField("cursor", "not a cursor this API gave out")
    return partition, key


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
) -> tuple[list[T], str | None]:
    """Up to `limit` kept items across `partitions` in order, and the cursor after them.

    With a `budget`, at most that many items are examined: the page may then come back
    short (even empty) with a cursor after the last one examined."""
    start_partition, start_key = decode(cursor) if cursor else (None, None)
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
        for item in query(partition, resume):
            converted = convert(item)
            examined += 1
            if keep(converted):
                found.append(converted)
                if len(found) == limit:
                    return found, encode(partition, key_of(item))
            if examined == budget:
                return found, encode(partition, key_of(item))
    return found, None
