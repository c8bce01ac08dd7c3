"""`followup dry-run` against `followup dev`, as a person types it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.devstack import FOLLOWUP, Running, free_port


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("dry-run") / "state", free_port(), contacts=3)
    yield running
    running.stop()


def dry_run(state: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The command as typed beside `followup dev` on `state`: it finds where the stack
    listens (a free port here, not the default one) from the state directory."""
    return subprocess.run(
        [str(FOLLOWUP), "dry-run", *arguments, "--state-dir", str(state)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "160", "PATH": str(Path(FOLLOWUP).parent)},
        check=False,
    )


@pytest.mark.slow
def test_a_busy_reply_is_followed_up_in_the_printed_timeline(stack: Running) -> None:
    before = stack.call("GET", "/api/queue").json()["followups"]
    done = dry_run(stack.state, "busy-nudge", "--name", "Dewi", "--reply", "1h=lagi sibuk kak")
    assert done.returncode == 0, done.stderr
    assert "busy-nudge: dry run in Asia/Jakarta" in done.stdout
    rows = [line for line in done.stdout.splitlines() if " send " in f" {line} "]
    assert len(rows) == 2  # after five minutes, then fifteen more
    assert "busy" in done.stdout
    # Nothing was queued or sent for real
    assert stack.call("GET", "/api/queue").json()["followups"] == before


@pytest.mark.slow
def test_a_refusal_prints_the_apis_reason_and_fails(stack: Running) -> None:
    done = dry_run(stack.state, "no-such-rule")
    assert done.returncode == 1
    assert "no-such-rule" in done.stderr
    done = dry_run(stack.state, "busy-nudge", "--contact", "ct_nobody")
    assert done.returncode == 1
    assert "ct_nobody" in done.stderr


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--reply", "soon=hello", "30m, 2h, 3d or 1w"),
        ("--days", "0", "between 1 and 400"),
        ("--days", "-3", "between 1 and 400"),
        ("--start", "next tuesday", "with its UTC offset"),
        ("--start", "2026-12-08T09:00:00", "with its UTC offset"),
        ("--url", "http://localhost:80O0", "a port that is not a number"),
        ("--url", "localhost:8000", "http:// or https://"),
        ("--state-dir", "/dev/null", "exists and is not a directory"),
        ("--state-dir", "/dev/null/state", "is under '/dev/null', a file"),
    ],
)
def test_a_bad_flag_names_itself(flag: str, value: str, words: str) -> None:
    # No stack runs: the flag is refused before anything is asked of one
    done = subprocess.run(
        [str(FOLLOWUP), "dry-run", "busy-nudge", flag, value],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert flag in done.stderr
    assert words in done.stderr


@pytest.mark.parametrize("url", [[], ["--url", "http://127.0.0.1:9"]], ids=["local", "url"])
@pytest.mark.parametrize("state", ["/dev/null", "/dev/null/state"])
def test_a_bad_state_directory_from_the_environment_names_it(state: str, url: list[str]) -> None:
    done = subprocess.run(
        [str(FOLLOWUP), "dry-run", "busy-nudge", *url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "FOLLOWUP_STATE_DIR": state},
    )
    assert (done.returncode, "Traceback" in done.stderr) == (2, False), done.stderr
    assert f"'{state}' (from FOLLOWUP_STATE_DIR)" in done.stderr


@pytest.mark.slow
def test_a_state_directory_no_stack_runs_on_says_so_whatever_a_stopped_one_left(
    tmp_path: Path,
) -> None:
    # Given the state of a stack that stopped, its last address left behind
    stopped = Running(tmp_path / "state", free_port(), contacts=1)
    stopped.stop()
    # When the command asks it
    done = dry_run(stopped.state, "busy-nudge")
    # Then it says no stack runs there, and how to point it at one
    assert done.returncode == 1
    assert f"no `followup dev` runs on {stopped.state}" in done.stderr
    assert "--url" in done.stderr
    # An address given that answers nothing is named as it is
    elsewhere = f"http://127.0.0.1:{free_port()}"
    done = dry_run(stopped.state, "busy-nudge", "--url", elsewhere)
    assert done.returncode == 1
    assert f"cannot reach {elsewhere}" in done.stderr
