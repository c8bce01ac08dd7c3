"""`followup dev` as a person runs it: a real process, real HTTP and WebSocket, Ctrl-C, restart."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from followup_local.devstack import DevOptions, DevStack, SettingError
from followup_local.envelopes import BUSINESS_NUMBER
from followup_local.sandbox import WhatsAppSandbox
from followup_local.statelock import LOCK_FILE
from tests.support.builders import rule
from tests.support.devstack import FOLLOWUP, FRIDAY, SAFETY_NET, Running, eventually, free_port


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Running]:
    running = Running(tmp_path / "state", free_port())
    yield running
    if running.process.poll() is None:
        running.process.kill()


@pytest.mark.slow
def test_the_local_stack_runs_the_whole_loop_and_keeps_its_data(stack: Running) -> None:
    # It starts and says what to open first, and where everything is: tokens and the
    # webhook secret on request, not in the banner
    printed = "".join(stack.output)
    for shown in (
        "sign in as marketing",
        "/sandbox",
        "/ws?token=",
        "dev-token --role",
        "local model",
    ):
        assert shown in printed
    secret = (stack.state / "webhook-secret").read_text().strip()
    assert secret not in printed
    assert "eyJ" not in printed
    assert f"{stack.state}/webhook-secret" in printed.replace("\n", "").replace(" ", "")
    # The token `followup dev-token` prints, as the banner says, signs a counsellor in
    counselor = {"Authorization": f"Bearer {stack.printed_token('counselor')}"}
    answer = httpx.get(f"{stack.url}/api/rules", headers=counselor)
    assert answer.status_code == 200
    demo = [r["id"] for r in answer.json()["rules"]]
    assert len(demo) >= 10
    assert httpx.get(f"{stack.url}/api/rules").status_code == 401
    # Marketing switches the demo rules off and adds one that sends at any hour
    body = only_any_time_rule(stack)
    assert stack.call("PUT", "/api/rules/smoke-any-time", "counselor", json=body).status_code == 403
    # A browser on the live feed sees the follow-ups the tick queues, without asking
    token = stack.token("marketing")["Authorization"].split()[1]
    with connect(f"ws://127.0.0.1:{stack.port}/ws?token={token}", open_timeout=SAFETY_NET) as feed:
        ticked = httpx.post(f"{stack.url}/dev/tick", timeout=SAFETY_NET).json()
        assert ticked["enqueue"]["queued"] > 0
        frame = json.loads(feed.recv(timeout=SAFETY_NET))
    assert frame["type"] == "followups"
    assert {f["rule_id"] for f in frame["followups"]} == {"smoke-any-time"}
    # The sender hands them to the sandbox, which reports them delivered via the webhook
    sent = eventually(lambda: httpx.get(f"{stack.url}/sandbox/messages").json())
    first = sent[0]

    def status_of(followup_id: str) -> str:
        answer = stack.call("GET", f"/api/followups/{followup_id}", "counselor")
        return str(answer.json()["status"])

    eventually(lambda: status_of(first["followup_id"]) == "delivered")
    # The lead answers on the sandbox page: the follow-up is marked responded
    answer = httpx.post(
        f"{stack.url}/sandbox/reply",
        json={"wa_id": first["to"], "text": "Yes, tell me more"},
        timeout=SAFETY_NET,
    )
    assert answer.status_code == 200
    eventually(lambda: status_of(first["followup_id"]) == "responded")
    chats = httpx.get(f"{stack.url}/sandbox/chats").json()
    chat = next(c for c in chats if c["wa_id"] == first["to"])
    assert [m["from"] for m in chat["messages"]][-2:] == ["business", "lead"]
    # The lead calls the business on WhatsApp from the sandbox page: heard as them writing
    called = httpx.post(
        f"{stack.url}/sandbox/call", json={"wa_id": first["to"]}, timeout=SAFETY_NET
    )
    assert called.status_code == 200
    chats = httpx.get(f"{stack.url}/sandbox/chats").json()
    chat = next(c for c in chats if c["wa_id"] == first["to"])
    assert (chat["messages"][-1]["from"], chat["messages"][-1]["text"]) == ("lead", "[call]")
    assert "<form" in httpx.get(f"{stack.url}/sandbox").text
    # Ctrl-C stops it cleanly; the next start has the same data
    assert stack.stop() == 0
    assert "stopped" in "".join(stack.output)
    again = Running(stack.state, free_port())
    try:
        answer = again.call("GET", "/api/rules/smoke-any-time", role="counselor")
        assert answer.status_code == 200
        assert status_of_in(again, first["followup_id"]) == "responded"
    finally:
        assert again.stop() == 0


def only_any_time_rule(running: Running) -> dict[str, object]:
    """The demo rules switched off, and one that sends at any hour: its body."""
    for found in running.call("GET", "/api/rules", "marketing").json()["rules"]:
        deactivate = f"/api/rules/{found['id']}/deactivate"
        assert running.call("POST", deactivate, "marketing").is_success
    # The demo's apply_reminder takes two parameters, as the sandbox's catalogue lists it.
    params = [
        {"field": "first_name", "default": "there"},
        {"field": "attributes.program", "default": "our programs"},
    ]
    template = {"name": "apply_reminder", "language": "en", "params": params}
    body = rule(
        "smoke-any-time",
        send_anytime=True,
        steps=[
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "text": "Hi {first_name|there}, still thinking about applying?",
                "template": template,
            }
        ],
        trigger={
            "stages": ["new", "qualified", "applied", "paid"],
            "idle": {"amount": 1, "unit": "hours"},
        },
        exit={"stages": []},
    ).model_dump(mode="json")
    assert running.call("POST", "/api/rules", "marketing", json=body).status_code == 201
    return body


def status_of_in(running: Running, followup_id: str) -> str:
    return str(running.call("GET", f"/api/followups/{followup_id}", "counselor").json()["status"])


@pytest.mark.slow
def test_a_number_described_apart_sends_with_the_key_given_beside_it(tmp_path: Path) -> None:
    # Given the number described without its key, and its key apart, as a deploy gives them,
    # and two webhook secrets, as while one replaces the other
    described = {**BUSINESS_NUMBER, "sends_per_second": 33}
    env = {
        "FOLLOWUP_NUMBERS": json.dumps([described]),
        "D360_KEYS": json.dumps({BUSINESS_NUMBER["phone_number_id"]: "a-key-of-its-own"}),
        "WEBHOOK_SECRET": "n3w-s3cret, 0ld-s3cret",
    }
    running = Running(tmp_path / "state", free_port(), contacts=8, env=env, clock=FRIDAY)
    try:
        # The stack knows the number by its description
        [number] = running.call("GET", "/api/numbers").json()["numbers"]
        assert (number["phone_number_id"], number["sends_per_second"]) == (
            BUSINESS_NUMBER["phone_number_id"],
            33,
        )
        # And the sandbox takes its key: the tick's sends are accepted, the number not paused
        httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
        sent = eventually(lambda: httpx.get(f"{running.url}/sandbox/messages").json() or None)
        assert sent
        [number] = running.call("GET", "/api/numbers").json()["numbers"]
        assert number["status"] == "active"
        # And the sandbox's delivery report reaches the engine on the first secret's path
        sent_id = sent[0]["followup_id"]

        def status() -> str:
            return str(running.call("GET", f"/api/followups/{sent_id}").json()["status"])

        eventually(lambda: status() in ("delivered", "read") or None)
    finally:
        assert running.stop() == 0


def dev_started_with(
    env: dict[str, str], tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], str]:
    """`followup dev` run with `env` until it stops; what it printed, both streams."""
    command = [str(FOLLOWUP), "dev", "--port", str(free_port()), "--tick", "0"]
    command += ["--state-dir", str(tmp_path / "state")]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=SAFETY_NET, env={**os.environ, **env}
    )
    return done, done.stdout + done.stderr


def test_a_malformed_number_list_is_said_naming_its_variable(tmp_path: Path) -> None:
    # Given D360_NUMBERS written as one object instead of a list of them
    env = {"D360_NUMBERS": json.dumps({"phone_number_id": "1098001", "api_key": "k"})}
    # When `followup dev` starts with it
    done, said = dev_started_with(env, tmp_path)
    # Then it stops, naming the variable and what it should be, with no traceback
    assert done.returncode == 1
    assert "D360_NUMBERS must be a JSON list" in said
    assert "Traceback" not in said


def test_a_number_description_that_is_no_json_is_said_naming_its_variable(
    tmp_path: Path,
) -> None:
    # Given FOLLOWUP_NUMBERS cut short as it was pasted
    done, said = dev_started_with({"FOLLOWUP_NUMBERS": '[{"phone_number_id": "1098001"'}, tmp_path)
    # Then it stops, naming the variable, with no traceback
    assert done.returncode == 1
    assert "FOLLOWUP_NUMBERS" in said
    assert "Traceback" not in said, said[-1500:]


@pytest.mark.parametrize(
    ("setting", "value", "words"),
    [
        ("D360_TIMEOUT_SECONDS", "ten", "valid number"),
        ("FOLLOWUP_REDRIVE_AFTER_MINUTES", "0", "greater than or equal to 1"),
        ("NOTIFY_PRIVATE_ADDRESSES", "sometimes", "valid boolean"),
    ],
)
def test_a_setting_it_cannot_use_stops_it_before_it_starts_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str, words: str
) -> None:
    # Given a variable of the wrong type, or out of its range
    monkeypatch.setenv(setting, value)
    stack = DevStack(DevOptions(port=free_port(), tick_seconds=0, state_dir=tmp_path / "state"))
    # When the stack starts
    with pytest.raises(SettingError) as refused:
        stack.start()
    # Then it stops, saying in one line what is wrong with which variable, before it wrote
    # anything in the state directory but its lock
    [line] = str(refused.value).splitlines()
    assert line.startswith(f"{setting}: ")
    assert words in line
    assert [path.name for path in (tmp_path / "state").iterdir()] == [LOCK_FILE]


def test_every_variable_it_cannot_use_is_said_at_once_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three variables set wrong at once
    monkeypatch.setenv("D360_NUMBERS", json.dumps({"phone_number_id": "1098001"}))
    monkeypatch.setenv("D360_KEYS", "[1]")
    monkeypatch.setenv("D360_TIMEOUT_SECONDS", "ten")
    stack = DevStack(DevOptions(port=free_port(), tick_seconds=0, state_dir=tmp_path / "state"))
    # When the stack starts
    with pytest.raises(SettingError) as refused:
        stack.start()
    # Then one line names each, once, so a single run says all there is to put right
    lines = str(refused.value).splitlines()
    assert [line.split(" ")[0].rstrip(":") for line in lines] == [
        "D360_NUMBERS",
        "D360_KEYS",
        "D360_TIMEOUT_SECONDS",
    ]


def test_an_address_that_is_no_url_is_said_naming_its_variable(tmp_path: Path) -> None:
    # Given D360_BASE_URL without its scheme (and brackets a terminal could take for styles)
    env = {"D360_BASE_URL": "waba-v2.360dialog.io/[/v1]"}
    # When `followup dev` starts with it
    done, said = dev_started_with(env, tmp_path)
    # Then it stops, naming the variable and what it should be, with no traceback
    assert done.returncode == 1
    assert "D360_BASE_URL: " in said
    assert "http:// or https://" in said
    assert "Traceback" not in said, said[-1500:]


@pytest.mark.slow
def test_started_in_the_background_it_refuses_other_sites_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    # A script's `followup dev &` starts with SIGINT ignored; Ctrl-C (SIGINT) stops it all
    # the same. Its endpoints without sign-in answer this machine only.
    running = Running(tmp_path / "state", free_port(), contacts=2, background=True)
    try:
        token = f"{running.url}/dev/token?role=admin"
        assert httpx.post(token).status_code == 200
        elsewhere = [
            {"Origin": "https://attacker.example"},
            {"Origin": "null"},
            {"Host": "rebound.attacker.example"},
        ]
        for headers in elsewhere:
            for path in ("/dev/token?role=admin", "/dev/tick", "/sandbox/reply"):
                answer = httpx.post(f"{running.url}{path}", headers=headers, json={})
                assert answer.status_code == 403, (path, headers)
        assert httpx.get(f"{running.url}/sandbox/chats", headers=elsewhere[2]).status_code == 403
        local_page = {"Origin": f"http://localhost:{running.port}"}
        assert httpx.post(token, headers=local_page).status_code == 200
    finally:
        code = running.stop()
    assert code == 0
    assert "stopped" in "".join(running.output)


@pytest.mark.slow
def test_after_kill_9_nothing_sent_is_sent_again_and_no_acknowledged_webhook_is_lost(
    tmp_path: Path,
) -> None:
    # With a real provider key it sends for real: here to a fake 360dialog that is slow to
    # answer, so some sends are in flight when the process is killed
    provider = WhatsAppSandbox("provider-key")
    provider.latency = 5
    env = {
        "D360_API_KEY": "provider-key",
        "D360_BASE_URL": provider.start(),
        "FOLLOWUP_SENDING_DEADLINE_MINUTES": "1",
    }
    state = tmp_path / "state"
    first = Running(state, free_port(), contacts=40, env=env)
    try:
        only_any_time_rule(first)
        admin = first.token("admin")
        assert httpx.post(f"{first.url}/dev/tick", timeout=120).json()["dispatch"]["dispatched"]
        eventually(lambda: len(provider.requests) >= 3 or None)
        leads = []
        for request in provider.requests[:3]:
            assert request.body is not None
            path = f"{first.url}/api/followups/{request.followup_id}"
            leads.append(httpx.get(path, headers=admin, timeout=30).json()["contact_id"])
            stop = {"wa_id": request.body["to"], "text": "STOP"}
            assert httpx.post(f"{first.url}/sandbox/reply", json=stop, timeout=30).is_success
    finally:
        first.process.kill()
    first.process.wait(timeout=30)
    provider.latency = 0
    # The next start has every acknowledged write: each send as claimed, and the STOPs.
    # Its clock starts two minutes on, past the one-minute sending deadline of every send
    # the first one claimed (short of the half hour before a dispatched one is redriven).
    later = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
    again = Running(state, free_port(), contacts=40, env=env, clock=later)
    try:
        # (it sends nothing before its first tick: all requests so far came from the first)
        asked_before = len(provider.requests)
        sent_before = {request.followup_id for request in provider.requests}
        statuses = {f: again.call("GET", f"/api/followups/{f}").json() for f in sent_before}
        assert all(found.get("status") not in ("queued", None) for found in statuses.values())
        for lead in leads:
            assert again.call("GET", f"/api/contacts/{lead}").json()["opted_out"] is True
        in_flight = [f for f, found in statuses.items() if found["status"] == "sending"]
        assert in_flight
        # ... and sends none of them again, whatever the ticks do
        dispatched = httpx.post(f"{again.url}/dev/tick", timeout=120).json()["dispatch"]
        eventually(lambda: len(provider.requests) >= asked_before + dispatched["dispatched"])
        again_sent = [r.followup_id for r in provider.requests[asked_before:]]
        assert sent_before.isdisjoint(again_sent)
        # A send cut off mid-flight ends outcome_unknown, its deadline passed

        def settled() -> list[dict[str, object]] | None:
            httpx.post(f"{again.url}/dev/tick", timeout=120)
            now = [again.call("GET", f"/api/followups/{f}").json() for f in in_flight]
            return now if all(found["status"] != "sending" for found in now) else None

        for found in eventually(settled):
            assert (found["status"], found["reason"]) == ("failed", "outcome_unknown")
        assert len(provider.requests) == asked_before + dispatched["dispatched"]
    finally:
        assert again.stop() == 0
        provider.stop()


@pytest.mark.slow
def test_a_second_ctrl_c_keeps_the_data_and_a_damaged_state_file_is_left_alone(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    first = Running(state, free_port(), contacts=2)
    try:
        body = rule("kept-after-two-ctrl-c").model_dump(mode="json")
        assert first.call("POST", "/api/rules", "marketing", json=body).status_code == 201
        # Ctrl-C, and Ctrl-C again while it is stopping
        first.process.send_signal(signal.SIGINT)
        eventually(lambda: "stopping" in "".join(first.output) or None)
        first.process.send_signal(signal.SIGINT)
        assert first.process.wait(timeout=60) == 0
    finally:
        if first.process.poll() is None:
            first.process.kill()
    again = Running(state, free_port(), contacts=2)
    try:
        assert again.call("GET", "/api/rules/kept-after-two-ctrl-c").status_code == 200
    finally:
        assert again.stop() == 0
    # A state file damaged outside (a full disk, an edit): a clear message, nothing replaced
    saved = state / "tables.json"
    damaged = saved.read_bytes()[:-40]
    saved.write_bytes(damaged)
    broken = Running(state, free_port(), contacts=2, ready=False)
    try:
        assert broken.process.wait(timeout=60) == 1
    finally:
        if broken.process.poll() is None:
            broken.process.kill()
    printed = eventually(
        lambda: "".join(broken.output) if "--reset" in "".join(broken.output) else None
    )
    assert f"the saved tables in {saved} cannot be read" in printed
    assert "--reset" in printed
    assert "Traceback" not in printed
    assert saved.read_bytes() == damaged


def test_a_port_taken_before_the_stack_listens_is_given_up_for_another(tmp_path: Path) -> None:
    # Given a port another process holds, as one may take a free port before a stack starts
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        # When a test's stack is started on it
        stack = Running(tmp_path / "state", taken, contacts=1)
        try:
            # Then it serves on another port, and says where ("already in use" is no "ready")
            assert stack.port != taken
            answer = httpx.get(f"{stack.url}/config.json", timeout=SAFETY_NET)
            assert answer.json() == {"mode": "local"}
        finally:
            assert stack.stop() == 0
