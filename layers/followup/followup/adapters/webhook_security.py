"""Who may post to the webhook: path and header secrets, Meta's signature and handshake.

Every comparison is constant-time, so response timing reveals nothing about a secret.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

_SIGNATURE_PREFIX = "sha256="


def secrets_of(configured: str) -> list[str]:
    """The secrets `configured` holds: several, comma-separated, while they rotate."""
    return [secret.strip() for secret in configured.split(",") if secret.strip()]


def secret_matches(given: str, configured: str) -> bool:
    """`configured` may hold several comma-separated secrets (rotation)."""
    matched = False
    for candidate in secrets_of(configured):
        matched |= hmac.compare_digest(given.encode(), candidate.encode())
    return matched


def header_matches(headers: Mapping[str, str], name: str, secret: str) -> bool:
    """True when no header secret is configured, or the header carries it."""
    if not name or not secret:
        return True
    given = next((v for k, v in headers.items() if k.lower() == name.lower()), "")
    return hmac.compare_digest(given.encode(), secret.encode())


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """Meta's `X-Hub-Signature-256: sha256=<HMAC-SHA256(app secret, raw body)>`."""
    if not header or not header.startswith(_SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix(_SIGNATURE_PREFIX).encode(), expected.encode())


def sign(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for `body` (tests and the local sandbox)."""
    return _SIGNATURE_PREFIX + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def handshake(params: Mapping[str, str], verify_token: str) -> str | None:
    """The challenge to echo for a valid `hub.mode=subscribe` verification, else None."""
    if not verify_token or params.get("hub.mode") != "subscribe":
        return None
    token = params.get("hub.verify_token", "")
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge", "")
