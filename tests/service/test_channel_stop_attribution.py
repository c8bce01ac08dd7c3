"""A stop of one channel (a WhatsApp STOP that stops WhatsApp alone, an email unsubscribe)
counts as a rule's opt-out only when it came within the attribution window of the send,
as a stop of every channel does."""

from __future__ import annotations

from datetime import datetime, timedelta

from followup.domain.contact import Contact
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.unsubscribe import sign
from followup.services.contacts import update_contact
from followup.services.unsubscribe import unsubscribe_email
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
WA_ID = "6281100000881"
SECRET = "unsubscribe-secret"


def expire_at(engine: MemoryEngine, moment: datetime) -> None:
    engine.clock.advance(moment - engine.clock.now())
    engine.scheduled("expire")


def stored(engine: MemoryEngine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def opt_outs(engine: MemoryEngine, since: datetime) -> int:
    """The rule's opt-outs in the stats, from `since` to today."""
    rows = engine.deps.stats.stats(since.date(), engine.clock.now().date())
    return sum(row.counts.get("opted_out", 0) for row in rows if row.rule_id != "all")


def sent_by(engine: MemoryEngine, channel: str) -> FollowUp:
    """A follow-up sent on time by `channel` to a lead quiet for a day (attribution window
    and expire_after both 72 h)."""
    step = channel_step(channel, template={"name": "apply_reminder", "language": "en"})
    engine.deps.rules.save_rule(rule(steps=[step]))
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(engine.deps, WA_ID, quiet, email="rudi@example.com")
    engine.tick()
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    assert sent.sent_at is not None
    return sent


def unsubscribe_at(engine: MemoryEngine, followup: FollowUp, moment: datetime) -> None:
    """The lead clicks the unsubscribe link in the email at `moment`."""
    engine.clock.advance(moment - engine.clock.now())
    token = sign(SECRET, followup.contact_id)
    assert unsubscribe_email(engine.deps, SECRET, token, engine.clock.now())


def test_a_whatsapp_only_stop_after_the_attribution_window_is_not_the_rules_opt_out(
    engine: MemoryEngine,
) -> None:
    # Given a workspace where STOP on WhatsApp stops WhatsApp alone, and a follow-up sent
    # on time by WhatsApp (attribution window and expire_after both 72 h, ticks hourly)
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"whatsapp_stop_stops_all": False}))
    sent = sent_by(engine, "whatsapp")
    assert sent.sent_at is not None
    expire_at(engine, sent.sent_at + 71 * HOUR + 50 * MINUTE)
    # When the lead sends STOP 20 minutes after the 72 h are up, before the next expire tick
    written = sent.sent_at + 72 * HOUR + 20 * MINUTE
    engine.clock.advance(written - engine.clock.now())
    stop = envelopes.text_message(WA_ID, "STOP", written, "wamid.stop-late")
    assert engine.deliver(stop) == 200
    engine.pump_stream()
    assert stored(engine, sent).status is Status.SENT  # too late to answer it
    expire_at(engine, sent.sent_at + 72 * HOUR + 50 * MINUTE)
    # Then it ends expired, as with a STOP of every channel at that moment, and the rule's
    # opt-out rate does not count it
    found = stored(engine, sent)
    assert (found.status, found.reason) == (Status.EXPIRED, Reason.NO_REPLY)
    assert opt_outs(engine, sent.created_at) == 0


def test_an_email_unsubscribe_after_the_attribution_window_is_not_the_rules_opt_out(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a follow-up sent on time by email, and the expire tick an hour late
    sent = sent_by(engine, "email")
    assert sent.sent_at is not None
    # When the lead unsubscribes from email 20 minutes after the 72 h are up
    unsubscribe_at(engine, sent, sent.sent_at + 72 * HOUR + 20 * MINUTE)
    expire_at(engine, sent.sent_at + 73 * HOUR)
    # Then it ends expired, and the rule's opt-out rate does not count it
    found = stored(engine, sent)
    assert (found.status, found.reason) == (Status.EXPIRED, Reason.NO_REPLY)
    assert opt_outs(engine, sent.created_at) == 0


def test_an_email_unsubscribe_within_the_attribution_window_is_the_rules_opt_out(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a follow-up sent on time by email
    sent = sent_by(engine, "email")
    assert sent.sent_at is not None
    # When the lead unsubscribes from email a day after it, and it comes to expire
    unsubscribe_at(engine, sent, sent.sent_at + 24 * HOUR)
    expire_at(engine, sent.sent_at + 73 * HOUR)
    # Then it ends opted out, counted as the rule's opt-out
    found = stored(engine, sent)
    assert (found.status, found.reason) == (Status.OPTED_OUT, Reason.OPTED_OUT_ELSEWHERE)
    assert opt_outs(engine, sent.created_at) == 1


def test_a_channel_stopped_before_stop_times_were_kept_still_counts_as_the_rules_opt_out(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a follow-up sent by email to a lead whose stored contact lists email stopped
    # with no time (written before the engine kept when a channel was stopped)
    sent = sent_by(engine, "email")
    assert sent.sent_at is not None

    def stopped_long_ago(contact: Contact) -> Contact:
        return contact.model_copy(update={"opted_out_channels": ["email"]})

    update_contact(engine.deps, sent.contact_id, stopped_long_ago, engine.clock.now())
    # When it comes to expire
    expire_at(engine, sent.sent_at + 73 * HOUR)
    # Then it ends opted out, as it always did
    found = stored(engine, sent)
    assert (found.status, found.reason) == (Status.OPTED_OUT, Reason.OPTED_OUT_ELSEWHERE)
