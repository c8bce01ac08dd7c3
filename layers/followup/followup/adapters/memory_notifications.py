"""The notification repository in memory, with DynamoNotifications' semantics."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from followup.adapters.tables import stamp
from followup.domain.notification import Notification
from followup.services.ports import Versioned


@dataclass(frozen=True)
class _NotificationRow:
    revision: int
    doc: str
    next_attempt_at: str | None


class MemoryNotifications:
    """Notifications in a dictionary, behind the store's lock."""

    _lock: threading.RLock
    _notifications: dict[str, _NotificationRow]

    def add_notification(self, notification: Notification) -> bool:
        with self._lock:
            if notification.id in self._notifications:
                return False
            self._notifications[notification.id] = _row(notification, 1)
            return True

    def save_notification(self, notification: Notification, revision: int) -> bool:
        with self._lock:
            row = self._notifications.get(notification.id)
            if row is None or row.revision != revision:
                return False
            self._notifications[notification.id] = _row(notification, revision + 1)
            return True

    def notification(self, notification_id: str) -> Versioned[Notification] | None:
        with self._lock:
            row = self._notifications.get(notification_id)
        return None if row is None else _versioned(row)

    def pending_notifications(self, until: datetime) -> Iterator[Versioned[Notification]]:
        limit = stamp(until)
        with self._lock:
            due = sorted(
                ((row.next_attempt_at, nid), row)
                for nid, row in self._notifications.items()
                if row.next_attempt_at is not None and row.next_attempt_at <= limit
            )
        return iter([_versioned(row) for _, row in due])


def _versioned(row: _NotificationRow) -> Versioned[Notification]:
    return Versioned(Notification.model_validate_json(row.doc), row.revision)


def _row(notification: Notification, revision: int) -> _NotificationRow:
    waiting = notification.next_attempt_at
    return _NotificationRow(
        revision, notification.model_dump_json(), stamp(waiting) if waiting else None
    )
