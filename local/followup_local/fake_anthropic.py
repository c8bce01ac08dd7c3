"""A fake Anthropic Messages API on 127.0.0.1, for the real SDK pointed at it by `base_url`.

It checks each request the way the adapter must send it (model, max_tokens, messages, a
system prompt whose stable first block carries `cache_control`, no sampling parameters,
well-formed tools or output schema if any) and answers in the real response shape.
Texts are labelled `[local model] `. Token counts are ESTIMATES (characters / 4, at least 1), not a
tokenizer's: good for comparing prompts and costs, not for exact billing.

A request that forces a tool (`tool_choice` of type `tool`) is answered with a `tool_use`
block for that tool: its input is what `tool_input_next` queued, else the rules' reading
(`domain.intents.classify`, in UTC) of the reply quoted after "Reply: " in the last user
message.

Prompt caching is simulated: a system prefix that ends at a `cache_control` block is
written to the cache the first time (`cache_creation_input_tokens`) and read afterwards
(`cache_read_input_tokens`), so `input_tokens` counts only the uncached rest, as Anthropic
reports it. The real API caches only prefixes above a model-specific minimum length and
forgets them after five minutes; the fake caches any marked prefix until `forget_cache`.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from followup.domain.intents import classify
from followup_local.background import BackgroundServer

LABEL = "[local model] "
DEFAULT_MODELS = frozenset({"claude-haiku-5-5"})
# The fake does not write: it answers with one short text in the language the request asks
# for (English, Indonesian or Portuguese), greeting the contact by first name in the latter two.
DEFAULT_TEXT = "Hello! Just checking in about your application. Reply here whenever it suits you."
_GREETINGS = {
    "id": "Halo {name}, apakah Anda masih ingin ikut? Balas di sini kapan saja, ya.",
    "pt": "Olá {name}, você ainda tem interesse? Responda aqui quando quiser.",
}
_LANGUAGE = re.compile(r"^Language: ([A-Za-z-]+)", re.MULTILINE)
_CONTACT = re.compile(r"^Contact: (.+)$", re.MULTILINE)
_SAMPLING = ("temperature", "top_p", "top_k")
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def estimate_tokens(text: str) -> int:
    """An estimate: one token per four characters, at least one for any text."""
    return max(1, (len(text) + 3) // 4) if text else 0


@dataclass(frozen=True)
class AnthropicRequest:
    """One request the fake received and the status it answered with."""

    body: dict[str, Any] | None
    headers: dict[str, str]
    status: int


@dataclass(frozen=True)
class _Reply:
    text: str
    stop_reason: str


class FakeAnthropic(BackgroundServer):
    """Answers `POST /v1/messages` like Anthropic, or fails and stalls on demand."""

    label = "the fake Anthropic server"

    def __init__(
        self, api_key: str, *, models: frozenset[str] = DEFAULT_MODELS, port: int = 0
    ) -> None:
        self.latency = 0.0  # seconds to wait before answering
        super().__init__(port)
        self._api_key, self._models = api_key, models
        self._lock = threading.Lock()
        self._requests: list[AnthropicRequest] = []
        self._failures: list[int] = []
        self._replies: list[_Reply] = []
        self._malformed: list[bytes] = []
        self._tool_inputs: list[object] = []
        self._cache: set[str] = set()

    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        return _Server(address, self)

    def fail_next(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests with this HTTP error (429, 500, 529, ...)."""
        with self._lock:
            self._failures.extend([status] * times)

    def reply_next(self, text: str, stop_reason: str = "end_turn") -> None:
        """Answer the next request with exactly this text (no label) and stop reason."""
        with self._lock:
            self._replies.append(_Reply(text, stop_reason))

    def tool_input_next(self, tool_input: object) -> None:
        """Answer the next tool request with this input (valid or not); None: no tool call."""
        with self._lock:
            self._tool_inputs.append(tool_input)

    def malformed_next(self, data: bytes) -> None:
        """Answer the next request 200 OK with exactly these bytes (a broken answer)."""
        with self._lock:
            self._malformed.append(data)

    def forget_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    @property
    def requests(self) -> list[AnthropicRequest]:
        with self._lock:
            return list(self._requests)

    def answer(self, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        """The status and body for one request, recorded."""
        body = _parse(raw)
        status, payload = self._decide(headers, body)
        with self._lock:
            self._requests.append(AnthropicRequest(body, headers, status))
            malformed = self._malformed.pop(0) if status == 200 and self._malformed else None
        return status, malformed if malformed is not None else json.dumps(payload).encode()

    def _decide(
        self, headers: dict[str, str], body: dict[str, Any] | None
    ) -> tuple[int, dict[str, Any]]:
        key = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        if key != self._api_key:
            return _error(401, "invalid x-api-key")
        if not headers.get("anthropic-version"):
            return _error(400, "anthropic-version header is required")
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return _error(failure, "injected by fail_next")
        if body is None:
            return _error(400, "the body is not a JSON object")
        problem = _invalid(body)
        if problem is not None:
            return _error(400, problem)
        if body["model"] not in self._models:
            return _error(404, f"model: {body['model']}")
        return 200, self._message(body)

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        choice = body.get("tool_choice") or {}
        if choice.get("type") == "tool":
            return self._tool_message(body, choice["name"])
        with self._lock:
            reply = self._replies.pop(0) if self._replies else None
        if reply is None:
            reply = _Reply(
                LABEL + _written(_content_text(body["messages"][-1]["content"])), "end_turn"
            )
        text, stop_reason = reply.text, reply.stop_reason
        if estimate_tokens(text) > body["max_tokens"]:
            text, stop_reason = text[: body["max_tokens"] * 4], "max_tokens"
        written, read, total = self._cache_tokens(body)
        return {
            "id": f"msg_local_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": text}] if text else [],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {
                "input_tokens": total - written - read,
                "output_tokens": estimate_tokens(text),
                "cache_creation_input_tokens": written,
                "cache_read_input_tokens": read,
            },
        }

    def _tool_message(self, body: dict[str, Any], name: str) -> dict[str, Any]:
        with self._lock:
            queued = bool(self._tool_inputs)
            tool_input = self._tool_inputs.pop(0) if queued else None
        if not queued:
            tool_input = _rules_reading(_content_text(body["messages"][-1]["content"]))
        content: list[dict[str, Any]] = []
        if tool_input is None:
            content.append({"type": "text", "text": LABEL + "no idea"})
        else:
            tool_id = f"toolu_local_{uuid.uuid4().hex[:20]}"
            content.append({"type": "tool_use", "id": tool_id, "name": name, "input": tool_input})
        written, read, total = self._cache_tokens(body)
        return {
            "id": f"msg_local_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": content,
            "stop_reason": "end_turn" if tool_input is None else "tool_use",
            "stop_sequence": None,
            "usage": {
                "input_tokens": total - written - read,
                "output_tokens": estimate_tokens(json.dumps(content)),
                "cache_creation_input_tokens": written,
                "cache_read_input_tokens": read,
            },
        }

    def _cache_tokens(self, body: dict[str, Any]) -> tuple[int, int, int]:
        """(written, read, total) input tokens, caching system prefixes marked for it."""
        prefix, read, written = "", 0, 0
        for block in body["system"]:
            prefix += block["text"]
            if block.get("cache_control"):
                key = f"{body['model']}\n{prefix}"
                with self._lock:
                    hit = key in self._cache
                    self._cache.add(key)
                if hit:
                    read, written = estimate_tokens(prefix), 0
                else:
                    written = estimate_tokens(prefix) - read
        total = estimate_tokens(prefix) + sum(
            estimate_tokens(_content_text(message["content"])) for message in body["messages"]
        )
        return written, read, total


def _invalid(body: dict[str, Any]) -> str | None:
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: field required"
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or max_tokens < 1:
        return "max_tokens: must be a positive integer"
    sampling = [name for name in _SAMPLING if name in body]
    if sampling:
        return f"{', '.join(sampling)}: not accepted for this model"
    problem = _invalid_system(body.get("system"))
    if problem is not None:
        return problem
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: at least one message is required"
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return f"messages.{index}.role: must be user or assistant"
        if not _content_text(message.get("content")):
            return f"messages.{index}.content: must be non-empty"
    if messages[0]["role"] != "user":
        return "messages.0.role: the first message must use the user role"
    problem = _invalid_tools(body)
    if problem is not None:
        return problem
    output_format = (body.get("output_config") or {}).get("format")
    if output_format is not None and (
        output_format.get("type") != "json_schema"
        or not isinstance(output_format.get("schema"), dict)
    ):
        return "output_config.format: needs type json_schema and a schema object"
    return None


def _invalid_tools(body: dict[str, Any]) -> str | None:
    tools = body.get("tools", [])
    if not isinstance(tools, list) or not all(
        isinstance(tool, dict) and tool.get("name") and isinstance(tool.get("input_schema"), dict)
        for tool in tools
    ):
        return "tools: each tool needs a name and an input_schema object"
    choice = body.get("tool_choice")
    if choice is None:
        return None
    if not tools:
        return "tool_choice: needs tools"
    if choice.get("type") == "tool" and choice.get("name") not in {t["name"] for t in tools}:
        return f"tool_choice.name: no tool named {choice.get('name')}"
    return None


def _written(context: str) -> str:
    """The default text, in the language the context asks for, to the contact's first name."""
    language = _LANGUAGE.search(context)
    greeting = _GREETINGS.get(language.group(1).lower()[:2] if language else "")
    if greeting is None:
        return DEFAULT_TEXT
    contact = _CONTACT.search(context)
    quoted = contact.group(1) if contact else ""
    written = json.loads(quoted) if quoted.startswith('"') else ""
    name = written.split()[0] if written.strip() else ""
    if not name:
        return greeting.replace(" {name}", "")
    return greeting.format(name=name)


def _rules_reading(content: str) -> dict[str, Any]:
    """What the rules read in the reply quoted after "Reply: ", as the classification tool's
    input."""
    text = content.partition("Reply: ")[2]
    if text.startswith('"'):
        text = json.JSONDecoder().raw_decode(text)[0]
    detected = classify(text, datetime.now(UTC), ZoneInfo("UTC"))
    return {
        "intent": detected.intent.value,
        "confidence": detected.confidence,
        "local_time": detected.local,
    }


def _invalid_system(system: Any) -> str | None:
    if not isinstance(system, list) or not system:
        return "system: send the stable prompt as a list of text blocks"
    for index, block in enumerate(system):
        if not isinstance(block, dict) or block.get("type") != "text" or not block.get("text"):
            return f"system.{index}: must be a non-empty text block"
        control = block.get("cache_control")
        if control is not None and control.get("type") != "ephemeral":
            return f"system.{index}.cache_control.type: must be ephemeral"
    if not system[0].get("cache_control"):
        return "system.0.cache_control: the stable prompt must be cached"
    return None


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(block.get("text", "") for block in content if isinstance(block, dict))
    return ""


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _error(status: int, message: str) -> tuple[int, dict[str, Any]]:
    kind = _ERROR_TYPES.get(status, "api_error")
    return status, {
        "type": "error",
        "error": {"type": kind, "message": message},
        "request_id": f"req_local_{uuid.uuid4().hex[:24]}",
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake: FakeAnthropic) -> None:
        super().__init__(address, _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if urlsplit(self.path).path != "/v1/messages":
            self._reply(404, json.dumps(_error(404, f"no route for {self.path}")[1]).encode())
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        status, payload = self.server.fake.answer(headers, raw)
        if self.server.fake.latency > 0:
            time.sleep(self.server.fake.latency)
        self._reply(status, payload)

    def _reply(self, status: int, data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("request-id", f"req_local_{uuid.uuid4().hex[:24]}")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up first (its budget ran out)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: tests read `FakeAnthropic.requests` instead of stderr."""
