"""A Cognito user pool as the WebSocket authorizer meets it: its published keys served on
127.0.0.1, and ID tokens signed with them (or with a key it does not publish)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from followup_local.engine import LocalEngine
from functions.ws_authorizer import handler as ws_authorizer
from tests.support.hooks import serving

CLIENT_ID = "4example0client0id0000000"
SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class _Jwks(BaseHTTPRequestHandler):
    """The user pool's published keys, as Cognito serves them."""

    def do_GET(self) -> None:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key(), as_dict=True)
        body = json.dumps({"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
        self.send_response(200 if self.path == "/pool/.well-known/jwks.json" else 404)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


def user_pool(engine: LocalEngine) -> Iterator[str]:
    """The pool's issuer URL, the engine configured to trust it while it serves."""
    with serving(_Jwks) as base:
        url = f"{base}/pool"
        engine.configure(cognito_issuer=url, cognito_client_id=CLIENT_ID)
        ws_authorizer.verifier.cache_clear()
        yield url
        ws_authorizer.verifier.cache_clear()


def token(issuer: str, key: Any = SIGNING_KEY, **overrides: Any) -> str:
    claims = {
        "sub": "5f3c2b1a-0000-4000-8000-000000000001",
        "cognito:groups": ["marketing"],
        "iss": issuer,
        "aud": CLIENT_ID,
        "token_use": "id",
        "exp": 2_000_000_000,
        "iat": 1_700_000_000,
    } | overrides
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
