"""Code run by a fresh Python interpreter on the repository's sources, as Lambda starts a
container: nothing loaded yet, the handlers importable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def python(code: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`code` run with `args` as `sys.argv[1:]` and `env` over this process's environment;
    fails the test when it exits with an error."""
    path = os.pathsep.join(str(ROOT / part) for part in ("layers/followup", "local", ""))
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path, "AWS_DEFAULT_REGION": "us-east-1", **env},
        cwd=ROOT,
        check=True,
        timeout=120,
    )
