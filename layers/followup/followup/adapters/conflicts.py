"""Writes that met another transaction on one of their items, tried again a few times.

DynamoDB refuses a write to an item that a transaction is writing at that moment: a
PutItem, UpdateItem or DeleteItem answers `TransactionConflictException`, and a
TransactWriteItems is cancelled with the reason `TransactionConflict` on that item.
botocore retries neither (in its standard mode, which pynamodb's clients run in, and in
its legacy mode, whose DynamoDB rules name `TransactionInProgressException` only). The
refused write changed nothing and its conditions are checked again when it is sent again,
so the client sends the same request again after a short random pause, a few times.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Any

CONFLICT_TRIES = 5
"""Sends of one request that meets a transaction, the first included."""
_PAUSE = 0.025
"""Seconds: the longest pause before the second send, doubled before each later one."""
_CANCELLED = "TransactionCanceledException"
_REFUSED = "TransactionConflictException"
_CONFLICT = "TransactionConflict"
_UNTOUCHED = frozenset({None, "None"})


def conflict_only(codes: Iterable[str | None]) -> bool:
    """True when a cancelled transaction met another transaction and nothing else: its
    reasons are `TransactionConflict` on some items and none on the others."""
    found = list(codes)
    return _CONFLICT in found and all(code == _CONFLICT or code in _UNTOUCHED for code in found)


def retry_conflicts(session: Any) -> None:
    """Have every DynamoDB client `session` (botocore's) builds send a request again when it
    met a transaction, up to CONFLICT_TRIES sends; other errors keep botocore's own rules."""
    session.register("needs-retry.dynamodb", _pause_if_conflicted, unique_id=__name__)


def _pause_if_conflicted(
    attempts: int, response: tuple[Any, Mapping[str, Any]] | None, **_: Any
) -> float | None:
    """The pause before sending again (full jitter), or None to leave it to botocore."""
    if response is None or attempts >= CONFLICT_TRIES or not _conflicted(response[1]):
        return None
    return random.uniform(0, _PAUSE * 2 ** (attempts - 1))  # noqa: S311 (spacing, not secrecy)


def _conflicted(parsed: Mapping[str, Any]) -> bool:
    code = parsed.get("Error", {}).get("Code")
    if code == _REFUSED:
        return True
    reasons = parsed.get("CancellationReasons") or []
    return code == _CANCELLED and conflict_only(reason.get("Code") for reason in reasons)
