"""What the contact a user's new id made before WhatsApp's notice of the change heard keeps
its time when the two contacts fold into one: a WhatsApp STOP, late, is no rule's opt-out;
a goal event still reaches the goal."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Reason, Status
from followup.services import crm_events, rules
from followup.services.contacts import find_contact, update_contact
from followup_local.memory_engine import MemoryEngine
from tests.integration.test_bsuid import NEW, OLD, from_user, user_id_change
from tests.support.builders import rule

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def test_a_late_stop_from_a_new_user_id_stays_late_once_the_contacts_fold(
    engine: MemoryEngine,
) -> None:
    # Given a workspace where STOP stops WhatsApp alone, and a follow-up sent to a lead
    # WhatsApp knows by a user id
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"whatsapp_stop_stops_all": False}))
    engine.deps.rules.save_rule(rule())
    assert engine.deliver(from_user(OLD, "wamid.FOLD1", engine.clock.now() - 25 * HOUR)) == 200
    engine.tick()
    lead = find_contact(engine.deps, None, OLD)
    assert lead is not None
    [sent] = engine.deps.followups.followups_of(lead.item.id)
    assert sent.sent_at is not None
    engine.clock.advance(sent.sent_at + 71 * HOUR + 50 * MINUTE - engine.clock.now())
    engine.scheduled("expire")
    # When the lead sends STOP from a new user id 20 minutes after the 72 h attribution
    # window, and WhatsApp's notice of the new id comes after it
    late = sent.sent_at + 72 * HOUR + 20 * MINUTE
    engine.clock.advance(late - engine.clock.now())
    assert engine.deliver(from_user(NEW, "wamid.FOLD2", late, text="STOP")) == 200
    assert engine.deliver(user_id_change(OLD, NEW, "wamid.FOLDSYS", late)) == 200
    engine.pump_stream()
    engine.clock.advance(sent.sent_at + 72 * HOUR + 50 * MINUTE - engine.clock.now())
    engine.scheduled("expire")
    # Then the follow-up expires unanswered, as with that STOP heard on the old id: the
    # rule's opt-outs count only stops within 72 h of the send
    found = engine.deps.followups.followup(sent.id)
    assert found is not None
    assert (found.status, found.reason) == (Status.EXPIRED, Reason.NO_REPLY)


def test_a_channel_the_new_id_stopped_without_a_message_keeps_its_time_once_folded(
    engine: MemoryEngine,
) -> None:
    # Given a person known by a user id, and a contact their new id made before WhatsApp's
    # notice, whose email was stopped (an unsubscribe link: no message to hear again)
    start = engine.clock.now()
    assert engine.deliver(from_user(OLD, "wamid.FOLD3", start - 3 * HOUR)) == 200
    assert engine.deliver(from_user(NEW, "wamid.FOLD4", start - 2 * HOUR)) == 200
    newcomer = find_contact(engine.deps, None, NEW)
    assert newcomer is not None
    stopped_at = start - HOUR
    update_contact(
        engine.deps,
        newcomer.item.id,
        lambda contact: contact.with_channel_stopped("email", stopped_at),
        stopped_at,
    )
    # When the notice of the new id comes and the two fold into one
    assert engine.deliver(user_id_change(OLD, NEW, "wamid.FOLDSYS2", start - 2 * HOUR)) == 200
    # Then the person's email is stopped as of when it was, not at an unknown time
    person = find_contact(engine.deps, None, NEW)
    assert person is not None
    assert person.item.opted_out_channels == ["email"]
    assert person.item.opted_out_channels_at == {"email": stopped_at}


def test_a_payment_told_for_the_new_id_before_the_notice_still_ends_the_reminder(
    engine: MemoryEngine,
) -> None:
    # Given a person known by a user id, who wrote from a new user id 2 h ago, before
    # WhatsApp's notice, and a reminder for leads quiet an hour whose goal is the payment
    start = engine.clock.now()
    assert engine.deliver(from_user(OLD, "wamid.FOLD5", start - 3 * HOUR)) == 200
    assert engine.deliver(from_user(NEW, "wamid.FOLD6", start - 2 * HOUR)) == 200
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    rules.create(engine.deps, rule(trigger=trigger, goal={"events": ["payment_received"]}))
    newcomer = find_contact(engine.deps, None, NEW)
    assert newcomer is not None
    # and the payment system reported their payment for the contact the new id made
    paid = {"type": "custom", "name": "payment_received", "contact": newcomer.item.id}
    crm_events.apply(engine.deps, crm_events.Event.model_validate(paid).root)
    # When the notice of the new id comes, the two fold into one, and the tick runs
    assert engine.deliver(user_id_change(OLD, NEW, "wamid.FOLDSYS3", start - 2 * HOUR)) == 200
    engine.tick()
    # Then the person, who paid in this silence, is not reminded
    assert engine.sandbox.sent() == []
    person = find_contact(engine.deps, None, NEW)
    assert person is not None
    assert person.item.events_at == {"payment_received": start}
