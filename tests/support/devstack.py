"""`followup dev` in its own process, as a person starts it, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

FOLLOWUP = Path(sys.executable).parent / "followup"
SAFETY_NET = 60.0
"""Seconds to wait for something that should happen at once; never a measure of speed."""
T = TypeVar("T")
FRIDAY = "2026-12-04T14:00:00+00:00"
"""A demo clock's start: Friday 4 December, 14:00 UTC (21:00 in Jakarta, the workspace's
zone; 11:00 in São Paulo). A test that counts on what a tick sends or holds starts its
stack here: the demo's leads are seeded from the clock, so the hour a test happens to run
at would change what is due."""


READY = "ready · Ctrl-C stops"
"""The line `followup dev` prints once it serves ("already in use" holds "ready" too)."""
PORT_TAKEN = "could not listen"
"""What `followup dev` says when another process took its port first."""
STARTS = 3
"""Starts tried, each on another free port, when the one given is taken meanwhile."""


class Running:
    """`followup dev` on a free port with its own state directory, ticking only when asked."""

    def __init__(
        self,
        state: Path,
        port: int,
        contacts: int = 12,
        *,
        env: dict[str, str] | None = None,
        background: bool = False,
        ready: bool = True,
        tick: int = 0,
        clock: str | None = None,
    ) -> None:
        """`background`: started as a script's `followup dev &` is, with SIGINT ignored;
        `ready`: wait until it says so; `tick`: seconds between ticks (0: POST /dev/tick);
        `clock`: the demo clock's start. A port another process takes between `free_port`
        and the stack's start is given up for another free one."""
        self.state = state
        self._tokens: dict[str, dict[str, str]] = {}
        options = [
            *("--tick", str(tick), "--contacts", str(contacts), "--state-dir", str(state)),
            *(("--clock", clock) if clock else ()),
        ]
        for _ in range(STARTS):
            self._start(port, options, background, env)
            if not ready or self._serving():
                return
            said = "".join(self.output)
            if PORT_TAKEN not in said:
                raise AssertionError(f"followup dev stopped before it was ready:\n{said}")
            port = free_port()
        raise AssertionError(f"followup dev found no free port in {STARTS} starts")

    def _start(
        self, port: int, options: list[str], background: bool, env: dict[str, str] | None
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self.output: list[str] = []
        command = [str(FOLLOWUP), "dev", "--port", str(port), *options]
        if background:  # what `&` in a non-interactive shell does to SIGINT
            command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _serving(self) -> bool:
        """Whether the stack says it is ready before its process ends (then all it said is
        in `output`), waiting as long as a start may take."""
        deadline = time.monotonic() + 2 * SAFETY_NET
        while time.monotonic() < deadline:
            if READY in "".join(self.output):
                return True
            if self.process.poll() is not None:
                self._reader.join(timeout=SAFETY_NET)
                return READY in "".join(self.output)
            time.sleep(0.2)
        said = "".join(self.output)[-2000:]
        raise AssertionError(f"followup dev did not say it was ready; it said:\n{said}")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def token(self, role: str) -> dict[str, str]:
        """The role's header, from `POST /dev/token` (the app's sign-in buttons ask it) the
        first time it is asked for: kept (it is valid for 12 hours), as a person keeps a
        token. `printed_token` is the one `followup dev-token` prints, a process each."""
        if role not in self._tokens:
            issued = httpx.post(f"{self.url}/dev/token?role={role}", timeout=SAFETY_NET)
            issued.raise_for_status()
            self._tokens[role] = {"Authorization": f"Bearer {issued.json()['token']}"}
        return dict(self._tokens[role])

    def printed_token(self, role: str) -> str:
        """What `followup dev-token --role <role>` prints for this stack's state."""
        command = [str(FOLLOWUP), "dev-token", "--role", role, "--state-dir", str(self.state)]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    def call(self, method: str, path: str, role: str = "admin", **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method, f"{self.url}{path}", headers=self.token(role), timeout=SAFETY_NET, **kwargs
        )

    def stop(self) -> int:
        """Ctrl-C, and its exit status; killed if it is still running after the safety net."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=SAFETY_NET)
        finally:
            if self.process.poll() is None:
                self.process.kill()


class AdminApi:
    """A running stack's API with one admin token: each call answers its JSON, and fails
    the test on a refused request."""

    def __init__(self, stack: Running) -> None:
        self.url = stack.url
        self.headers = stack.token("admin")
        self.stack = stack

    def __call__(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = httpx.request(
            method, f"{self.url}{path}", headers=self.headers, timeout=SAFETY_NET, **kwargs
        )
        if answer.is_server_error:  # the stack's own account of it goes with the failure
            logged = "".join(self.stack.output)[-4000:]
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text}\n{logged}")
        answer.raise_for_status()
        return answer.json()


def queued_by_hand(api: AdminApi, wa_id: str, name: str, zone: str) -> None:
    """A warm new lead in `zone`, sent the demo's open-day invitation by hand."""
    lead = {"wa_id": wa_id, "name": name, "stage": "new", "timezone": zone, "score": "warm"}
    created = api("POST", "/api/contacts", json=lead)
    api("POST", f"/api/contacts/{created['id']}/followups", json={"rule_id": "open-day-invite"})


@contextmanager
def queued_on_friday(
    state: Path, contacts: int, leads: Iterable[tuple[str, str, str]]
) -> Iterator[tuple[Running, AdminApi]]:
    """The demo on the `FRIDAY` clock (21:00 in Jakarta) after one tick, and `leads`
    (WhatsApp id, name, zone) sent the open-day invitation by hand: where the send window
    is closed, their follow-ups wait in the queue. Stopped on leaving."""
    running = Running(state, free_port(), contacts=contacts, clock=FRIDAY)
    try:
        api = AdminApi(running)
        httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
        for wa_id, name, zone in leads:
            queued_by_hand(api, wa_id, name, zone)
        yield running, api
    finally:
        running.stop()


def call_task_journey(title: str, assignee: str) -> dict[str, Any]:
    """A journey that gives `assignee` a call task, due in two hours, when a lead reaches
    `applied`."""
    return {
        "id": "applied-call",
        "name": "Applied: call",
        "active": True,
        "trigger": {"kind": "stage_entered", "stages": ["applied"]},
        "steps": [
            {
                "kind": "action",
                "do": "create_task",
                "title": title,
                "assignee": assignee,
                "due": {"amount": 2, "unit": "hours"},
            }
        ],
    }


def eventually(
    check: Callable[[], T | None],
    timeout: float = SAFETY_NET,
    account: Callable[[], str] | None = None,
) -> T:
    """What `check` finds, once it finds something; `account` says, when it never does,
    what the stack shows instead (read then, for the failure's message)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out waiting" + (f"; instead: {account()}" if account else ""))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
