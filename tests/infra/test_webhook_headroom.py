"""The webhook is reserved enough concurrency for a number's peak: three statuses a send
answered in a tenth of a second, and the replies Claude reads, which take seconds each.
Short of it, 360dialog's deliveries are throttled at peak (retried later, so nothing is
lost, but the throttle alarm fires and statuses arrive late)."""

from __future__ import annotations

from pathlib import Path

from tests.infra.conftest import Synth, synth


def _webhook_reserved(s: Synth) -> int:
    logical = s.stack.get_logical_id(s.stack.functions["webhook"].node.default_child)
    reserved: int = s.resources("AWS::Lambda::Function")[logical]["Properties"][
        "ReservedConcurrentExecutions"
    ]
    return reserved


def test_the_webhook_has_room_for_statuses_and_replies_read_by_the_ai_at_the_numbers_rate(
    dev: Synth, prod: Synth
) -> None:
    # Given a number sending 80 a second (dev) and one sending 1,000 a second (prod)
    assert (dev.stack.settings.total_rate, prod.stack.settings.total_rate) == (80, 1000)
    # Then each send's webhook time is 3 statuses x 0.1 s, plus one reply in five read by
    # the AI in 2 s: 0.7 s a send, so 80 x 0.7 and 1,000 x 0.7 deliveries at once
    assert _webhook_reserved(dev) == 56
    assert _webhook_reserved(prod) == 700


def test_numbers_together_past_the_accounts_default_quota_reserve_only_what_it_allows(
    variants: Path,
) -> None:
    # Given two numbers sending 1,000 a second each, whose peak would want 1,400 at once
    s = synth(variants, number_rates="[1000, 1000]")
    # Then the webhook reserves 900: an account's default 1,000, less the 100 Lambda keeps
    # unreserved for every other function (a larger reservation fails the deployment)
    assert _webhook_reserved(s) == 900
