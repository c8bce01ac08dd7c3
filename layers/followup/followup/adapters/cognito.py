"""Checks Cognito JWTs the way the HTTP API's JWT authorizer does, for WebSocket sign-ins.

Browsers cannot set headers on a WebSocket, so the admin app passes its token in the
`token` query parameter of `$connect`, and a Lambda authorizer checks it here:
signature against the pool's published keys (fetched once, then cached), issuer,
expiry, and the app client (`aud` on ID tokens, `client_id` on access tokens).
"""

from __future__ import annotations

from typing import Any

import jwt

from followup.adapters.timeouts import JWKS


class InvalidToken(Exception):
    """Not a token this user pool issued to this app client, or no longer valid."""


class CognitoVerifier:
    def __init__(self, issuer: str, client_id: str, *, jwks_url: str | None = None) -> None:
        if not issuer or not client_id:
            raise ValueError("COGNITO_ISSUER and COGNITO_CLIENT_ID must be set")
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._keys = jwt.PyJWKClient(
            jwks_url or f"{self.issuer}/.well-known/jwks.json",
            cache_keys=True,
            lifespan=3600,
            timeout=JWKS.read,  # not PyJWT's 30 s: the authorizer has 10
        )

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or InvalidToken with the reason."""
        if not token:
            raise InvalidToken("no token")
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iss", "sub", "token_use"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(str(error)) from error
        use = claims["token_use"]
        client = claims.get("aud") if use == "id" else claims.get("client_id")
        if use not in ("id", "access") or client != self.client_id:
            raise InvalidToken("issued for another app client")
        return claims
