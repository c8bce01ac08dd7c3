"""The notification repository on DynamoDB: conditional writes, a sparse pending index."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from pynamodb.exceptions import DoesNotExist
from pynamodb.expressions.condition import Condition

from followup.adapters.tables import NotificationItem, put_once, stamp
from followup.domain.notification import Notification
from followup.services.ports import Versioned

PENDING = "pending"


class DynamoNotifications:
    def add_notification(self, notification: Notification) -> bool:
        return _put(_item(notification, 1), NotificationItem.id.does_not_exist())

    def save_notification(self, notification: Notification, revision: int) -> bool:
        return _put(_item(notification, revision + 1), NotificationItem.revision == revision)

    def notification(self, notification_id: str) -> Versioned[Notification] | None:
        if not notification_id:
            return None
        try:
            item = NotificationItem.get(notification_id, consistent_read=True)
        except DoesNotExist:
            return None
        return _versioned(item)

    def pending_notifications(self, until: datetime) -> Iterator[Versioned[Notification]]:
        due = NotificationItem.next_attempt_at <= stamp(until)
        for item in NotificationItem.pending_index.query(PENDING, due):
            yield _versioned(item)


def _put(item: NotificationItem, condition: Condition) -> bool:
    return put_once(item, condition, NotificationItem.token)


def _versioned(item: NotificationItem) -> Versioned[Notification]:
    return Versioned(Notification.model_validate_json(item.doc), int(item.revision))


def _item(notification: Notification, revision: int) -> NotificationItem:
    waiting = notification.next_attempt_at
    return NotificationItem(
        notification.id,
        revision=revision,
        doc=notification.model_dump_json(),
        pending=PENDING if waiting else None,
        next_attempt_at=stamp(waiting) if waiting else None,
    )
