"""The sandbox's rate limits: WhatsApp's 130429 above the number's rate and 131056 to one
recipient too often, in the real wire format; counted on a clock the tests set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from followup.adapters.whatsapp import D360Client
from followup.domain.followup import RenderedMessage
from followup.domain.whatsapp import Disposition, OutboundMessage, ProviderRejected
from followup_local.sandbox import WhatsAppSandbox
from followup_local.throttle import TokenBuckets

KEY = "sandbox-key"


class Ticks:
    """The sandbox's seconds, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def sandbox(ticks: Ticks) -> Iterator[WhatsAppSandbox]:
    with WhatsAppSandbox(KEY) as running:
        running.ticks = ticks
        yield running


@pytest.fixture
def client(sandbox: WhatsAppSandbox) -> Iterator[D360Client]:
    with D360Client(sandbox.base_url, KEY, timeout=30.0) as d360:
        yield d360


def template(to: str) -> OutboundMessage:
    message = RenderedMessage(kind="template", template_name="checking_in", language="id")
    return OutboundMessage(to, message, callback_data="fu-1")


def send(client: D360Client, to: str) -> int | None:
    """None when accepted, else the error code of the 429 WhatsApp throttled it with."""
    try:
        client.send(template(to))
    except ProviderRejected as rejected:
        failure = rejected.failure
    else:
        return None
    assert (failure.disposition, failure.http_status) == (Disposition.THROTTLED, 429)
    return failure.code


def test_sends_above_the_numbers_rate_draw_130429(
    sandbox: WhatsAppSandbox, client: D360Client, ticks: Ticks
) -> None:
    # Given a number limited to 10 a second with bursts of 3
    sandbox.limit_rate(10, burst=3)
    # When five go at once to different recipients
    answers = [send(client, f"62811000000{n:02d}") for n in range(5)]
    # Then the burst goes and the rest is refused with 130429
    assert answers == [None, None, None, 130429, 130429]
    # And 200 ms later two more fit
    ticks.now += 0.2
    assert [send(client, f"62811000001{n:02d}") for n in range(3)] == [None, None, 130429]
    assert len(sandbox.sent()) == 5
    assert [r.error_code for r in sandbox.requests].count(130429) == 3


def test_a_recipient_messaged_again_too_soon_draws_131056(
    sandbox: WhatsAppSandbox, client: D360Client, ticks: Ticks
) -> None:
    sandbox.limit_rate(80, pair_every=6, pair_burst=1)
    assert send(client, "6281100000001") is None
    ticks.now += 5
    assert send(client, "6281100000001") == 131056
    assert send(client, "6281100000002") is None
    ticks.now += 1
    assert send(client, "6281100000001") is None


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    bucket = TokenBuckets(rate=4, burst=2)
    assert [bucket.take("n", 0.0) for _ in range(3)] == [True, True, False]
    assert [bucket.take("n", 0.25) for _ in range(2)] == [True, False]
    assert [bucket.take("n", 10.0) for _ in range(3)] == [True, True, False]
    assert bucket.take("other", 10.0) is True


def test_without_a_limit_the_sandbox_refuses_nothing(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    assert [send(client, "6281100000001") for _ in range(20)] == [None] * 20


def test_answers_wait_the_latency_give_or_take_the_jitter(sandbox: WhatsAppSandbox) -> None:
    sandbox.latency, sandbox.jitter = 0.1, 0.02
    delays = [sandbox.answer_delay() for _ in range(200)]
    assert all(0.08 <= delay <= 0.12 for delay in delays)
    assert len(set(delays)) > 100
