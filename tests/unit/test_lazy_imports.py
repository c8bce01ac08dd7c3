"""Heavy libraries load only where they are used: the Anthropic SDK (about a second) where
a message is written, the date parser where a reply names a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(
    f"functions.{path.parent.name}.handler" for path in ROOT.glob("functions/*/handler.py")
)

PROBE = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
before = "anthropic" in sys.modules
from followup.domain.ai import AiContext, AiRequest, Score
from followup.wiring.ai import writer
from followup.wiring.config import Config
context = AiContext("Budi", "registered", Score.WARM, "id", "friendly", "not paid")
writer(Config()).write(AiRequest("system", "instructions", context, 300))
print(json.dumps({"handlers": before, "no_key_write": "anthropic" in sys.modules}))
"""


def test_no_handler_imports_the_anthropic_sdk() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            str(ROOT / part) for part in ("layers/followup", "local", "")
        ),
        "AWS_DEFAULT_REGION": "us-east-1",
        "ANTHROPIC_API_KEY": "",
    }
    modules = [*HANDLERS, "followup.adapters.claude", "followup.wiring.ai"]
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *modules],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    assert len(HANDLERS) >= 10
    assert json.loads(done.stdout.splitlines()[-1]) == {"handlers": False, "no_key_write": False}


def test_no_handler_loads_the_date_parser_until_a_reply_names_a_time() -> None:
    probe = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    importlib.import_module(name)\n"
        "print('dateparser' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            str(ROOT / part) for part in ("layers/followup", "local", "")
        ),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    done = subprocess.run(
        [sys.executable, "-c", probe, *HANDLERS],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    assert done.stdout.splitlines()[-1] == "False"
