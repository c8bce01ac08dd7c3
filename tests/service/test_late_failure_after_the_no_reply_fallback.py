"""A step sent on WhatsApp, then by SMS because no reply came within a day, and only then
WhatsApp's report that the WhatsApp message failed (undeliverable, 131026: its webhook
retried, or ours was down). The SMS, the one message the lead got, takes over as the
step's send: the step still counts one send, no failure, and the lead's answer to the SMS
is the step's answer, on either store and whatever moves at the same moment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from followup.domain.followup import FollowUp, Status
from followup.services.ports import Change, FollowUpChange
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.service.test_stats_stop_and_prices import (
    RUDI,
    Engine,
    sent_with_sms_fallback,
    stats_page,
    step_counts,
)
from tests.support.outbox import Outbox
from tests.support.races import AfterFirstRead

HOUR = timedelta(hours=1)
FUNNEL = ("sent", "failed", "failed_after_send", "responded")


def undeliverable(followup: FollowUp, written: datetime) -> dict[str, Any]:
    """WhatsApp's `failed` status (131026) about `followup`'s message, written `written`."""
    doc = envelopes.status(
        followup.provider_message_id or "", "failed", written, RUDI, followup.id, None
    )
    doc["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {"code": 131026, "title": "Message undeliverable", "message": "undeliverable"}
    ]
    return doc


def with_sms(engine: Engine) -> Any:
    """`engine` with SMS set up (the local engine has its own)."""
    if isinstance(engine, MemoryEngine):
        engine.deps.sms = engine.deps.email = Outbox()
    return engine


def taken_over(sms: FollowUp) -> tuple[Status, bool]:
    """The SMS's status, and whether it took over as its step's send (following on no
    more)."""
    return sms.status, sms.took_over_at is not None and not sms.follows_on


def sms_of(engine: Engine, whatsapp: FollowUp) -> FollowUp:
    [sms] = [
        f for f in engine.deps.followups.followups_of(whatsapp.contact_id) if f.channel == "sms"
    ]
    return sms


def test_the_sms_sent_for_no_reply_takes_over_when_whatsapp_reports_its_message_failed(
    either: Engine,
) -> None:
    # Given a step sent on WhatsApp, and by SMS a day later as no reply came
    whatsapp = sent_with_sms_fallback(with_sms(either), no_reply=True)
    sent_at = either.clock.now()
    either.ticks(26, every=HOUR)
    assert sms_of(either, whatsapp).follows_on
    assert stats_page(either, *FUNNEL)["sent"] == 1
    # When WhatsApp's report that its message failed, written 30 s after the send, is heard
    assert either.deliver(undeliverable(whatsapp, sent_at + timedelta(seconds=30))) == 200
    # Then the WhatsApp message is failed and taken back, and the SMS is the step's send
    failed = either.deps.followups.followup(whatsapp.id)
    assert failed is not None
    assert (failed.status, failed.fell_back) == (Status.FAILED, True)
    sms = sms_of(either, whatsapp)
    assert taken_over(sms) == (Status.SENT, True)
    # And the rule and its step count one send and no failure
    shown = stats_page(either, *FUNNEL)
    assert (shown["sent"], shown["failed"], shown["failed_after_send"]) == (1, 0, 0)
    assert step_counts(with_sms(either), "sent", "errors") == (1, 0)
    # And the lead's answer to the SMS is the step's answer
    at = either.clock.advance(timedelta(minutes=5))
    answer = envelopes.text_message(RUDI, "ok, how do I apply?", at, "wamid.IN-1")
    assert either.deliver(answer) == 200
    assert sms_of(either, whatsapp).status is Status.RESPONDED
    assert stats_page(either, *FUNNEL)["responded"] == 1
    assert step_counts(with_sms(either), "sent", "responded") == (1, 1)
    # And the same report heard again changes nothing
    assert either.deliver(undeliverable(whatsapp, sent_at + timedelta(seconds=30))) == 200
    assert stats_page(either, *FUNNEL)["sent"] == 1


def test_an_answer_read_before_the_take_over_is_written_over_it_not_instead(
    engine: MemoryEngine,
) -> None:
    # Given a step sent on WhatsApp, and by SMS a day later as no reply came
    whatsapp = sent_with_sms_fallback(with_sms(engine), no_reply=True)
    sent_at = engine.clock.now()
    engine.ticks(26, every=HOUR)
    # When the lead answers, and WhatsApp's report that its message failed is taken just
    # after the answer read the lead's follow-ups to settle them (its second read of them)
    report = undeliverable(whatsapp, sent_at + timedelta(seconds=30))
    reading = AfterFirstRead(
        engine.deps.followups, "followups_of", lambda: engine.deliver(report), nth=2
    )
    engine.deps.followups = reading
    at = engine.clock.advance(timedelta(minutes=5))
    answer = envelopes.text_message(RUDI, "ok, how do I apply?", at, "wamid.IN-2")
    assert engine.deliver(answer) == 200
    engine.deps.followups = reading.inner
    # Then the SMS holds both: it took over, and the lead answered it
    assert reading.heard
    sms = sms_of(engine, whatsapp)
    assert taken_over(sms) == (Status.RESPONDED, True)
    # And the step counts one send, answered
    shown = stats_page(engine, *FUNNEL)
    assert (shown["sent"], shown["responded"], shown["failed_after_send"]) == (1, 1, 0)


class ReportWhileSending:
    """The store in front of `deps`: `report` runs right after the step's send on its
    second channel, the SMS, is claimed."""

    def __init__(self, deps: Any, report: Callable[[], object]) -> None:
        self.real, self._report = deps.transactions, report
        self.reported = False
        deps.transactions = self

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        self.real.commit(changes, at)
        claimed = [
            c
            for c in changes
            if isinstance(c, FollowUpChange)
            and c.followup.channel_index == 1
            and c.followup.status is Status.SENDING
        ]
        if claimed and not self.reported:
            self.reported = True
            self._report()


def test_an_sms_being_sent_as_the_report_comes_takes_over_once_sent(
    engine: MemoryEngine,
) -> None:
    # Given a step sent on WhatsApp whose SMS for no reply is due a day later
    whatsapp = sent_with_sms_fallback(with_sms(engine), no_reply=True)
    sent_at = engine.clock.now()
    report = undeliverable(whatsapp, sent_at + timedelta(seconds=30))
    store = ReportWhileSending(engine.deps, lambda: engine.deliver(report))
    # When WhatsApp's report is heard while the sender hands the SMS over
    engine.ticks(26, every=HOUR)
    engine.pump_stream()
    # Then the SMS, sent, took over as the step's send, counted once
    assert store.reported
    sms = sms_of(engine, whatsapp)
    assert taken_over(sms) == (Status.SENT, True)
    shown = stats_page(engine, *FUNNEL)
    assert (shown["sent"], shown["failed_after_send"]) == (1, 0)
    assert step_counts(engine, "sent", "errors") == (1, 0)
