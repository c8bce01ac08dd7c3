"""Signed one-click unsubscribe tokens (RFC 8058): the link names the contact, and only a
link this workspace signed is honoured."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

_PURPOSE = b"unsubscribe:email:"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, contact_id: str) -> bytes:
    return hmac.new(secret.encode(), _PURPOSE + contact_id.encode(), hashlib.sha256).digest()


def sign(secret: str, contact_id: str) -> str:
    """The token for the contact's unsubscribe link."""
    return f"{_b64(contact_id.encode())}.{_b64(_signature(secret, contact_id))}"


def verify(secret: str, token: str) -> str | None:
    """The contact a token names, or None when it is malformed or not signed with `secret`."""
    encoded, _, signature = token.partition(".")
    if not encoded or not signature or not secret:
        return None
    try:
        contact_id = _unb64(encoded).decode()
        given = _unb64(signature)
    except (binascii.Error, ValueError):
        return None
    return contact_id if hmac.compare_digest(given, _signature(secret, contact_id)) else None
