"""Endpoints on 127.0.0.1 for the engine to call: any request handler served from a thread,
and a receiving end for outbound webhooks that checks each request's signature, answers
503 to the first `failures` requests, then 200, and keeps what it got."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free port of 127.0.0.1 from a daemon thread, each request in a
    thread of its own: the base URL, e.g. `http://127.0.0.1:49152`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Received:
    body: dict[str, Any]
    signed: bool
    """The signature header is the HMAC-SHA256 of the body under the shared secret."""
    timestamp: str | None
    answered: int
    signed_at: bool = False
    """The timestamped signature is the HMAC-SHA256 of `<timestamp>.<body>`."""


@dataclass
class Hook:
    url: str
    secret: str
    failures: int
    received: list[Received] = field(default_factory=list)


@contextmanager
def hook(secret: str, failures: int = 0) -> Iterator[Hook]:
    state = Hook("", secret, failures)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
            signature = self.headers.get("X-Followup-Signature") or ""
            stamp = self.headers.get("X-Followup-Timestamp") or ""
            stamped = stamp.encode() + b"." + raw
            expected_at = "sha256=" + hmac.new(secret.encode(), stamped, hashlib.sha256).hexdigest()
            signature_at = self.headers.get("X-Followup-Signature-Timestamped") or ""
            status = 503 if len(state.received) < state.failures else 200
            state.received.append(
                Received(
                    json.loads(raw),
                    hmac.compare_digest(signature, expected),
                    self.headers.get("X-Followup-Timestamp"),
                    status,
                    hmac.compare_digest(signature_at, expected_at),
                )
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    with serving(Handler) as url:
        state.url = f"{url}/hooks/followup"
        yield state
