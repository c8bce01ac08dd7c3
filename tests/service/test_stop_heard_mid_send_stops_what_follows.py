"""A STOP heard while a provider answers a send it then refuses (or cannot take) stops what
the step would send next in that send's place: its fallback on SMS or email, or its
template instead of refused free text. A STOP of WhatsApp alone stops only WhatsApp: a
step's SMS still goes. A reply that ends the journey ("not interested", "already paid")
heard the same way stops the fallback too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from followup.domain.channels import ChannelBusy, ChannelRefused
from followup.domain.contact import Contact
from followup.domain.followup import FollowUp, Status
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
WA_ID = "6281100000773"
TEXT = "Hi {first_name|there}, your place is still open."
TEMPLATE = {"name": "apply_reminder", "language": "en"}


def stop_heard_during(
    engine: MemoryEngine, send: Callable[..., str], words: str = "STOP"
) -> Callable[..., str]:
    """`send`, with the lead's `words` (a STOP unless said) reaching the webhook while the
    provider answers the first call."""
    heard: list[str] = []

    def answering(*message: Any) -> str:
        if not heard:
            heard.append(words)
            written = engine.clock.advance(timedelta(seconds=1))
            engine.deliver(envelopes.text_message(WA_ID, words, written, "wamid.stop-mid"))
        return send(*message)

    return answering


def refused_as_the_stop_is_heard(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, code: int, words: str = "STOP"
) -> None:
    """360dialog refuses the next WhatsApp send with `code`, the lead's `words` (a STOP
    unless said) reaching the webhook while it answers."""
    engine.sandbox.fail_next(status=400, code=code)
    whatsapp = engine.deps.whatsapp
    monkeypatch.setattr(whatsapp, "send", stop_heard_during(engine, whatsapp.send, words))


def stop_stops_all(engine: MemoryEngine, stops_all: bool) -> None:
    settings = engine.deps.rules.settings()
    update = {"whatsapp_stop_stops_all": stops_all}
    engine.deps.rules.save_settings(settings.model_copy(update=update))
    engine.deps.catalog.invalidate()


def only_followup(engine: MemoryEngine, lead: Contact) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(lead.id)
    return followup


def whatsapp_kinds(engine: MemoryEngine) -> list[str]:
    """What the sender gave 360dialog, in order: `text` or `template`."""
    return [str((r.body or {}).get("type")) for r in engine.sandbox.requests]


@pytest.mark.parametrize("fallback", ["sms", "email"])
def test_no_fallback_goes_after_a_stop_heard_while_whatsapp_answered(
    engine: MemoryEngine, outbox: Outbox, monkeypatch: pytest.MonkeyPatch, fallback: str
) -> None:
    # Given a STOP that stops every channel (the default), and a step on WhatsApp falling
    # back to SMS / email when WhatsApp cannot deliver
    step = channel_step("whatsapp", TEXT, fallbacks=[fallback], template=TEMPLATE)
    engine.deps.rules.save_rule(rule(steps=[step]))
    lead = quiet_contact(
        engine.deps, WA_ID, engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    # The lead's STOP reaches the webhook while 360dialog is answering the WhatsApp send,
    # which it then refuses for good (131026, undeliverable)
    refused_as_the_stop_is_heard(engine, monkeypatch, 131026)
    # When the tick sends it
    engine.tick()
    # Then nothing goes on the fallback channel: the lead had opted out before it was sent
    assert whatsapp_kinds(engine) == ["template"]
    assert outbox.sent == []
    assert only_followup(engine, lead).status is Status.OPTED_OUT


@pytest.mark.parametrize("words", ["Not interested, thanks", "Already paid yesterday"])
def test_no_fallback_goes_after_a_reply_that_ends_the_journey_heard_mid_send(
    engine: MemoryEngine, outbox: Outbox, monkeypatch: pytest.MonkeyPatch, words: str
) -> None:
    # Given a step on WhatsApp falling back to SMS when WhatsApp cannot deliver
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "whatsapp",
        "fallbacks": ["sms"],
        "text": TEXT,
        "template": TEMPLATE,
    }
    engine.deps.rules.save_rule(rule(steps=[step]))
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    # The lead's "not interested" (or "already paid") reaches the webhook while 360dialog
    # is answering the WhatsApp send, which it then refuses for good (131026)
    refused_as_the_stop_is_heard(engine, monkeypatch, 131026, words)
    # When the tick sends it
    engine.tick()
    # Then no SMS goes: the lead's reply had ended the journey before it was sent
    assert whatsapp_kinds(engine) == ["template"]
    assert outbox.sent == []
    followup = only_followup(engine, lead)
    assert followup.status is Status.CANCELED


@pytest.mark.parametrize("stops_all", [True, False])
def test_no_template_goes_in_place_of_refused_text_after_a_stop_heard_mid_send(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, stops_all: bool
) -> None:
    # Given a step with free text and a template, for leads quiet for an hour (the engine
    # thinks their window open; WhatsApp does not, so it refuses the text: 131047), and a
    # STOP that stops every channel, or WhatsApp alone
    stop_stops_all(engine, stops_all)
    engine.deps.rules.save_rule(
        rule(trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}})
    )
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 2 * HOUR)
    refused_as_the_stop_is_heard(engine, monkeypatch, 131047)
    # When the tick sends it, the lead's STOP heard while 360dialog answers the text
    engine.tick()
    # Then no template goes to the lead in its place: they had stopped WhatsApp by then
    assert whatsapp_kinds(engine) == ["text"]
    assert only_followup(engine, lead).status is Status.OPTED_OUT


def test_a_whatsapp_only_stop_heard_mid_send_sends_the_steps_sms_instead_of_the_template(
    engine: MemoryEngine, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a STOP that stops WhatsApp alone, and a step with free text and a template
    # that falls back to SMS, for a lead WhatsApp will refuse free text (131047)
    stop_stops_all(engine, False)
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "fallbacks": ["sms"],
        "text": TEXT,
        "template": TEMPLATE,
    }
    engine.deps.rules.save_rule(
        rule(trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}, steps=[step])
    )
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 2 * HOUR)
    refused_as_the_stop_is_heard(engine, monkeypatch, 131047)
    # When the tick sends it, the lead's STOP heard while 360dialog answers the text
    engine.tick()
    # Then no template goes on WhatsApp, which they stopped; the step goes by SMS, which
    # they did not
    assert whatsapp_kinds(engine) == ["text"]
    assert outbox.sent == [("sms", f"+{WA_ID}")]
    followup = only_followup(engine, lead)
    assert (followup.status, followup.channel) == (Status.SENT, "sms")


class _Unanswered(Outbox):
    """SNS refusing every SMS (for good, or busy), SES taking every email."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def send(self, *message: Any) -> str:
        if isinstance(message[0], str):
            raise self.error
        return super().send(*message)


@pytest.mark.parametrize(
    "error", [ChannelRefused("sns: InvalidParameter"), ChannelBusy("sns: Throttling")]
)
def test_no_email_goes_after_a_stop_heard_while_sns_answered(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    # Given a step by SMS falling back to email, SNS refusing it (or busy, on the
    # workspace's last try), and a STOP that stops every channel
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"max_attempts": 1}))
    engine.deps.catalog.invalidate()
    step = channel_step("sms", TEXT, fallbacks=["email"])
    engine.deps.rules.save_rule(rule(steps=[step]))
    lead = quiet_contact(
        engine.deps, WA_ID, engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    providers = _Unanswered(error)
    engine.deps.sms = engine.deps.email = providers
    # The lead's STOP reaches the webhook (on WhatsApp) while SNS answers the SMS
    monkeypatch.setattr(providers, "send", stop_heard_during(engine, providers.send))
    # When the tick sends it
    engine.tick()
    # Then no email goes: the lead had opted out before it was sent
    assert providers.sent == []
    assert only_followup(engine, lead).status is Status.OPTED_OUT
