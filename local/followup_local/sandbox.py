"""A fake 360dialog server on 127.0.0.1 that speaks the real wire format, for tests and demos."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from followup.domain.contact import USER_ID
from followup.domain.settings import SERVICE_WINDOW
from followup_local.background import BackgroundServer
from followup_local.sandbox_templates import SandboxTemplates
from followup_local.throttle import TokenBuckets, default_burst

_MARKETING = "/marketing_messages"
_SEND_PATHS = frozenset({"/messages", "/v1/messages", _MARKETING})
_WEBHOOK_CONFIG = "/v1/configs/webhook"
_TEMPLATES = "/v1/configs/templates"
_TEMPLATE_CHANGE = "/sandbox/templates"
_NO_TEMPLATE = 132001
_TITLES = {
    100: "Invalid parameter",
    132000: "Number of parameters does not match the expected number of params",
    _NO_TEMPLATE: "Template name does not exist in the translation",
    132015: "Template is Paused",
    132016: "Template is Disabled",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131055: "Method not allowed: accept the Marketing Messages API terms first",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    130472: "User's number is part of an experiment",
    130429: "Rate limit hit",
    4: "API Too Many Calls",
    80007: "Rate limit issues",
}


@dataclass(frozen=True)
class SandboxRequest:
    """One request the sandbox received and how it answered (`dropped`: closed unanswered)."""

    received_at: datetime
    path: str
    body: dict[str, Any] | None
    followup_id: str | None
    status: int
    wamid: str | None = None
    error_code: int | None = None
    dropped: bool = False
    tick: float = 0.0  # when it was received, in the seconds the rate limits count
    api_key: str | None = None  # the channel's key it came with: which number sent it


@dataclass
class _Injection:
    status: int
    code: int | None
    times: int
    to: str | None
    retry_after: str | None = None


@dataclass(frozen=True)
class _Answer:
    status: int
    payload: dict[str, Any]
    wamid: str | None = None
    error_code: int | None = None
    retry_after: str | None = None  # the Retry-After header's value, when it has one


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AnswerGate:
    """Holds every answer to a send until `count` sends wait at once, or until opened.

    Proves overlap by order, not by speed: a send is answered only after `count` were
    received, which only concurrent callers can achieve. `patience` is a safety net for
    a caller that never gets there; a send released by it is counted in `gave_up`.
    """

    def __init__(self, count: int, patience: float) -> None:
        self._count, self._patience = count, patience
        self._condition = threading.Condition()
        self._waiting = 0
        self._open = False
        self.most_waiting = 0
        self.gave_up = 0

    def hold(self) -> None:
        with self._condition:
            self._waiting += 1
            self.most_waiting = max(self.most_waiting, self._waiting)
            if self._waiting >= self._count:
                self._open = True
                self._condition.notify_all()
            if not self._condition.wait_for(lambda: self._open, timeout=self._patience):
                self.gave_up += 1
                self._open = True  # the proof failed already: answer the rest at once
                self._condition.notify_all()
            self._waiting -= 1

    def open(self) -> None:
        """Answer every held send now, and the following ones at once."""
        with self._condition:
            self._open = True
            self._condition.notify_all()


class WhatsAppSandbox(BackgroundServer):
    """Accepts sends like 360dialog, enforces the 24-hour window and the template
    catalogue (132001, 132000), and fails on demand."""

    label = "the WhatsApp sandbox"

    def __init__(
        self, api_key: str, clock: Callable[[], datetime] = _utc_now, *, port: int = 0
    ) -> None:
        self.latency = 0.0  # seconds to wait before answering (after recording the request)
        self.jitter = 0.0  # the latency varies evenly by up to this much either way
        self.ticks: Callable[[], float] = time.monotonic  # seconds, for the rate limits
        self._number_limit: TokenBuckets | None = None
        self._pair_limit: TokenBuckets | None = None
        self.gate: AnswerGate | None = None
        super().__init__(port)
        self._clock = clock
        self._keys = frozenset({api_key})  # one per sending number (channel)
        self._lock = threading.Lock()
        self._requests: list[SandboxRequest] = []
        self._inbound: dict[str, datetime] = {}
        self._injections: list[_Injection] = []
        self._drops = 0
        self.webhooks: dict[str, dict[str, Any]] = {}
        """What POST /v1/configs/webhook set, by API key: each number has its own."""
        self.templates = SandboxTemplates(clock)
        """The catalogue `GET /v1/configs/templates` serves; `POST /sandbox/templates`
        changes a template and answers with the webhook delivery that says so."""

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return _Server(address, self)

    def accept(self, api_key: str) -> None:
        """Take sends with this key too: another sending number's channel."""
        with self._lock:
            self._keys = self._keys | {api_key}  # replaced whole: read without the lock

    def _known(self, api_key: str | None) -> bool:
        return api_key in self._keys

    def record_inbound(self, wa_id: str, at: datetime) -> None:
        """The contact wrote to us at `at`: free text to them is allowed for 24 hours."""
        if at.tzinfo is None:
            raise ValueError("record_inbound needs a timezone-aware datetime")
        with self._lock:
            last = self._inbound.get(wa_id)
            self._inbound[wa_id] = at if last is None else max(last, at)

    def fail_next(
        self,
        *,
        status: int,
        code: int | None = None,
        times: int = 1,
        to: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        """Answer the next `times` sends (to `to`, or to anyone) with this error, and a
        `Retry-After` header of `retry_after` when given."""
        with self._lock:
            self._injections.append(_Injection(status, code, times, to, retry_after))

    def limit_rate(
        self,
        per_second: float,
        *,
        burst: float | None = None,
        pair_every: float = 6.0,
        pair_burst: float = 2.0,
    ) -> None:
        """Refuse sends above `per_second` for the number (429, error 130429; it tolerates
        bursts of `burst`, 250 ms worth by default), and to one recipient more often than
        once every `pair_every` seconds beyond `pair_burst` at once (429, error 131056)."""
        with self._lock:
            self._number_limit = TokenBuckets(per_second, burst or default_burst(per_second))
            self._pair_limit = TokenBuckets(1 / pair_every, pair_burst)

    def answer_delay(self) -> float:
        """How long the next answer waits: the latency, give or take the jitter."""
        if self.jitter <= 0:
            return self.latency
        return max(0.0, self.latency + random.uniform(-self.jitter, self.jitter))  # noqa: S311

    def hold_answers(self, until: int, patience: float = 30.0) -> AnswerGate:
        """Answer no send until `until` of them wait together (see `AnswerGate`)."""
        self.gate = AnswerGate(until, patience)
        return self.gate

    def drop_connection_next(self, times: int = 1) -> None:
        """Process the next sends but close the connection unanswered (a lost response)."""
        with self._lock:
            self._drops += times

    @property
    def requests(self) -> list[SandboxRequest]:
        """Every request received so far, in order."""
        with self._lock:
            return list(self._requests)

    def sent(self) -> list[SandboxRequest]:
        """The requests that were accepted (including those whose answer was dropped)."""
        return [request for request in self.requests if request.status == 200]

    def reset(self) -> None:
        """Forget requests, inbound messages, pending failures, latency and any held answers."""
        with self._lock:
            self._requests.clear()
            self._inbound.clear()
            self._injections.clear()
            self._drops = 0
            self.latency = self.jitter = 0.0
            self._number_limit = self._pair_limit = None
        self.templates.clear()
        if self.gate is not None:
            self.gate.open()
        self.gate = None

    def messages(self) -> list[dict[str, Any]]:
        """The accepted sends as `GET /sandbox/messages` shows them."""
        return [_summary(request) for request in self.sent()]

    def configure_webhook(self, api_key: str | None, raw: bytes | None) -> _Answer:
        """`/v1/configs/webhook`: read (raw None) or set where deliveries go, as 360dialog does."""
        if not self._known(api_key):
            return _error(401, 190, "Invalid API key", "D360-API-KEY is missing or wrong")
        if raw is None:
            with self._lock:
                return _Answer(200, self.webhooks.get(str(api_key), {}))
        try:
            body = json.loads(raw)
            url, headers = body["url"], body.get("headers") or {}
        except (ValueError, KeyError, TypeError):
            return _error(400, 100, "Invalid parameter", "send {url, headers}")
        problem = webhook_problem(url, headers)
        if problem:
            return _error(400, 100, "Invalid parameter", problem)
        with self._lock:
            self.webhooks[str(api_key)] = {"url": url, "headers": headers}
        return _Answer(200, {"url": url})

    def list_templates(self, api_key: str | None, query: str) -> _Answer:
        """`GET /v1/configs/templates?limit=&offset=`, as 360dialog pages it; a failure
        `templates.fail_next` set answers it instead."""
        if not self._known(api_key):
            return _error(401, 190, "Invalid API key", "D360-API-KEY is missing or wrong")
        refused = self.templates.take_failure()
        if refused is not None:
            status, code = refused
            return _error(status, code, "Injected sandbox failure", "injected by fail_next")
        params = parse_qs(query)
        try:
            limit = int(params.get("limit", ["1000"])[0])
            offset = int(params.get("offset", ["0"])[0])
        except ValueError:
            return _error(400, 100, _TITLES[100], "limit and offset are numbers")
        return _Answer(200, self.templates.listing(limit, offset))

    def change_template(self, raw: bytes) -> _Answer:
        """Change a template's status, quality or category; answers with the webhook."""
        body = _parse(raw)
        if body is None or not isinstance(body.get("name"), str):
            return _error(400, 100, _TITLES[100], "send {name, language, status|quality|category}")
        try:
            return _Answer(200, self.templates.change(body))
        except KeyError:
            return _error(404, _NO_TEMPLATE, _TITLES[_NO_TEMPLATE], "")
        except ValueError as exc:
            return _error(400, 100, _TITLES[100], str(exc))

    def _receive(self, path: str, api_key: str | None, raw: bytes) -> tuple[_Answer, bool]:
        received_at, tick = self._clock().astimezone(UTC), self.ticks()
        body = _parse(raw)
        answer, dropped = self._decide(body, api_key, received_at, tick)
        if answer.status == 200 and body is not None and body.get("type") == "template":
            refused = self.templates.refuse_template(body)
            if refused is not None:
                code, detail = refused
                status = 404 if code == _NO_TEMPLATE else 400
                answer, dropped = _error(status, code, _TITLES[code], detail), False
        if path == _MARKETING and answer.status == 200:
            refused = self.templates.refuse_marketing(body)
            if refused is not None:
                code, detail = refused
                answer, dropped = _error(400, code, _TITLES[code], detail), False
        callback = body.get("biz_opaque_callback_data") if body else None
        with self._lock:
            self._requests.append(
                SandboxRequest(
                    received_at,
                    path,
                    body,
                    callback if isinstance(callback, str) else None,
                    answer.status,
                    answer.wamid,
                    answer.error_code,
                    dropped,
                    tick,
                    api_key,
                )
            )
        return answer, dropped

    def _decide(
        self, body: dict[str, Any] | None, api_key: str | None, now: datetime, tick: float
    ) -> tuple[_Answer, bool]:
        if not self._known(api_key):
            return _error(401, 190, "Invalid API key", "D360-API-KEY is missing or wrong"), False
        with self._lock:
            dropped = self._drops > 0
            if dropped:
                self._drops -= 1
            injected = self._take_injection(body)
        if injected is not None:
            title = _TITLES.get(injected.code or 0, "Injected sandbox failure")
            answer = _error(injected.status, injected.code, title, "injected by fail_next")
            return replace(answer, retry_after=injected.retry_after), dropped
        if body is None:
            return _error(400, 100, _TITLES[100], "the body is not a JSON object"), dropped
        problem = _invalid(body)
        if problem is not None:
            return _error(400, 100, _TITLES[100], problem), dropped
        address = _address(body)
        throttled = self._throttled(api_key or "", address, tick)
        if throttled is not None:
            return _error(429, throttled, _TITLES[throttled], "sandbox rate limit"), dropped
        if body["type"] == "text" and not self._window_open(address, now):
            detail = "More than 24 hours have passed since the recipient last replied."
            return _error(400, 131047, _TITLES[131047], detail), dropped
        wamid = f"wamid.{uuid.uuid4().hex.upper()}"
        contacts = [{"input": address, "user_id" if "recipient" in body else "wa_id": address}]
        payload = {
            "messaging_product": "whatsapp",
            "contacts": contacts,
            "messages": [{"id": wamid}],
        }
        return _Answer(200, payload, wamid=wamid), dropped

    def _throttled(self, channel: str, to: str, at: float) -> int | None:
        """The rate-limit error this send draws (130429, 131056), or None when within limits:
        each number (channel key) has its own throughput, each pair its own pace."""
        with self._lock:
            number, pair = self._number_limit, self._pair_limit
        if number is not None and not number.take(channel, at):
            return 130429
        if pair is not None and not pair.take(f"{channel}#{to}", at):
            return 131056
        return None

    def _take_injection(self, body: dict[str, Any] | None) -> _Injection | None:
        to = _address(body) if body else None
        for injection in self._injections:
            if injection.to is None or injection.to == to:
                injection.times -= 1
                if injection.times <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    def _window_open(self, wa_id: str, now: datetime) -> bool:
        with self._lock:
            last = self._inbound.get(wa_id)
        return last is not None and last <= now and now - last < SERVICE_WINDOW


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _invalid(body: dict[str, Any]) -> str | None:
    """What is wrong with a send body, in the words of an error's details; None when valid."""
    to, recipient, kind = body.get("to"), body.get("recipient"), body.get("type")
    callback = body.get("biz_opaque_callback_data", "")
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product must be 'whatsapp'"
    if body.get("recipient_type", "individual") != "individual":
        return "recipient_type must be 'individual'"
    if (to is None) == (recipient is None):
        return "address the message with exactly one of to (phone) and recipient (user id)"
    if to is not None and not (isinstance(to, str) and to.isascii() and to.isdigit()):
        return "to must be a phone number written as digits"
    if recipient is not None and not (isinstance(recipient, str) and USER_ID.fullmatch(recipient)):
        return "recipient must be a business-scoped user id such as BR.1502576394655843"
    if not isinstance(callback, str) or len(callback) > 512:
        return "biz_opaque_callback_data must be a string of at most 512 characters"
    if kind == "text":
        text = body.get("text")
        text_body = text.get("body") if isinstance(text, dict) else None
        if not isinstance(text_body, str) or not text_body.strip() or len(text_body) > 4096:
            return "text.body must be a non-empty string of at most 4096 characters"
        return None
    if kind == "template":
        return _invalid_template(body.get("template"))
    return f"type {kind!r} is not supported by the sandbox: use text or template"


def _invalid_template(template: Any) -> str | None:
    if not isinstance(template, dict) or not _text(template.get("name")):
        return "template.name is required"
    language = template.get("language")
    if not isinstance(language, dict) or not _text(language.get("code")):
        return "template.language.code is required"
    components = template.get("components", [])
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        return "template.components must be a list of objects"
    for component in components:
        for parameter in component.get("parameters", []):
            if parameter.get("type") == "text" and not _text(parameter.get("text")):
                return "a text parameter needs a non-empty text"
    return None


def _address(body: dict[str, Any]) -> str:
    """Who a valid send goes to: the phone number, or the business-scoped user id."""
    return str(body.get("to") or body.get("recipient"))


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _error(status: int, code: int | None, title: str, details: str) -> _Answer:
    error: dict[str, Any] = {
        "message": f"(#{code}) {title}" if code is not None else title,
        "type": "OAuthException",
        "error_data": {"messaging_product": "whatsapp", "details": details},
        "fbtrace_id": uuid.uuid4().hex[:22],
    }
    if code is not None:
        error["code"] = code
    return _Answer(status, {"error": error}, error_code=code)


def _summary(request: SandboxRequest) -> dict[str, Any]:
    body = request.body or {}
    text = body.get("text")
    return {
        "received_at": request.received_at.isoformat(),
        "to": body.get("to") or body.get("recipient"),
        "type": body.get("type"),
        "text": text.get("body") if isinstance(text, dict) else None,
        "template": body.get("template"),
        "followup_id": request.followup_id,
        "wamid": request.wamid,
    }


def webhook_problem(url: str, headers: dict[str, str]) -> str | None:
    """Why 360dialog would refuse this webhook (no `_`, no `:port`, https), or None."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return f"the webhook URL must be https, got {url!r}"
    if parts.port is not None:
        return "the webhook URL may not name a port"
    if "_" in url or any("_" in name for name in headers):
        return "the webhook URL and header names may not contain '_'"
    return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # twenty simultaneous sends must not overflow the listen backlog

    def __init__(self, address: tuple[str, int], sandbox: WhatsAppSandbox) -> None:
        super().__init__(address, _Handler)
        self.sandbox = sandbox


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as 360dialog does, so the client's connection pool is really exercised.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without this, Nagle holds the body back until
    # the client's delayed ACK, some 20-40 ms per send.
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlsplit(self.path).path
        sandbox = self.server.sandbox
        if path == _WEBHOOK_CONFIG:
            answer = sandbox.configure_webhook(self.headers.get("D360-API-KEY"), raw)
            self._reply(answer.status, answer.payload)
            return
        if path == _TEMPLATE_CHANGE:
            answer = sandbox.change_template(raw)
            self._reply(answer.status, answer.payload)
            return
        if path not in _SEND_PATHS:
            self._reply(404, {"error": {"message": f"no route for POST {path}"}})
            return
        answer, dropped = sandbox._receive(path, self.headers.get("D360-API-KEY"), raw)
        if sandbox.gate is not None:
            sandbox.gate.hold()
        delay = sandbox.answer_delay()
        if delay > 0:
            time.sleep(delay)
        if dropped:
            self.close_connection = True  # the provider has the message; the answer is lost
            return
        self._reply(answer.status, answer.payload, answer.retry_after)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/sandbox/messages":
            self._reply(200, self.server.sandbox.messages())
        elif path == _WEBHOOK_CONFIG:
            answer = self.server.sandbox.configure_webhook(self.headers.get("D360-API-KEY"), None)
            self._reply(answer.status, answer.payload)
        elif path == _TEMPLATES:
            query = urlsplit(self.path).query
            answer = self.server.sandbox.list_templates(self.headers.get("D360-API-KEY"), query)
            self._reply(answer.status, answer.payload)
        else:
            self._reply(404, {"error": {"message": f"no route for GET {self.path}"}})

    def _reply(self, status: int, payload: object, retry_after: str | None = None) -> None:
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if retry_after is not None:
                self.send_header("Retry-After", retry_after)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (its timeout was shorter than our latency).
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read `WhatsAppSandbox.requests` instead of stderr."""
