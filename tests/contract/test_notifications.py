"""Notifications: recorded once per id, changed only from the revision read, and read back
while pending by next attempt time, earliest first; delivered ones drop out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.notification import Notification
from tests.contract.items import T0


def notification(notification_id: str = "nt_1", **fields: Any) -> Notification:
    values: dict[str, Any] = {
        "id": notification_id,
        "contact_id": "ct_1",
        "rule_id": "r",
        "step": 1,
        "created_at": T0,
        "webhook": "https://crm.example.com/hooks/followup",
        "next_attempt_at": T0,
    }
    values.update(fields)
    return Notification.model_validate(values)


def pending(store: Any, until: Any) -> list[str]:
    return [found.item.id for found in store.pending_notifications(until)]


def test_a_notification_is_recorded_once_and_read_with_its_revision(store: Any) -> None:
    assert store.add_notification(notification()) is True
    assert store.add_notification(notification(webhook="https://other.example.com")) is False
    found = store.notification("nt_1")
    assert (found.item, found.revision) == (notification(), 1)
    assert store.notification("nt_2") is None


def test_pending_notifications_come_by_next_attempt_until_delivered(store: Any) -> None:
    store.add_notification(notification("nt_late", next_attempt_at=T0 + timedelta(minutes=5)))
    store.add_notification(notification("nt_now"))
    store.add_notification(notification("nt_done", next_attempt_at=None, delivered_at=T0))
    assert pending(store, T0) == ["nt_now"]
    assert pending(store, T0 + timedelta(hours=1)) == ["nt_now", "nt_late"]
    # When the first is delivered (and a stale writer tries to change it too)
    assert store.save_notification(notification("nt_now").delivered(T0), 1) is True
    assert store.save_notification(notification("nt_now").failed("503", T0), 1) is False
    # Then it is no longer pending, and reads as delivered
    assert pending(store, T0 + timedelta(hours=1)) == ["nt_late"]
    found = store.notification("nt_now")
    assert (found.item.delivered_at, found.revision) == (T0, 2)
