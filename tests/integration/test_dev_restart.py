"""`followup dev` started again on the data it kept: the demo goes on as before the restart,
its Stats figures stay as they were, a second start on the same state leaves the running
one alone, and a state directory it cannot use is refused naming where it came from."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.builders import rule
from tests.support.devstack import (
    FOLLOWUP,
    FRIDAY,
    SAFETY_NET,
    AdminApi,
    Running,
    eventually,
    free_port,
)


def _followup(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FOLLOWUP), *args],
        capture_output=True,
        text=True,
        timeout=SAFETY_NET,
        env={**os.environ, **(env or {})},
    )


def _send_now(api: AdminApi, wa_id: str, name: str) -> str:
    """A warm lead in São Paulo (11:00 on the FRIDAY clock: inside open-day-invite's own
    Mon-Sat 10-19 hours), sent the open-day invitation (a marketing template) now."""
    lead = {"wa_id": wa_id, "name": name, "stage": "new", "timezone": "America/Sao_Paulo"}
    created = api("POST", "/api/contacts", json=lead | {"score": "warm"})
    queued = api(
        "POST", f"/api/contacts/{created['id']}/followups", json={"rule_id": "open-day-invite"}
    )
    return str(queued["id"])


COUNTED = ("sent", "delivered", "replied", "entered", "active", "completed", "exited")


def _figures(api: AdminApi) -> dict[str, dict[str, Any]]:
    """Each rule's journey figures, as its Stats page shows them (the stream's records up to
    the first read are counted by then: each request to the stack hands them on)."""
    found = {}
    for listed in api("GET", "/api/rules")["rules"]:
        stats = api("GET", f"/api/rules/{listed['id']}/stats")
        found[listed["id"]] = {name: stats[name] for name in COUNTED}
    return found


def _settled(running: Running, api: AdminApi, followup_id: str) -> dict[str, object]:
    """The follow-up once it is no longer queued or sending, ticking until then."""

    def done() -> dict[str, object] | None:
        httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
        found = api("GET", f"/api/followups/{followup_id}")
        return found if found["status"] not in ("queued", "sending") else None

    return eventually(done)


@pytest.mark.slow
def test_after_a_restart_the_demo_template_sends_are_not_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    # Given the demo started, its open-day invitation going out to a lead
    first = Running(state, free_port(), contacts=4, clock=FRIDAY)
    try:
        api = AdminApi(first)
        before = _settled(first, api, _send_now(api, "5511987650001", "Ana Antes"))
        assert before["status"] in ("sent", "delivered", "read"), before
    finally:
        assert first.stop() == 0
    # When it is restarted with its data, a few minutes on
    again = Running(state, free_port(), contacts=4, clock=FRIDAY.replace("14:00:00", "14:05:00"))
    try:
        api = AdminApi(again)
        after = _settled(again, api, _send_now(api, "5511987650002", "Bia Depois"))
        # Then the same invitation to another lead goes out as it did before the restart
        shown = {k: after.get(k) for k in ("status", "reason", "reason_code", "error")}
        assert after["status"] in ("sent", "delivered", "read"), shown
    finally:
        again.stop()


@pytest.mark.slow
def test_a_restart_leaves_the_stats_figures_as_they_were(tmp_path: Path) -> None:
    state = tmp_path / "state"
    # Given the demo after a tick, its sends delivered to the leads' phones, one lead's
    # answer heard, and the figures each rule's Stats page shows
    first = Running(state, free_port(), contacts=6, clock=FRIDAY)
    try:
        api = AdminApi(first)
        httpx.post(f"{first.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
        sent = eventually(lambda: httpx.get(f"{first.url}/sandbox/messages").json())
        answer = httpx.post(
            f"{first.url}/sandbox/reply",
            json={"wa_id": sent[0]["to"], "text": "lagi sibuk"},
            timeout=SAFETY_NET,
        )
        assert answer.status_code == 200

        def settled(followup_id: str) -> bool:
            found = api("GET", f"/api/followups/{followup_id}")
            return found["status"] in ("delivered", "responded")

        eventually(lambda: all(settled(message["followup_id"]) for message in sent))
        before = _figures(api)
    finally:
        assert first.stop() == 0
    # When it is stopped and started again on the same data, nothing else happening
    again = Running(state, free_port(), contacts=6, clock=FRIDAY)
    try:
        after = _figures(AdminApi(again))
    finally:
        assert again.stop() == 0
    # Then every figure reads as it did before
    assert after == before


@pytest.mark.slow
def test_after_a_restart_a_reply_still_opens_the_24h_window_in_the_sandbox(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    wa_id = "5511987650003"
    # Given a lead who writes "lagi sibuk" on /sandbox (busy-nudge answers 5 minutes later,
    # in free text: the lead wrote just now, the 24-hour window is open)
    first = Running(state, free_port(), contacts=2, clock=FRIDAY)
    try:
        api = AdminApi(first)
        lead = {"wa_id": wa_id, "name": "Caca", "stage": "new", "score": "warm"}
        lead = api("POST", "/api/contacts", json=lead | {"timezone": "Asia/Jakarta"})
        said = httpx.post(
            f"{first.url}/sandbox/reply",
            json={"wa_id": wa_id, "text": "lagi sibuk kak"},
            timeout=SAFETY_NET,
        )
        assert said.status_code == 200
    finally:
        assert first.stop() == 0
    # When `make dev` is restarted with its data and the nudge comes due, ten minutes later
    again = Running(state, free_port(), contacts=2, clock=FRIDAY.replace("14:00:00", "14:10:00"))
    try:

        def nudge() -> list[dict[str, object]] | None:
            httpx.post(f"{again.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
            sent = httpx.get(f"{again.url}/sandbox/messages", timeout=SAFETY_NET).json()
            return [m for m in sent if m["to"] == wa_id] or None

        def timeline() -> str:
            return str(AdminApi(again)("GET", f"/api/contacts/{lead['id']}/timeline"))[:4000]

        [message] = eventually(nudge, account=timeline)
        # Then it goes as the free text the rule says, as WhatsApp takes it ten minutes
        # after the lead wrote, not as the fallback template
        details = AdminApi(again)("GET", f"/api/followups/{message['followup_id']}")
        assert message["type"] == "text", str(details)[:3000]
    finally:
        again.stop()


@pytest.mark.slow
def test_a_second_start_on_the_same_state_is_refused_and_costs_the_running_stack_nothing(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    # Given `make dev` running, and `make dev --reset` typed again in another terminal
    first = Running(state, free_port(), contacts=2)
    try:
        body = rule("saved-before-the-second-start").model_dump(mode="json")
        assert first.call("POST", "/api/rules", "marketing", json=body).status_code == 201
        second = _followup(
            "dev", "--port", str(free_port()), "--tick", "0", "--reset", "--state-dir", str(state)
        )
        # Then the second stops at once, saying which state is in use and what to do
        said = second.stdout + second.stderr
        assert second.returncode == 1, said
        assert f"another followup dev uses {state}" in said
        assert "--state-dir" in said
        assert "Traceback" not in said
        # And the first, still running, keeps every write it acknowledges
        body = rule("saved-after-the-second-start").model_dump(mode="json")
        assert first.call("POST", "/api/rules", "marketing", json=body).status_code == 201
    finally:
        first.process.kill()  # then crashes (kill -9)
    first.process.wait(timeout=SAFETY_NET)
    # When it is started again after the crash (the killed process's hold on the state ends
    # with it)
    again = Running(state, free_port(), contacts=2)
    try:
        # Then both rules are there: "a crash or kill -9 at any point loses nothing
        # acknowledged", and the refused --reset deleted nothing
        for kept in ("saved-before-the-second-start", "saved-after-the-second-start"):
            assert again.call("GET", f"/api/rules/{kept}").status_code == 200, kept
    finally:
        assert again.stop() == 0
    # And once it stopped, the state is free for the next start
    last = Running(state, free_port(), contacts=2)
    assert last.stop() == 0


def test_a_state_dir_under_a_file_is_refused_naming_the_flag(tmp_path: Path) -> None:
    # Given a --state-dir whose parent is a file
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    # When `followup dev` is started with it
    done = _followup(
        "dev", "--port", str(free_port()), "--tick", "0", "--state-dir", str(blocker / "state")
    )
    # Then it is refused naming the flag, without a traceback
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-600:]
    assert "Traceback" not in said, said[-600:]
    assert "--state-dir" in said
    assert blocker.read_text() == "not a directory"


def test_a_state_dir_from_the_environment_that_is_a_file_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    # Given FOLLOWUP_STATE_DIR naming a file
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    # When `followup dev` is started without --state-dir
    done = _followup(
        "dev", "--port", str(free_port()), "--tick", "0", env={"FOLLOWUP_STATE_DIR": str(blocker)}
    )
    # Then it is refused naming the variable, without a traceback
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-600:]
    assert "Traceback" not in said, said[-600:]
    assert "FOLLOWUP_STATE_DIR" in said
    assert blocker.read_text() == "not a directory"


def test_dev_token_with_a_state_dir_under_a_file_says_so(tmp_path: Path) -> None:
    # Given a --state-dir whose parent is a file
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    # When a token is asked for with it
    done = _followup("dev-token", "--role", "marketing", "--state-dir", str(blocker / "s"))
    # Then it is refused naming the flag, and no token is printed
    said = done.stdout + done.stderr
    assert done.returncode == 2, said[-600:]
    assert "Traceback" not in said, said[-600:]
    assert "--state-dir" in said
    assert done.stdout == ""
