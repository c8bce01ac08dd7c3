"""A notification's webhook address reaches its receiver as written: accented letters in
its path and an international host name are encoded as the web does, login details in it
go as basic authentication, an IPv6 host is named in brackets, and a slow name server
cannot hold the tick past the notification's deadline."""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from followup.adapters.notify import OutboundNotifier
from followup.wiring import runtime
from followup_local.engine import LocalEngine
from tests.support.builders import journey, quiet_contact
from tests.support.hooks import serving

HOUR = timedelta(hours=1)
PUBLIC = "93.184.215.14"
"""A public address, what a slow name server finally answers on Lambda."""


def receiver(seen: list[dict[str, Any]], *, basic: str | None = None) -> type:
    """A CRM that keeps the path, Host and Authorization of each request, and answers 200
    (401 when it expects `basic` and did not get it)."""

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(
                {
                    "path": self.path,
                    "host": self.headers.get("Host"),
                    "auth": self.headers.get("Authorization"),
                }
            )
            ok = basic is None or self.headers.get("Authorization") == basic
            self.send_response(200 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    return Receiver


class Lookup:
    """A name server that answers only once the test lets it (or after a minute): whether
    it had answered when the delivery ended tells whether the delivery waited for it."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.answered = threading.Event()

    def wait(self) -> None:
        self.release.wait(60)
        self.answered.set()


def notify_once(engine: LocalEngine, address: str, phone: str) -> dict[str, Any]:
    """Save a journey notifying `address` about a quiet lead, and run one enqueue tick."""
    engine.deps.rules.save_rule(journey({"kind": "action", "do": "notify", "webhook": address}))
    quiet_contact(engine.deps, phone, engine.clock.now() - 25 * HOUR)
    report: dict[str, Any] = engine.scheduled("enqueue")
    return report


def test_a_webhook_address_with_accented_letters_is_delivered_encoded(
    engine: LocalEngine,
) -> None:
    # Given a CRM whose hook's address has accented letters in its path and query
    seen: list[dict[str, Any]] = []
    with serving(receiver(seen)) as url:
        # When the tick notifies it
        report = notify_once(engine, f"{url}/hooks/matrícula?etapa=inscrição", "6281100000991")
    # Then it is delivered, at the address percent-encoded as a browser would send it
    assert (report["notified"], report["notify_failed"]) == (1, 0)
    assert [s["path"] for s in seen] == ["/hooks/matr%C3%ADcula?etapa=inscri%C3%A7%C3%A3o"]


def test_a_webhook_to_an_international_host_name_is_delivered(engine: LocalEngine) -> None:
    # Given a CRM at an international host name, which the name server knows by its
    # ASCII (IDNA) form
    asked: list[str] = []

    def resolve(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return ["127.0.0.1"] if host == "xn--bcher-kva.example" else []

    secret = engine.config.notify_secret.get_secret_value()
    engine.deps.notifier = OutboundNotifier(
        httpx.Client(timeout=engine.config.notify_timeout_seconds), secret, resolve=resolve
    )
    seen: list[dict[str, Any]] = []
    with serving(receiver(seen)) as url:
        port = urlsplit(url).port
        # When the tick notifies it
        report = notify_once(engine, f"http://bücher.example:{port}/hook", "6281100000992")
    # Then it is delivered, the host asked for and named in its ASCII form
    assert (report["notified"], report["notify_failed"]) == (1, 0)
    assert asked == ["xn--bcher-kva.example"]
    assert [s["host"] for s in seen] == [f"xn--bcher-kva.example:{port}"]


def test_a_webhook_address_with_login_details_sends_them_as_basic_authentication(
    engine: LocalEngine,
) -> None:
    # Given a CRM that takes only requests authenticated as crm / s3cret, and a hook
    # address that carries those login details
    seen: list[dict[str, Any]] = []
    with serving(receiver(seen, basic="Basic Y3JtOnMzY3JldA==")) as url:
        address = url.replace("http://", "http://crm:s3cret@") + "/hooks/followup"
        # When the tick notifies it
        report = notify_once(engine, address, "6281100000993")
    # Then the request carried them, and the CRM took the notification
    assert [s["auth"] for s in seen] == ["Basic Y3JtOnMzY3JldA=="]
    assert (report["notified"], report["notify_failed"]) == (1, 0)


def test_a_webhook_to_an_ipv6_address_names_its_host_in_brackets(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a CRM at an IPv6 address (this machine may have no IPv6: its connections are
    # taken to the CRM on 127.0.0.1)
    connect = socket.create_connection

    def to_loopback(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        host, port = address
        return connect(("127.0.0.1" if host == "2001:db8::10" else host, port), *args, **kwargs)

    seen: list[dict[str, Any]] = []
    with serving(receiver(seen)) as url:
        port = urlsplit(url).port
        monkeypatch.setattr(socket, "create_connection", to_loopback)
        # When the tick notifies it
        report = notify_once(engine, f"http://[2001:db8::10]:{port}/hooks", "6281100000994")
    # Then the request names the host as an address's authority does, in brackets
    assert [s["host"] for s in seen] == [f"[2001:db8::10]:{port}"]
    assert (report["notified"], report["notify_failed"]) == (1, 0)


def test_a_webhook_whose_name_server_is_slow_keeps_to_the_deadline(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given notifications with half a second in all, and a CRM whose name server answers
    # only when the test lets it
    system_lookup = socket.getaddrinfo
    lookup = Lookup()

    def slow(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "crm.slow-dns.example":
            lookup.wait()
            host = "127.0.0.1"
        return system_lookup(host, *args, **kwargs)

    config = engine.configure(notify_timeout_seconds=0.25)
    engine.deps.notifier = runtime.notifier(config)
    seen: list[dict[str, Any]] = []
    with serving(receiver(seen)) as url:
        port = urlsplit(url).port
        monkeypatch.setattr(socket, "getaddrinfo", slow)
        # When the tick notifies it
        report = notify_once(engine, f"http://crm.slow-dns.example:{port}/hook", "6281100000995")
        waited = lookup.answered.is_set()
        lookup.release.set()
    # Then the tick gave up on it without waiting for the name server, and kept it to try
    # again
    assert not waited
    assert (report["notified"], report["notify_failed"], seen) == (0, 1, [])
    [kept] = engine.deps.notifications.pending_notifications(engine.clock.now() + HOUR)
    assert "no answer" in (kept.item.last_error or "")


def test_a_webhook_whose_name_server_is_slow_keeps_to_the_deadline_on_lambda(
    engine: LocalEngine,
) -> None:
    # Given the engine on Lambda (public addresses only), notifications with half a second
    # in all, and a CRM whose name server answers only when the test lets it
    lookup = Lookup()

    def slow(host: str, port: int) -> Sequence[str]:
        lookup.wait()
        return [PUBLIC]

    secret = engine.config.notify_secret.get_secret_value()
    engine.deps.notifier = OutboundNotifier(
        httpx.Client(timeout=0.25), secret, private_addresses=False, resolve=slow
    )
    # When the tick notifies it
    report = notify_once(engine, "https://crm.slow-dns.example/hook", "6281100000996")
    waited = lookup.answered.is_set()
    lookup.release.set()
    # Then the tick gave up on it without waiting for the name server
    assert not waited
    assert (report["notified"], report["notify_failed"]) == (0, 1)
