"""Two functions of the local stack called for the first time at once both answer.

The local stack runs every function in one process, and each loads its use cases with its
first event. Without one lock for those loads, the API's first request and the sender's
first batch loaded Powertools' data classes together, and one of them failed on a
half-loaded module (a 500 from `POST /api/contacts`, or a batch retried), in about one
run in four. Each run is a fresh interpreter, as a started stack is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 8

PROBE = """
import threading
from datetime import UTC, datetime

from followup_local.engine import local_engine
from tests.support.events import load

failures = []
with local_engine(datetime(2026, 11, 24, 2, 0, tzinfo=UTC)) as engine:
    together = threading.Barrier(2)

    def first_call(function, event):
        together.wait()
        try:
            answer = engine.functions.invoke(function, event)
        except BaseException as error:
            failures.append(f"{function}: {error!r}")
            return
        if function == "api" and answer["statusCode"] >= 500:
            failures.append(f"api: {answer['body']}")
        if function == "sender" and len(answer["batchItemFailures"]) != 1:
            failures.append(f"sender: {answer}")

    calls = [
        threading.Thread(target=first_call, args=("api", load("apigw-api-get-queue.json"))),
        threading.Thread(target=first_call, args=("sender", load("sqs-send-batch.json"))),
    ]
    for call in calls:
        call.start()
    for call in calls:
        call.join()
print(failures or "both answered")
"""


def _started() -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            str(ROOT / part) for part in ("layers/followup", "local", "")
        ),
    }
    return subprocess.Popen(
        [sys.executable, "-c", PROBE],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_the_api_and_the_sender_called_first_at_once_both_answer() -> None:
    outcomes = []
    for _ in range(RUNS // 2):  # two interpreters at a time, one per core
        runs = [_started(), _started()]
        outcomes += [run.communicate(timeout=120)[0].strip().splitlines()[-1] for run in runs]
    assert outcomes == ["both answered"] * RUNS
