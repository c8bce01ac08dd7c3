"""An SMS fallback reached because a 360dialog outage spent WhatsApp's tries has tries of
its own: SNS throttling it is ridden out as it is for an SMS step, up to the workspace's
tries (`max_attempts`) on SMS, then the follow-up ends failed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.channels import ChannelBusy
from followup.domain.followup import FollowUp, Status
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)


class _Throttling(Outbox):
    """SNS throttling the first `times` SMS it is given, then taking every one."""

    def __init__(self, times: int) -> None:
        super().__init__()
        self.left, self.tries = times, 0

    def send(self, *message: Any) -> str:
        self.tries += 1
        if self.left > 0:
            self.left -= 1
            raise ChannelBusy("sns: Throttling")
        return super().send(*message)


def _after_an_outage(engine: MemoryEngine, wa_id: str, sns: Outbox) -> FollowUp:
    """A WhatsApp step falling back to SMS, due now, 360dialog failing every try WhatsApp
    has, and the engine run for six hours: the follow-up then."""
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "whatsapp",
        "fallbacks": ["sms"],
        "text": "Hi {first_name|there}, your place is still open.",
        "template": {"name": "apply_reminder", "language": "en"},
    }
    engine.deps.rules.save_rule(rule(steps=[step]))
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=503, times=engine.deps.catalog.settings().max_attempts)
    engine.deps.sms = sns
    start = engine.clock.now()
    engine.tick()
    engine.run_until(start + 6 * HOUR)
    [followup] = engine.deps.followups.followups_of(lead.id)
    return followup


def test_an_sms_fallback_throttled_once_after_a_whatsapp_outage_still_goes(
    engine: MemoryEngine,
) -> None:
    # Given a WhatsApp step falling back to SMS, 360dialog down for all of WhatsApp's tries,
    # and SNS throttling the first SMS once
    sns = _Throttling(times=1)
    # When the engine runs for a few hours
    followup = _after_an_outage(engine, "6281100000951", sns)
    # Then the SMS is tried again after a backoff and goes, once
    assert sns.sent == [("sms", "+6281100000951")], (followup.status, followup.reason)
    assert (followup.status, followup.channel) == (Status.SENT, "sms")


def test_an_sms_fallback_sns_keeps_throttling_gets_the_workspaces_tries_then_fails(
    engine: MemoryEngine,
) -> None:
    # Given the same step and outage, and SNS throttling every SMS
    sns = _Throttling(times=1_000)
    # When the engine runs for a few hours
    followup = _after_an_outage(engine, "6281100000953", sns)
    # Then SNS was given the SMS as many times as 360dialog the WhatsApp message, and the
    # follow-up ended failed, its tries on SMS spent
    tries = engine.deps.catalog.settings().max_attempts
    assert (len(engine.sandbox.requests), sns.tries) == (tries, tries)
    assert (followup.status, followup.reason) == (
        Status.FAILED,
        "retries_exhausted: sms: sns: Throttling",
    )
