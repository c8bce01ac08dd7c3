"""Closing and reopening a conversation: the latest moment wins, repeats change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.support.builders import contact_at

NOW = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def test_closing_records_when_and_by_whom() -> None:
    closed = contact_at(NOW).with_conversation(False, NOW, "dewi@example.com")
    assert (closed.conversation_open, closed.conversation_changed_at) == (False, NOW)
    assert closed.conversation_changed_by == "dewi@example.com"


def test_closing_a_closed_conversation_keeps_the_first_close() -> None:
    closed = contact_at(NOW).with_conversation(False, NOW, "dewi@example.com")
    assert closed.with_conversation(False, NOW + MINUTE, "event") == closed


def test_a_close_older_than_the_last_message_changes_nothing() -> None:
    contact = contact_at(NOW, last_inbound_at=NOW)
    assert contact.with_conversation(False, NOW - MINUTE, "event") == contact


def test_a_reopen_older_than_the_close_changes_nothing() -> None:
    closed = contact_at(NOW).with_conversation(False, NOW, "event")
    assert closed.with_conversation(True, NOW - MINUTE, "contact") == closed
    reopened = closed.with_conversation(True, NOW + MINUTE, "contact")
    assert (reopened.conversation_open, reopened.conversation_changed_by) == (True, "contact")
