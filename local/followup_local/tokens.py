"""Local sign-in: JWTs shaped like Cognito ID tokens, signed with a key kept on this machine.

In AWS the HTTP API's JWT authorizer checks Cognito's tokens. Locally the gateway
checks these instead and hands the handlers the same claims, so role checks run
unchanged. The key comes from `FOLLOWUP_DEV_JWT_SECRET`, else from a file in the
state directory created on first use (readable by its owner only).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt

from followup.api.auth import Role

ISSUER = "followup-local"
AUDIENCE = "followup-admin"
ALGORITHM = "HS256"
KEY_FILE = "dev-jwt.key"
KEY_ENV = "FOLLOWUP_DEV_JWT_SECRET"
LIFETIME = timedelta(hours=12)


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired or not signed with the local key."""


@dataclass(frozen=True)
class DevTokens:
    key: str

    @classmethod
    def load(cls, state_dir: Path) -> DevTokens:
        """The key from the environment, else the state directory's (created if missing)."""
        if configured := os.environ.get(KEY_ENV):
            return cls(configured)
        path = state_dir / KEY_FILE
        if not path.exists():
            state_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(32))
        return cls(path.read_text().strip())

    def issue(self, role: Role, *, now: datetime | None = None) -> str:
        issued = now or datetime.now(UTC)
        claims = {
            "sub": f"local-{role.value}",
            "email": f"{role.value}@followup.local",
            "email_verified": True,
            "cognito:groups": [role.value],
            "token_use": "id",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": int(issued.timestamp()),
            "exp": int((issued + LIFETIME).timestamp()),
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM)

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or InvalidToken saying why not."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        return claims


def as_authorizer_claims(claims: dict[str, Any]) -> dict[str, str]:
    """Claims the way an HTTP API's JWT authorizer passes them: strings, lists as "[a b]",
    booleans as JSON writes them ("true")."""
    return {name: _as_text(value) for name, value in claims.items()}


def _as_text(value: Any) -> str:
    if isinstance(value, list):
        return f"[{' '.join(map(str, value))}]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
