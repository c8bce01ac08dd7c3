"""`followup dev`: the whole product on one machine, with the real handlers.

- AWS: a moto server on 127.0.0.1, with the tables (from `adapters/tables.py`, as the
  CDK app declares them) and the send queue with its dead-letter queue.
- The gateway on 127.0.0.1 (`--port`): the admin API behind local sign-in tokens, the
  WhatsApp webhook, the live feed (`/ws`), the sandbox page (`/sandbox`) and the web app.
- Loops that stand in for AWS's triggers: the scheduler ticks (enqueue, dispatch,
  expire), the SQS trigger of the sender, the follow-up and enrollment streams to the
  stats function, and the follow-up stream to the broadcaster.
- The WhatsApp sandbox answers sends as 360dialog does and reports them delivered
  through the real webhook; replies typed on the sandbox page go the same way.
- Without `ANTHROPIC_API_KEY`, a local model (the fake Anthropic server) writes the AI
  messages, configured as the real one would be (`ANTHROPIC_BASE_URL` and a key), so the
  demo shows them; each starts with "[local model]".

State lives in the state directory (`.followup/` by default): the signing key, the
webhook secret, and the tables: a snapshot plus a journal of every write since, on disk
before the write is answered (see `durable.py`), so even a kill -9 loses nothing that
was acknowledged. `--reset` starts over with the demo funnel. One stack at a time uses a
state directory: a second start on it stops before reading or changing anything.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import boto3
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from werkzeug.serving import make_server

from followup.adapters import tables
from followup.adapters.webhook_security import secrets_of
from followup.api.auth import Role
from followup.domain.contact import Contact
from followup.domain.errors import problem_message
from followup.domain.stored import STORED
from followup.wiring import runtime
from followup.wiring.config import Config
from followup_local.demo import AROUND_THE_CLOCK, DemoClock, resume_sandbox, seed_demo
from followup_local.durable import DurableTables, StateError
from followup_local.engine import LOCAL_NOTIFY_SECRET, Functions, create_queues, sqs_event
from followup_local.envelopes import BUSINESS_NUMBER
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.gateway import create_app, serving
from followup_local.live import LiveFeed
from followup_local.moto_tuning import stream_records
from followup_local.outbox import EMAIL_FROM, verify_sender
from followup_local.sandbox import WhatsAppSandbox
from followup_local.sandbox_page import SandboxPage
from followup_local.statelock import announce, lock_state
from followup_local.streams import COUNTED, StreamPump, stream_of
from followup_local.tokens import DevTokens
from infra.content_policy import content_security_policy

REGION = "us-east-1"
PREFIX = "followup-"
SANDBOX_KEY = "local-sandbox-key"
LOCAL_MODEL_KEY = "local-model-key"
SECRET_FILE = "webhook-secret"  # noqa: S105  # a file name, not a secret
LOOPBACK_ONLY = ("/dev/", "/sandbox", "/@connections")
"""Endpoints without sign-in: only for requests from this machine to this machine."""
WEB = Path(__file__).resolve().parents[2] / "web" / "dist"
_log = logging.getLogger(__name__)


async def _unbuilt(_: Request) -> HTMLResponse:
    return HTMLResponse(
        "<p>The web app is not built: run <code>make dev</code> (it builds web/ first).</p>"
        '<p><a href="/sandbox">WhatsApp sandbox</a> · <a href="/api/openapi.json">API</a></p>'
    )


class _WithPolicy:
    """The web app's files with the Content-Security-Policy CloudFront sends with them, the
    origins it connects to being this gateway's: itself (the API) and its live feed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        policy = content_security_policy([f"ws://{Headers(scope=scope).get('host', '')}"])

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["content-security-policy"] = policy
            await send(message)

        await self.app(scope, receive, with_policy)


class _MotoServer(ThreadedMotoServer):
    """moto's server on 127.0.0.1 with the WSGI app given (its tables, kept on disk)."""

    def __init__(self, app: DurableTables) -> None:
        super().__init__(ip_address="127.0.0.1", port=0, verbose=False)
        self._app = app

    def _server_entry(self) -> None:
        self._server = make_server(
            self._ip_address, self._port, self._app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


@dataclass(frozen=True)
class DevOptions:
    port: int = 8000
    tick_seconds: float = 60.0
    """Seconds between ticks, the first one at start; 0: only on `POST /dev/tick`."""
    state_dir: Path = Path(".followup")
    reset: bool = False
    contacts: int = 40
    verbose: bool = False
    clock: datetime | None = None
    """A demo clock: the stack's time starts at this instant and runs forward from there."""


@dataclass
class _Loop:
    name: str
    every: float
    step: Callable[[], object]
    thread: threading.Thread | None = None
    at_once: bool = False


@dataclass
class DevStack:
    options: DevOptions
    tokens: DevTokens = field(init=False)
    webhook_secret: str = field(init=False)
    path_secret: str = field(init=False)
    base_url: str = ""
    clock: DemoClock = field(init=False)
    local_model: FakeAnthropic | None = None
    """The model writing AI messages when no ANTHROPIC_API_KEY is given."""
    _secret_at: str = ""
    _stop: threading.Event = field(default_factory=threading.Event)
    _loops: list[_Loop] = field(default_factory=list)
    _functions: Functions = field(default_factory=Functions)
    _hold: IO[bytes] = field(init=False)
    """The state directory's lock file, locked while this stack runs."""

    # --- start and stop ------------------------------------------------------------------

    def start(self) -> None:
        """Start everything on the state directory, held by this stack alone until `stop`:
        StateError, with nothing read or changed, when another `followup dev` holds it."""
        state = self.options.state_dir
        state.mkdir(parents=True, exist_ok=True)
        self._hold = lock_state(state)
        try:
            self._start(state)
        except BaseException:
            self._hold.close()
            raise

    def _start(self, state: Path) -> None:
        sandbox_keys = _settings_read()
        if self.options.reset:
            DurableTables.forget(state)
        self.tokens = DevTokens.load(state)
        self.clock = DemoClock(self.options.clock)
        given = os.environ.get("WEBHOOK_SECRET")
        self._secret_at = "$WEBHOOK_SECRET" if given else str(state / SECRET_FILE)
        self.webhook_secret = given or self._saved_secret(state)
        # The sandbox posts on the first of several secrets (rotation): one path secret.
        self.path_secret = (
            secrets_of(self.webhook_secret)[0] if secrets_of(self.webhook_secret) else ""
        )
        if not self.path_secret:
            raise SettingError("WEBHOOK_SECRET holds no secret (only commas or spaces)")
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request lines
        names = {logical: f"{PREFIX}{logical}" for logical in tables.TABLES}
        self._tables = DurableTables(DomainDispatcherApplication(create_backend_app), state, names)
        self._moto = _MotoServer(self._tables)
        self._moto.start()
        host, port = self._moto.get_host_and_port()
        self.aws_url = f"http://{host}:{port}"
        self.sandbox = WhatsAppSandbox(SANDBOX_KEY, self.clock.now)
        self.sandbox.start()
        if os.environ.get("ANTHROPIC_API_KEY", "") in ("", LOCAL_MODEL_KEY):
            self.local_model = FakeAnthropic(LOCAL_MODEL_KEY)
            self.local_model.start()
        self.base_url = f"http://127.0.0.1:{self.options.port}"
        self._environment(sandbox_keys)
        self._aws()
        try:
            restored = self._tables.open()
        except StateError:
            self._moto.stop()
            self.sandbox.stop()
            self._stop_local_model()
            raise
        self._read_streams()
        if restored:
            resume_sandbox(runtime.deps(), self.sandbox, _stored_contacts())
        else:
            seed_demo(runtime.deps(), self.sandbox, self.options.contacts, self.clock.now())
        self.live = LiveFeed(self.invoke, self.tokens)
        self.page = SandboxPage(self)
        app = create_app(
            self.invoke,
            self.tokens,
            [*self.live.routes(), *self.page.routes(), *self._routes()],
            loopback_only=LOOPBACK_ONLY,
        )
        self._gateway = serving(app, self.options.port)
        self._gateway.__enter__()
        announce(self._hold, self.base_url)
        self._loops = [
            _Loop("sender", 0.2, self._drain_queue),
            _Loop("stream", 0.5, self._pump_stream),
            _Loop("delivery", 1.0, self.page.report_deliveries),
        ]
        if self.options.tick_seconds:
            self._loops.append(_Loop("ticks", self.options.tick_seconds, self.tick, at_once=True))
        for loop in self._loops:
            loop.thread = threading.Thread(
                target=self._run, args=(loop,), name=loop.name, daemon=True
            )
            loop.thread.start()

    def stop(self) -> None:
        """Stop the loops and the gateway, snapshot the tables, free the ports."""
        self._stop.set()
        for loop in self._loops:
            if loop.thread is not None:
                loop.thread.join(timeout=10)
        self._gateway.__exit__(None, None, None)
        self._tables.snapshot()
        self.sandbox.stop()
        self._stop_local_model()
        self._moto.stop()
        runtime.install(None)
        self._hold.close()

    def _stop_local_model(self) -> None:
        if self.local_model is not None:
            self.local_model.stop()

    def _run(self, loop: _Loop) -> None:
        if loop.at_once:
            self._step(loop)
        while not self._stop.wait(loop.every):
            self._step(loop)

    @staticmethod
    def _step(loop: _Loop) -> None:
        try:
            loop.step()
        except Exception:
            _log.exception("the %s loop failed; it will try again", loop.name)

    # --- wiring --------------------------------------------------------------------------

    def _environment(self, sandbox_keys: list[str]) -> None:
        real_provider = bool(os.environ.get("D360_API_KEY"))
        values = {
            "AWS_ENDPOINT_URL": self.aws_url,
            "FOLLOWUP_AWS_EMULATED": "true",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "FOLLOWUP_TABLE_PREFIX": PREFIX,
            "WEBHOOK_SECRET": self.webhook_secret,
            "NOTIFY_SECRET": os.environ.get("NOTIFY_SECRET") or LOCAL_NOTIFY_SECRET,
            "WEBSOCKET_CALLBACK_URL": self.base_url,
            "EMAIL_FROM": EMAIL_FROM,
            "PUBLIC_API_URL": self.base_url,
            "UNSUBSCRIBE_SECRET": f"{self.webhook_secret}:unsubscribe",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "INFO" if self.options.verbose else "WARNING",
        }
        if self.options.tick_seconds:
            values["FOLLOWUP_TICK_MINUTES"] = str(max(1, math.ceil(self.options.tick_seconds / 60)))
        if not real_provider:
            values |= {
                "D360_BASE_URL": self.sandbox.base_url,
                "D360_API_KEY": SANDBOX_KEY,
                "D360_NUMBER": BUSINESS_NUMBER["display_phone_number"],
                "D360_PHONE_NUMBER_ID": BUSINESS_NUMBER["phone_number_id"],
            }
            # Several numbers (D360_NUMBERS, or FOLLOWUP_NUMBERS with D360_KEYS) can be tried
            # on the sandbox: it takes their keys.
            for key in sandbox_keys:
                self.sandbox.accept(key)
        if self.local_model is not None:
            values |= {
                "ANTHROPIC_BASE_URL": self.local_model.base_url,
                "ANTHROPIC_API_KEY": LOCAL_MODEL_KEY,
            }
        os.environ.update(values)

    def _aws(self) -> None:
        tables.bind(PREFIX, REGION, self.aws_url, emulated=True)
        tables.create_tables(boto3.client("dynamodb"))
        self.sqs = boto3.client("sqs")
        self.queue_url, self.dlq_url = create_queues(self.sqs, PREFIX)
        os.environ["FOLLOWUP_SEND_QUEUE_URL"] = self.queue_url
        verify_sender(boto3.client("sesv2"))
        runtime.install(runtime.build(runtime.config(), self.clock), runtime.config())

    def _read_streams(self) -> None:
        """Read the counted tables' streams from what is written from now on, as a new
        trigger does: called once the saved tables are restored, which counts nothing."""
        streams = boto3.client("dynamodbstreams", endpoint_url=self.aws_url, region_name=REGION)
        self.streams = {
            table: StreamPump(
                streams,
                stream_of(boto3.client("dynamodb"), f"{PREFIX}{table}"),
                start="LATEST",
                written=stream_records(f"{PREFIX}{table}", REGION),
            )
            for table in COUNTED
        }
        for stream in self.streams.values():
            stream.pump(lambda _: None)  # from the newest record on

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        """Run `functions/<function>/handler.py` as Lambda would, one request at a time;
        the stream's new records follow at once, so what a step counted shows when it ends."""
        try:
            return self._functions.invoke(function, event)
        finally:
            if function not in ("stats", "broadcaster"):
                self._pump_stream()

    # --- what AWS would trigger ----------------------------------------------------------

    def tick(self) -> dict[str, Any]:
        """One scheduler tick: enqueue, dispatch and expire, with the Scheduler's payload."""
        event = {"source": "followup.tick", "time": self.clock.now().isoformat()}
        return {name: self.invoke(name, event) for name in ("enqueue", "dispatch", "expire")}

    def _drain_queue(self) -> None:
        """The sender's SQS trigger: batches of up to 10, failed records left to reappear."""
        received = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
        ).get("Messages", [])
        if not received:
            return
        failed: set[str] = set()
        try:
            answer = self.invoke("sender", sqs_event(received, self.queue_url))
            failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures", [])}
        except Exception:
            _log.exception("the sender failed the whole batch")
            return
        done = [m for m in received if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)
                ],
            )

    def _pump_stream(self) -> None:
        """The follow-up and enrollment streams, fed to the stats function (and the
        follow-ups' to the broadcaster) as their triggers would."""

        def followups(records: list[dict[str, Any]]) -> None:
            self.invoke("stats", {"Records": records})
            if self.live.connections:
                self.invoke("broadcaster", {"Records": records})

        self.streams["followups"].pump(followups)
        self.streams["enrollments"].pump(lambda records: self.invoke("stats", {"Records": records}))

    def _saved_secret(self, state: Path) -> str:
        path = state / SECRET_FILE
        if not path.exists():
            path.write_text(secrets.token_urlsafe(24).replace("_", "x").replace("-", "y"))
            path.chmod(0o600)
        return path.read_text().strip()

    # --- controls and the start banner ---------------------------------------------------

    def _routes(self) -> list[BaseRoute]:
        """Local controls, sign-in for the web app, and the web app itself."""

        async def tick_now(_: Request) -> JSONResponse:
            return JSONResponse(await run_in_threadpool(self.tick))

        async def token(request: Request) -> JSONResponse:
            role = request.query_params.get("role", "")
            if role not in Role._value2member_map_:
                return JSONResponse(
                    {"message": f"role must be one of {[r.value for r in Role]}"}, 400
                )
            return JSONResponse({"token": self.tokens.issue(Role(role))})

        async def config(_: Request) -> JSONResponse:
            return JSONResponse({"mode": "local"})

        routes: list[BaseRoute] = [
            Route("/dev/tick", tick_now, methods=["POST"]),
            Route("/dev/token", token, methods=["POST"]),
            Route("/config.json", config),
        ]
        if (WEB / "index.html").exists():
            routes.append(Mount("/", _WithPolicy(StaticFiles(directory=WEB, html=True))))
        else:
            routes.append(Route("/", _unbuilt))
        return routes

    def banner(self, command: str = "followup") -> list[tuple[str, str]]:
        """What to open first, then where everything is; no tokens and no secrets."""
        url = self.base_url
        state = self.options.state_dir
        state_flag = "" if state == Path(".followup") else f" --state-dir {state}"
        rows = [
            ("open the app", f"{url}/  and sign in as marketing"),
            ("answer as a lead", f"{url}/sandbox  (reply, send STOP, or call)"),
            ("send window", self._window()),
        ]
        if self.local_model is not None:
            rows.append(("AI messages", "local model (no ANTHROPIC_API_KEY)"))
        if self.options.clock is not None:
            rows.append(("demo clock", f"started at {self.options.clock.isoformat()}, running on"))
        every = self.options.tick_seconds
        ticks = f"at start, then every {every:g} s" if every else "only on request"
        return [
            *rows,
            ("ticks", f"{ticks}; POST /dev/tick for one now"),
            ("admin API", f"{url}/api  (OpenAPI at /api/openapi.json)"),
            (
                "API tokens",
                f"{command} dev-token --role marketing{state_flag}  (or counselor, admin)",
            ),
            ("live feed", f"ws://127.0.0.1:{self.options.port}/ws?token=TOKEN"),
            ("webhook", f"{url}/webhooks/whatsapp/SECRET  (SECRET in {self._secret_at})"),
            ("embedded AWS", self.aws_url),
            ("state", str(state)),
        ]

    @staticmethod
    def _window() -> str:
        if runtime.deps().catalog.settings().send_window == AROUND_THE_CLOCK:
            return "open every day, all day (the demo's choice; /api/settings)"
        return "as the workspace settings say (/api/settings)"


def _stored_contacts() -> Iterator[Contact]:
    """Every contact in the contacts table (not its slots or date-trigger entries)."""
    for item in tables.ContactItem.scan(tables.ContactItem.stage.exists()):
        yield Contact.model_validate_json(item.doc, context=STORED)


class SettingError(StateError):
    """An environment variable `followup dev` reads is not what it should be."""


def _settings_read() -> list[str]:
    """The keys of D360_NUMBERS and D360_KEYS, for the sandbox to take, once the whole
    configuration is read as `_check_config` reads it: a SettingError with one line for
    each variable that cannot be used, all of them at once."""
    problems: list[str] = []
    keys: list[str] = []
    readers: tuple[Callable[[], list[str] | None], ...] = (_number_keys, _named_keys, _check_config)
    for read in readers:
        named = {_variable(line) for line in problems}  # by a reader before this one
        try:
            keys += read() or []
        except SettingError as problem:
            problems += [line for line in str(problem).splitlines() if _variable(line) not in named]
    if problems:
        raise SettingError("\n".join(problems))
    return keys


def _variable(problem: str) -> str:
    """The environment variable a problem's line names first."""
    found = re.match(r"[A-Z][A-Z0-9_]*", problem)
    return found.group() if found else problem


def _number_keys() -> list[str]:
    keys = []
    for number in _json_setting("D360_NUMBERS", list):
        if not isinstance(number, dict):
            raise SettingError("D360_NUMBERS must list objects, one per number")
        keys.append(str(number.get("api_key", "")))
    return keys


def _named_keys() -> list[str]:
    return [str(key) for key in _json_setting("D360_KEYS", dict).values()]


def _check_config() -> None:
    """The configuration as the environment gives it, read before anything starts: a
    SettingError with one line per problem, naming its variable, when it cannot be used."""
    _json_setting("FOLLOWUP_NUMBERS", list)  # JSON the settings library would not name
    try:
        Config()
    except ValidationError as refused:
        raise SettingError(
            "\n".join(
                f"{'.'.join(map(str, problem['loc']))}: {problem_message(problem)}"
                if problem["loc"]
                else problem_message(problem)
                for problem in refused.errors()
            )
        ) from None


def _json_setting(name: str, kind: type[list[Any]] | type[dict[str, Any]]) -> Any:
    """The JSON of environment variable `name`, a list or an object as `kind` says; empty
    when unset. SettingError names the variable otherwise."""
    raw = os.environ.get(name) or ""
    if not raw.strip():
        return kind()
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise SettingError(f"{name} is not JSON: {exc}") from None
    if not isinstance(value, kind):
        shape = "a JSON list" if kind is list else "a JSON object"
        raise SettingError(f"{name} must be {shape}, got {type(value).__name__}")
    return value
