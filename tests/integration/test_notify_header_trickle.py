"""A notification's receiver that trickles its answer's headers cannot hold the tick: the
whole request keeps to one overall deadline (each read's timeout alone bounds only the
wait for the next byte). Past it the notification is recorded as failed, and it is tried
again later as any failed one."""

from __future__ import annotations

import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

from followup.domain.notification import RETRY_BASE
from followup.wiring import runtime
from followup_local.engine import LocalEngine
from tests.support.builders import journey, quiet_contact
from tests.support.hooks import serving

HOUR = timedelta(hours=1)
HEADERS = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Padding: " + b"x" * 100 + b"\r\n\r\n"
"""A whole, valid answer: a receiver that sent it at once would have taken the delivery."""
PER_BYTE = 0.05
"""Seconds between two bytes: far inside the read timeout, so each read gets its byte."""


def test_a_receiver_trickling_its_headers_fails_the_notification_which_is_tried_again(
    engine: LocalEngine,
) -> None:
    # Given a CRM that, the first time, answers its headers one byte at a time (each byte
    # well within the read timeout), and at once after that
    written: list[int] = []
    calls: list[int] = []

    class TrickledHeaders(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            calls.append(1)
            if len(calls) > 1:
                self.wfile.write(HEADERS)
                return
            try:
                for byte in HEADERS:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    written.append(1)
                    time.sleep(PER_BYTE)
            except OSError:
                return  # the engine hung up

        def log_message(self, *args: Any) -> None:
            return None

    # And notifications whose reads time out after half a second, so that a whole request
    # may take a second at most
    config = engine.configure(notify_timeout_seconds=PER_BYTE * 10)
    engine.deps.notifier = runtime.notifier(config)
    with serving(TrickledHeaders) as url:
        engine.deps.rules.save_rule(journey({"kind": "action", "do": "notify", "webhook": url}))
        lead = quiet_contact(engine.deps, "6281100000971", engine.clock.now() - 25 * HOUR)
        # When the tick delivers the notification
        first = engine.scheduled("enqueue")
        got = len(written)
        # Then the tick gave up on it before the receiver could finish its headers
        assert (first["notified"], first["notify_failed"]) == (0, 1)
        assert got < len(HEADERS)
        # And the notification is kept as failed for no answer, due again after the first
        # retry wait
        [kept] = engine.deps.notifications.pending_notifications(engine.clock.now() + HOUR)
        assert kept.item.contact_id == lead.id
        assert kept.item.attempts == 1
        assert "no answer" in (kept.item.last_error or "")
        assert kept.item.next_attempt_at is not None
        assert kept.item.next_attempt_at - engine.clock.now() >= RETRY_BASE
        # When the tick after that wait tries again, and the receiver answers at once
        engine.clock.advance(RETRY_BASE)
        second = engine.scheduled("enqueue")
        # Then it is delivered
        assert (second["notified"], second["notify_failed"]) == (1, 0)
        assert len(calls) == 2
