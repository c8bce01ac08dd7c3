"""Cognito's hosted UI as the admin app meets it, on 127.0.0.1: the authorization code
flow with PKCE, its `/oauth2/authorize` redirect and its `/oauth2/token` exchange, the
`refresh_token` grant that renews the ID token, `/oauth2/revoke` and `/logout`, speaking
their wire format (query and form parameters, the JSON answer, `invalid_grant`), with the
hosted UI's own session: a cookie that signs the browser in again without asking anyone,
until `/logout` ends it."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlencode, urlsplit

CLIENT_ID = "admin-app"
COOKIE = "cognito"
"""The hosted UI's session cookie, on its own domain."""


@dataclass
class Asked:
    """A code handed out, and what its exchange must show."""

    challenge: str
    redirect_uri: str


@dataclass
class HostedUi:
    """The hosted UI signing every visitor in as whoever `token` issues an ID token for.
    `exchanged` counts the codes traded for a token; `refused` the exchanges refused.

    Each exchange also hands out a refresh token, good until revoked or `end_sessions`:
    `renewed` holds the ID tokens issued for one, `refused_renewals` the refresh tokens
    refused, `revoked` those revoked. With `rotate`, each renewal hands out a new refresh
    token in place of the one shown, as Cognito's refresh token rotation does.

    A browser asked who it is (`asked_who`) gets the hosted UI's session cookie, and the
    next time it is sent to sign in, the cookie alone signs it in as the same user
    (`remembered`). `/logout` ends that session when it names this client and its allowed
    sign-out URL, the app's address as `redirect_uri` is (infra/access.py sets both so):
    `logouts` holds the query of each call, the refused ones too."""

    token: Callable[[], str]
    redirect_uri: str
    rotate: bool = False
    codes: dict[str, Asked] = field(default_factory=dict)
    exchanged: int = 0
    refused: list[str] = field(default_factory=list)
    refresh_tokens: set[str] = field(default_factory=set)
    renewed: list[str] = field(default_factory=list)
    refused_renewals: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    sessions: set[str] = field(default_factory=set)
    asked_who: int = 0
    remembered: int = 0
    logouts: list[dict[str, str]] = field(default_factory=list)

    def __enter__(self) -> HostedUi:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def authorize(
        self, query: dict[str, str], session: str | None = None
    ) -> tuple[int, dict[str, str]]:
        """Where the browser goes next: back to the app with a code and its state. A browser
        without a live `session` is asked who it is (here: always the same user, at once)
        and given one."""
        if (
            query.get("response_type") != "code"
            or query.get("client_id") != CLIENT_ID
            or query.get("redirect_uri") != self.redirect_uri
            or query.get("code_challenge_method") != "S256"
            or not query.get("code_challenge")
            or not query.get("state")
        ):
            return 400, {}
        code = secrets.token_urlsafe(16)
        self.codes[code] = Asked(query["code_challenge"], query["redirect_uri"])
        back = urlencode({"code": code, "state": query["state"]})
        headers = {"Location": f"{query['redirect_uri']}?{back}"}
        if session in self.sessions:
            self.remembered += 1
        else:
            self.asked_who += 1
            started = secrets.token_urlsafe(16)
            self.sessions.add(started)
            headers["Set-Cookie"] = f"{COOKIE}={started}; Path=/; HttpOnly; SameSite=Lax"
        return 302, headers

    def logout(
        self, query: dict[str, str], session: str | None = None
    ) -> tuple[int, dict[str, str]]:
        """Ends the browser's session and sends it to `logout_uri`, when the call names
        this client and one of its allowed sign-out URLs; otherwise an error page, the
        session kept."""
        self.logouts.append(query)
        if query.get("client_id") != CLIENT_ID or query.get("logout_uri") != self.redirect_uri:
            return 400, {}
        self.sessions.discard(session or "")
        return 302, {
            "Location": query["logout_uri"],
            "Set-Cookie": f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
        }

    def end_sessions(self) -> None:
        """Every refresh token handed out expires: renewing with it is refused."""
        self.refresh_tokens.clear()

    def exchange(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        """The tokens for a code, once, to whoever shows the verifier of its challenge;
        a new ID token for a refresh token still good."""
        if form.get("grant_type") == "refresh_token":
            return self.renew(form)
        asked = self.codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "").encode()
        shown = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (
            asked is None
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != CLIENT_ID
            or form.get("redirect_uri") != asked.redirect_uri
            or shown.decode() != asked.challenge
        ):
            self.refused.append(form.get("code", ""))
            return 400, {"error": "invalid_grant"}
        self.exchanged += 1
        issued = self.token()
        return 200, {
            "id_token": issued,
            "access_token": issued,
            "refresh_token": self._refresh_token(),
            "expires_in": 3600,
            "token_type": "Bearer",
        }

    def renew(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        """The `refresh_token` grant of a public client: no secret, the client id."""
        shown = form.get("refresh_token", "")
        if form.get("client_id") != CLIENT_ID or shown not in self.refresh_tokens:
            self.refused_renewals.append(shown)
            return 400, {"error": "invalid_grant"}
        issued = self.token()
        self.renewed.append(issued)
        answer: dict[str, object] = {
            "id_token": issued,
            "access_token": issued,
            "expires_in": 3600,
            "token_type": "Bearer",
        }
        if self.rotate:
            self.refresh_tokens.discard(shown)
            answer["refresh_token"] = self._refresh_token()
        return 200, answer

    def revoke(self, form: dict[str, str]) -> int:
        """Revokes a refresh token of this client; one unknown is answered alike (RFC 7009)."""
        if form.get("client_id") != CLIENT_ID:
            return 400
        shown = form.get("token", "")
        if shown in self.refresh_tokens:
            self.refresh_tokens.discard(shown)
            self.revoked.append(shown)
        return 200

    def _refresh_token(self) -> str:
        issued = secrets.token_urlsafe(32)
        self.refresh_tokens.add(issued)
        return issued

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        ui = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                endpoints = {"/oauth2/authorize": ui.authorize, "/logout": ui.logout}
                if parts.path not in endpoints:
                    self._answer(404, {})
                    return
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                cookie = SimpleCookie(self.headers.get("Cookie") or "").get(COOKIE)
                session = None if cookie is None else cookie.value
                status, headers = endpoints[parts.path](query, session)
                self._answer(status, headers)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if self.path == "/oauth2/revoke":
                    self._answer(ui.revoke(form), {})
                    return
                if self.path != "/oauth2/token":
                    self._answer(404, {})
                    return
                status, body = ui.exchange(form)
                self._answer(status, {"Content-Type": "application/json"}, json.dumps(body))

            def _answer(self, status: int, headers: dict[str, str], body: str = "") -> None:
                self.send_response(status)
                # the token endpoint answers the app's origin, as Cognito's does
                self.send_header("Access-Control-Allow-Origin", "*")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test says what matters."""

        return Handler
