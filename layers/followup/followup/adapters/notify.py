"""Journeys' notifications out: a signed webhook, or an event on the bus.

A webhook is an httpx request, so its address goes as httpx sends one (accented letters
percent-encoded, an international host name in its ASCII form, login details in it as
basic authentication, an IPv6 host in brackets), over connections of the notifier's own
(httpcore's, through `_CheckedTransport`).

A webhook keeps to one deadline in all, not only to a timeout per read: a receiver that
answers a byte every few seconds would meet every read's timeout and still hold the tick.
Its connections cap the host's name lookup and each connect, read and write by the time
the request has left.

A connection resolves its host once and connects to the addresses found; where private
addresses are refused, it first checks every one of them: a name server that answers a
public address to a check and the engine's own network to the connection after it (DNS
rebinding) reaches nothing. TLS still names the host (SNI and the certificate's check),
not the address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import Any, cast

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
    """httpcore's own sockets, each connection `_Bounded`, to the addresses `resolve` gave
    for its host, asked once per connection within the time left; unless
    `private_addresses`, only when every one of them is public."""

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
        *others, last = _addresses(
            host, port, self._resolve, public_only=not self._private_addresses
        )
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


class _Body(httpx.SyncByteStream):
    """An httpcore answer's body, as httpx reads one."""

    def __init__(self, inner: Iterable[bytes]) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


class _CheckedTransport(httpx.BaseTransport):
    """httpx's requests over an httpcore pool whose connections go through `backend`: each
    request converted as httpx's own `HTTPTransport` converts it (the host, port and target
    httpx encoded, its headers, Host and Authorization among them, its body and timeouts)."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=backend
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sent = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=cast(Iterable[bytes], request.stream),
            extensions=request.extensions,
        )
        answer = self._pool.handle_request(sent)
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(cast(Iterable[bytes], answer.stream)),
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self._pool.close()


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
    in all, its host's name lookup included (default: its connect and read timeouts
    together, what the tick budgets for one that never answers); past it, it fails as one
    with no answer. It goes over connections of its own that keep to that deadline: `http`
    gives the timeouts and the headers.

    It connects to the addresses `resolve` (default: the system's resolver) finds for the
    host when connecting. Unless `private_addresses`, it goes only to public ones: the host
    is checked before the request, and again by the connection, whose answer is the one it
    connects to; a host with any other fails as refused."""

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
        if deadline is None and timeouts.connect is not None and timeouts.read is not None:
            deadline = timeouts.connect + timeouts.read
        self._deadline = deadline
        self._resolve = resolve or _system_resolve
        backend = _BoundedBackend(self._resolve, private_addresses=private_addresses)
        self._http = httpx.Client(
            transport=_CheckedTransport(backend), timeout=timeouts, headers=http.headers
        )
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
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: sign(self._secret, body),
            TIMESTAMP: timestamp,
            SIGNED_AT: sign_at(self._secret, timestamp, body),
        }
        ends_at = None if self._deadline is None else time.monotonic() + self._deadline
        started = _ENDS_AT.set(ends_at)
        try:
            if not self._private_addresses:
                _public_only(url, self._resolve)
            # Only the status is read: a receiver cannot hold the tick by trickling a body,
            # nor by trickling the headers past the deadline.
            with self._http.stream("POST", url, content=body, headers=headers) as response:
                status = response.status_code
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
    runs in, or the instance metadata service (169.254.169.254). The host is the one the
    request names (an international name in its ASCII form). The connection checks its
    own answer again, and that is the one it goes to."""
    parsed = httpx.URL(url)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    _addresses(parsed.raw_host.decode("ascii"), port, resolve, public_only=True)


def _system_resolve(host: str, port: int) -> list[str]:
    """The system resolver's addresses for `host`, each once, in its order."""
    found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(address[0]) for *_, address in found))


def _lookup(host: str, port: int, resolve: Resolve) -> list[str]:
    """What `resolve` answers for `host`, waited for no longer than the webhook under way
    has left: past that, httpcore's ConnectTimeout, the lookup left to end in its thread."""
    if _ENDS_AT.get() is None:
        return list(resolve(host, port))
    found: list[list[str]] = []
    failed: list[Exception] = []

    def ask() -> None:
        try:
            found.append(list(resolve(host, port)))
        except Exception as exc:  # handed to the waiting request below
            failed.append(exc)

    wait = _left(None, httpcore.ConnectTimeout)
    worker = threading.Thread(target=ask, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(wait)
    if failed:
        raise failed[0]
    if not found:
        raise httpcore.ConnectTimeout(f"no address for {host} within the deadline")
    return found[0]


def _addresses(host: str, port: int, resolve: Resolve, *, public_only: bool) -> list[str]:
    """`host`'s addresses (itself if it is one, else what `resolve` answers, asked once,
    within the time left); DeliveryFailed when it has none or, if `public_only`, when any
    of them is not public."""
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = _lookup(host, port, resolve)
        except (OSError, UnicodeError) as exc:
            raise DeliveryFailed(
                f"no answer: the host cannot be resolved ({type(exc).__name__})"
            ) from exc
    if not addresses:
        raise DeliveryFailed("no answer: the host cannot be resolved (no address)")
    if not public_only:
        return addresses
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise DeliveryFailed(f"refused: {host} is not a public address ({ip})")
    return addresses
