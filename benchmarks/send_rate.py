"""Sends per second against a number limited to 80 a second, as WhatsApp sees them.

The WhatsApp sandbox enforces the limit (429 with error 130429 above 80/s, bursts of 20
tolerated) and answers in 100 ms ± 20 ms. Three runs:

- the HTTP path unpaced, as the sender was before pacing: 20 sends in flight (2 instances
  × 10 threads, the former cap at `sends_per_second=80`) and nothing else;
- the HTTP path paced: the pacer on DynamoDB (moto) and the real 360dialog client, two
  containers of 10 workers sharing the number's counters;
- the whole sender (the Lambda handler, claim, re-checks, record) on moto, paced. moto
  serialises every call and tops out near 27-29 sends/s whatever the provider does, so this
  run shows the provider-facing rate and that nothing is throttled, not the ceiling.

Figures are ratios and counts: the provider-facing rate as a share of the limit (accepted
sends over the span between the first and the last), sends throttled, and DynamoDB writes
per send (slot counters plus recipient markers; at $0.625 per million write units). The
HTTP runs take about 10 s each (800 sends); the whole path 10 to 15 s (200 sends). At
1,000/s a slot's counter item (a new one every 100 ms) gets under 50 writes once the
containers size their blocks by their last second (tests/service/test_pacing.py), under
DynamoDB's 1,000 writes a second per item even if all landed within its 100 ms.
Run: `.venv/bin/python -m benchmarks send_rate`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import boto3

from benchmarks.figures import Figure, at_least, at_most
from followup.adapters import tables
from followup.adapters.dynamo_pacing import DynamoPacing
from followup.adapters.whatsapp import D360Client
from followup.domain.contact import Speaker
from followup.domain.followup import RenderedMessage
from followup.domain.rule import Rule
from followup.domain.whatsapp import OutboundMessage, ProviderRejected
from followup.services.contacts import create_contact, update_contact
from followup.services.pacing import Pacer
from followup.wiring.runtime import SystemClock
from followup_local.engine import LOCAL_API_KEY, REGION, local_engine
from followup_local.moto_tuning import tune_moto
from followup_local.sandbox import SandboxRequest, WhatsAppSandbox

LIMIT = 80
LATENCY, JITTER = 0.1, 0.02
HTTP_SENDS = 800
WHOLE_SENDS = 200
CONTAINERS, WORKERS = 2, 10
NUMBER = "+6281100000000"
START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class CountingPacing(DynamoPacing):
    """The DynamoDB pacing adapter, counting its writes."""

    def __init__(self) -> None:
        self.writes = 0
        self._lock = threading.Lock()

    def reserve(self, key: str, count: int, expires_at: datetime) -> int:
        with self._lock:
            self.writes += 1
        return super().reserve(key, count, expires_at)

    def space(self, key: str, at: datetime, until: datetime) -> datetime | None:
        with self._lock:
            self.writes += 1
        return super().space(key, at, until)


@dataclass(frozen=True)
class Run:
    accepted: int
    throttled: int
    rate: float

    @property
    def share(self) -> float:
        return round(100 * self.rate / LIMIT, 1)

    @property
    def throttled_share(self) -> float:
        return round(100 * self.throttled / (self.accepted + self.throttled), 1)


def measured(requests: list[SandboxRequest]) -> Run:
    """The rate the provider saw: accepted sends over the span from the first to the last."""
    accepted = sorted(r.tick for r in requests if r.status == 200)
    throttled = sum(r.status == 429 for r in requests)
    span = accepted[-1] - accepted[0] if len(accepted) > 1 else 0.0
    rate = (len(accepted) - 1) / span if span else 0.0
    codes = sorted({r.error_code for r in requests if r.status == 429 and r.error_code})
    if codes:
        print(f"  throttled with {codes}")
    return Run(len(accepted), throttled, round(rate, 1))


def limited_sandbox(sandbox: WhatsAppSandbox) -> None:
    sandbox.reset()
    sandbox.limit_rate(LIMIT)
    sandbox.latency, sandbox.jitter = LATENCY, JITTER


def outbound(n: int) -> OutboundMessage:
    message = RenderedMessage(kind="template", template_name="checking_in", language="id")
    return OutboundMessage(f"62899{n:08d}", message, callback_data=f"fu-{n}")


def http_path(sandbox: WhatsAppSandbox, pacers: list[Pacer] | None) -> Run:
    """HTTP_SENDS sends by CONTAINERS × WORKERS threads, each container paced or not."""
    limited_sandbox(sandbox)
    counter = iter(range(HTTP_SENDS))
    lock = threading.Lock()

    def worker(admit: Callable[[str], object], client: D360Client) -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            message = outbound(n)
            while admit(message.to) is not None:
                time.sleep(0.05)  # held: back on the queue, here a short nap
            try:
                client.send(message)
            except ProviderRejected:
                continue

    with (
        D360Client(sandbox.base_url, LOCAL_API_KEY, timeout=10.0) as client,
        ThreadPoolExecutor(CONTAINERS * WORKERS) as pool,
    ):
        for c in range(CONTAINERS):
            admit = pacers[c].admit if pacers else (lambda _to: None)
            for _ in range(WORKERS):
                pool.submit(worker, admit, client)
    return measured(sandbox.requests)


def http_runs() -> tuple[Run, Run, float]:
    """Unpaced, then paced; and the paced run's DynamoDB writes per send."""
    from moto import mock_aws

    tune_moto()
    with mock_aws(), WhatsAppSandbox(LOCAL_API_KEY) as sandbox:
        tables.bind("bench-", REGION)
        tables.create_tables(boto3.client("dynamodb", region_name=REGION))
        unpaced = http_path(sandbox, None)
        store = CountingPacing()
        clock = SystemClock()
        pacers = [Pacer(store, NUMBER, LIMIT, clock, time.sleep) for _ in range(CONTAINERS)]
        paced = http_path(sandbox, pacers)
        return unpaced, paced, store.writes / max(1, paced.accepted)


def whole_path() -> tuple[Run, float]:
    """The sender handler draining WHOLE_SENDS follow-ups on moto, paced in real time."""
    with local_engine(START) as engine:
        deps = engine.deps
        deps.rules.save_rule(
            Rule.model_validate(
                {
                    "id": "bench",
                    "name": "bench",
                    "trigger": {"idle": {"amount": 1, "unit": "hours"}},
                    "steps": [
                        {
                            "wait": {"amount": 0, "unit": "minutes"},
                            "template": {"name": "t", "language": "en"},
                        }
                    ],
                    "send_anytime": True,
                }
            )
        )
        quiet = START - timedelta(hours=2)
        for n in range(WHOLE_SENDS):
            contact = create_contact(deps, wa_id=f"62899{n:08d}", at=quiet)
            update_contact(
                deps,
                contact.id,
                lambda c: c.model_copy(
                    update={"last_activity_at": quiet, "last_speaker": Speaker.CONTACT}
                ),
                quiet,
            )
        engine.scheduled("enqueue")
        engine.scheduled("dispatch")
        limited_sandbox(engine.sandbox)
        store = CountingPacing()
        # Real time for the pacer: the engine's virtual clock stands still while it drains.
        deps.pacer = Pacer(store, deps.sending_number, LIMIT, SystemClock(), time.sleep)
        engine.drain()
        run = measured(engine.sandbox.requests)
    return run, store.writes / max(1, run.accepted)


def main() -> list[Figure]:
    unpaced, paced, writes = http_runs()
    whole, whole_writes = whole_path()
    for label, run in (
        (f"HTTP path, unpaced, {CONTAINERS * WORKERS} in flight", unpaced),
        (f"HTTP path, paced, {CONTAINERS} containers × {WORKERS} workers", paced),
        ("whole sender on moto, paced (moto-bound)", whole),
    ):
        print(
            f"{label}: {run.accepted} accepted at {run.rate} msg/s ({run.share} % of {LIMIT}), "
            f"{run.throttled} throttled ({run.throttled_share} %)"
        )
    print(
        f"DynamoDB writes per send: {writes:.2f} (HTTP path), {whole_writes:.2f} (whole path): "
        f"${writes * 0.625:.2f} per million sends"
    )
    return [
        Figure("send rate, HTTP path unpaced (before), % of limit", unpaced.share, "%"),
        Figure("sends throttled, HTTP path unpaced (before), %", unpaced.throttled_share, "%"),
        at_least("send rate, HTTP path paced, % of 80/s limit", paced.share, "%", 95),
        at_most("sends throttled, HTTP path paced", paced.throttled, "", 0),
        Figure("send rate, whole sender on moto (moto-bound), % of limit", whole.share, "%"),
        at_most("sends throttled, whole sender on moto", whole.throttled, "", 0),
        Figure("pacing DynamoDB writes per send, HTTP path", round(writes, 2), "writes"),
    ]


if __name__ == "__main__":
    main()
