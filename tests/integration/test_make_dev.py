"""`make dev` hands its flags to `followup dev`: the real Makefile, with a stand-in command."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def make_dev(venv: Path, *variables: str) -> list[str]:
    """Run `make dev` with `venv/bin/followup` recording its arguments; the arguments."""
    (venv / "bin").mkdir(parents=True)
    seen = venv / "argv"
    stub = venv / "bin" / "followup"
    stub.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {shlex.quote(str(seen))}\n')
    stub.chmod(0o755)
    # The virtualenv and the web build count as done: only the `dev` recipe runs.
    done = ("-o", f"{venv}/.ready", "-o", "web/dist/index.html")
    subprocess.run(
        ["make", "--no-print-directory", *done, "dev", f"VENV={venv}", *variables],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return seen.read_text().splitlines()


def test_make_dev_passes_the_port_and_other_flags_to_followup_dev(tmp_path: Path) -> None:
    argv = make_dev(tmp_path / "venv", "PORT=8123", "ARGS=--contacts 100 --tick 5")
    assert argv == ["dev", "--port", "8123", "--contacts", "100", "--tick", "5"]


def test_make_dev_without_flags_runs_followup_dev_with_its_defaults(tmp_path: Path) -> None:
    assert make_dev(tmp_path / "venv") == ["dev"]
