"""Journeys' notifications out: a signed webhook over httpx's connections (httpcore), or an
event on the bus.

A webhook keeps to one deadline in all, not only to a timeout per read: a receiver that
answers a byte every few seconds would meet every read's timeout and still hold the tick.
Its connections cap each connect, read and write by the time the request has left.

Where private addresses are refused, a connection resolves its host once, checks every
address found, and connects to those: a name server that answers a public address to a
check and the engine's own network to the connection after it (DNS rebinding) reaches
nothing. TLS still names the host (SNI and the certificate's check), not the address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx
from botocore.exceptions import BotoCoreError, ClientError

from followup.domain.notification import Notification
from followup.services.ports import DeliveryFailed

SOURCE = "followup.journeys"
SIGNATURE = "X-Followup-Signature"
TIMESTAMP = "X-Followup-Timestamp"
SIGNED_AT = "X-Followup-Signature-Timestamped"

Resolve = Callable[[str, int], Sequence[str]]
"""A host's addresses for a port, as text (`"203.0.113.7"`, `"2001:db8::1"`)."""

_ENDS_AT: ContextVar[float | None] = ContextVar("notify_ends_at", default=None)
"""When the webhook under way must be done (`time.monotonic()`), or None: no deadline."""


def _left(timeout: float | None, late: type[httpcore.TimeoutException]) -> float | None:
    """`timeout`, cut to the time the webhook under way has left; `late` once none is."""
    ends_at = _ENDS_AT.get()
    if ends_at is None:
        return timeout
    left = ends_at - time.monotonic()
    if left <= 0:
        raise late("the notification's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _Bounded(httpcore.NetworkStream):
    """A connection whose every read and write waits no longer than the time left."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bound = _left(timeout, httpcore.ConnectTimeout)
        return _Bounded(self._inner.start_tls(ssl_context, server_hostname, bound))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _BoundedBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, each connection `_Bounded`; unless `private_addresses`,
    only to the public addresses `resolve` gave for its host, asked once per connection."""

    def __init__(self, resolve: Resolve, *, private_addresses: bool) -> None:
        self._inner = httpcore.SyncBackend()
        self._resolve = resolve
        self._private_addresses = private_addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        if self._private_addresses:
            bound = _left(timeout, httpcore.ConnectTimeout)
            return _Bounded(
                self._inner.connect_tcp(host, port, bound, local_address, socket_options)
            )
        *others, last = _public_addresses(host, port, self._resolve)
        for address in others:  # the next one on failure, as the system's own connect does
            bound = _left(timeout, httpcore.ConnectTimeout)
            try:
                return _Bounded(
                    self._inner.connect_tcp(address, port, bound, local_address, socket_options)
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        bound = _left(timeout, httpcore.ConnectTimeout)
        return _Bounded(self._inner.connect_tcp(last, port, bound, local_address, socket_options))

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        bound = _left(timeout, httpcore.ConnectTimeout)
        return _Bounded(self._inner.connect_unix_socket(path, bound, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: the HMAC-SHA256 of the body, hex, with its scheme."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def sign_at(secret: str, timestamp: str, body: bytes) -> str:
    """The timestamped signature: the HMAC-SHA256 of `<timestamp>.<body>`, so a receiver
    that checks the time also knows nobody changed it (a replayed request cannot pass as
    a new one)."""
    signed = timestamp.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class OutboundNotifier:
    """Posts a webhook notification signed with `secret`, or puts a bus one on `bus_name`
    through the EventBridge client `events()` builds (on first use: most runs send none).

    A webhook waits each phase as long as `http`'s timeouts say, and `deadline` seconds
    in all (default: its connect and read timeouts together, what the tick budgets for one
    that never answers); past it, it fails as one with no answer. It goes over connections
    of its own that keep to that deadline: `http` gives the timeouts and the headers.

    Unless `private_addresses`, it goes only to public addresses: the ones `resolve`
    (default: the system's resolver) finds for the host when connecting, which are the
    ones it connects to; a host with any other fails as refused."""

    def __init__(
        self,
        http: httpx.Client,
        secret: str,
        bus_name: str = "",
        events: Callable[[], Any] | None = None,
        *,
        private_addresses: bool = True,
        deadline: float | None = None,
        resolve: Resolve | None = None,
    ) -> None:
        timeouts = http.timeout
        self._timeouts = timeouts.as_dict()
        self._headers = dict(http.headers)
        if deadline is None and timeouts.connect is not None and timeouts.read is not None:
            deadline = timeouts.connect + timeouts.read
        self._deadline = deadline
        self._resolve = resolve or _system_resolve
        backend = _BoundedBackend(self._resolve, private_addresses=private_addresses)
        self._pool = httpcore.ConnectionPool(network_backend=backend)
        self._secret = secret
        self._bus_name, self._events = bus_name, events
        self._client: Any = None
        self._private_addresses = private_addresses

    def deliver(self, notification: Notification, now: datetime) -> None:
        body = json.dumps(notification.body(), separators=(",", ":"), sort_keys=True)
        if notification.webhook is not None:
            self._post(notification.webhook, body.encode(), now)
        else:
            self._put_event(notification.detail_type or "notification", body)

    def _post(self, url: str, body: bytes, now: datetime) -> None:
        if not self._secret:
            raise DeliveryFailed("no signing key is configured (NOTIFY_SECRET)")
        if not self._private_addresses:
            _public_only(url, self._resolve)
        timestamp = str(int(now.timestamp()))
        headers = {
            **self._headers,
            "Content-Type": "application/json",
            SIGNATURE: sign(self._secret, body),
            TIMESTAMP: timestamp,
            SIGNED_AT: sign_at(self._secret, timestamp, body),
        }
        ends_at = None if self._deadline is None else time.monotonic() + self._deadline
        started = _ENDS_AT.set(ends_at)
        try:
            # Only the status is read: a receiver cannot hold the tick by trickling a body,
            # nor by trickling the headers past the deadline.
            with self._pool.stream(
                "POST",
                url,
                content=body,
                headers=list(headers.items()),
                extensions={"timeout": self._timeouts},
            ) as response:
                status = response.status
        except DeliveryFailed:
            raise
        except Exception as exc:  # no answer, or an address no request can go to
            raise DeliveryFailed(f"no answer: {type(exc).__name__}") from exc
        finally:
            _ENDS_AT.reset(started)
        if not 200 <= status < 300:
            raise DeliveryFailed(f"answered {status}")

    def _put_event(self, detail_type: str, detail: str) -> None:
        if not self._bus_name or self._events is None:
            raise DeliveryFailed("no event bus is configured")
        if self._client is None:
            self._client = self._events()
        entry = {
            "Source": SOURCE,
            "DetailType": detail_type,
            "Detail": detail,
            "EventBusName": self._bus_name,
        }
        try:
            answer = self._client.put_events(Entries=[entry])
        except (BotoCoreError, ClientError) as exc:  # no answer in time, or a refusal
            raise DeliveryFailed(f"no answer from the bus: {type(exc).__name__}") from exc
        if answer.get("FailedEntryCount"):
            failure = answer["Entries"][0]
            raise DeliveryFailed(f"bus refused it: {failure.get('ErrorCode', 'unknown')}")


def _public_only(url: str, resolve: Resolve) -> None:
    """DeliveryFailed unless every address `url`'s host resolves to now is public, before
    any request is made: a rule may not make the engine post to itself, the network it
    runs in, or the instance metadata service (169.254.169.254). The connection checks its
    own answer again, and that is the one it goes to."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    _public_addresses(parts.hostname or "", port, resolve)


def _system_resolve(host: str, port: int) -> list[str]:
    """The system resolver's addresses for `host`, each once, in its order."""
    found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(address[0]) for *_, address in found))


def _public_addresses(host: str, port: int, resolve: Resolve) -> list[str]:
    """`host`'s addresses (itself if it is one, else what `resolve` answers, asked once);
    DeliveryFailed when it has none or any of them is not public."""
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = list(resolve(host, port))
        except (OSError, UnicodeError) as exc:
            raise DeliveryFailed(
                f"no answer: the host cannot be resolved ({type(exc).__name__})"
            ) from exc
    if not addresses:
        raise DeliveryFailed("no answer: the host cannot be resolved (no address)")
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise DeliveryFailed(f"refused: {host} is not a public address ({ip})")
    return addresses
