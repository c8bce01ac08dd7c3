"""Journeys' notifications out: a signed webhook over httpx, or an event on the bus."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from botocore.exceptions import BotoCoreError, ClientError

from followup.domain.notification import Notification
from followup.services.ports import DeliveryFailed

SOURCE = "followup.journeys"
SIGNATURE = "X-Followup-Signature"
TIMESTAMP = "X-Followup-Timestamp"
SIGNED_AT = "X-Followup-Signature-Timestamped"


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
    through the EventBridge client `events()` builds (on first use: most runs send none)."""

    def __init__(
        self,
        http: httpx.Client,
        secret: str,
        bus_name: str = "",
        events: Callable[[], Any] | None = None,
        *,
        private_addresses: bool = True,
    ) -> None:
        self._http, self._secret = http, secret
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
            _public_only(url)
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE: sign(self._secret, body),
            TIMESTAMP: timestamp,
            SIGNED_AT: sign_at(self._secret, timestamp, body),
        }
        try:
            # Only the status is read: a receiver cannot hold the tick by trickling a body.
            with self._http.stream("POST", url, content=body, headers=headers) as response:
                status = response.status_code
        except Exception as exc:  # no answer, or an address no request can go to
            raise DeliveryFailed(f"no answer: {type(exc).__name__}") from exc
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


def _public_only(url: str) -> None:
    """DeliveryFailed unless every address `url`'s host resolves to is public: a rule may
    not make the engine post to itself, the network it runs in, or the instance metadata
    service (169.254.169.254)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise DeliveryFailed(
            f"no answer: the host cannot be resolved ({type(exc).__name__})"
        ) from exc
    for *_, address in found:
        ip = ipaddress.ip_address(address[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if not ip.is_global:
            raise DeliveryFailed(f"refused: {host} is not a public address ({ip})")
