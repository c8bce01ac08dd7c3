"""WhatsApp stamps what it reports to the whole second, our own times carry microseconds:
a lead's message heard after something of ours in the same second answers it, though its
stamp reads earlier."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.contact import Contact, Speaker
from followup.domain.enrollment import EnrollmentState
from followup.services import crm_events
from followup.services.contacts import change_stage
from followup.services.conversations import close_conversation
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
HALF_A_SECOND = timedelta(milliseconds=500)
LATER_IN_THAT_SECOND = timedelta(milliseconds=300)


def send(name: str) -> dict[str, object]:
    return {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": name, "language": "en"}}


def templates(engine: MemoryEngine) -> list[str]:
    return [r.body["template"]["name"] for r in engine.sandbox.sent() if r.body]


def contact(engine: MemoryEngine, contact_id: str) -> Contact:
    found = engine.deps.contacts.contact(contact_id)
    assert found is not None
    return found.item


def agent_writes(engine: MemoryEngine, lead: Contact, text: str) -> None:
    """A counsellor's message, recorded through the events API as it is sent."""
    sent = {"type": "message_sent", "contact": lead.id, "speaker": "agent", "text": text}
    crm_events.apply(engine.deps, crm_events.Event.model_validate(sent).root)


def auto_reply(engine: MemoryEngine, lead: Contact, message_id: str) -> None:
    """The lead's away message, written within the second of what we just did."""
    moment = engine.clock.advance(LATER_IN_THAT_SECOND)
    text = "Thanks for your message, I'm away and will reply soon"
    engine.deliver(envelopes.text_message(lead.wa_id or "", text, moment, message_id))


def test_a_lead_answering_an_agent_in_the_same_second_is_not_nudged_for_silence(
    engine: MemoryEngine,
) -> None:
    # Given a "stopped replying" rule (the agent spoke last, a day of silence) and a lead
    # a counsellor writes to half a second into a second
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "days"}, "last_speaker": "agent"}
    engine.deps.rules.save_rule(rule("stopped-replying", trigger=trigger))
    lead = quiet_contact(engine.deps, "6281100000501", engine.clock.now() - 3 * DAY)
    engine.clock.advance(HALF_A_SECOND)
    agent_writes(engine, lead, "Here is the fee schedule")
    # When the lead's auto-reply comes within that second
    auto_reply(engine, lead, "wamid.in.501")
    # Then the lead spoke last, and a day later nobody nudges them for not replying
    assert contact(engine, lead.id).last_speaker is Speaker.CONTACT
    engine.clock.advance(DAY + HOUR)
    engine.tick()
    assert engine.sandbox.sent() == []


def test_an_agent_answering_in_the_second_of_the_leads_message_stays_the_last_speaker(
    engine: MemoryEngine,
) -> None:
    # Given a lead whose message the webhook heard a fifth of a second into a second
    lead = quiet_contact(engine.deps, "6281100000505", engine.clock.now() - 3 * DAY)
    moment = engine.clock.advance(timedelta(milliseconds=200))
    question = envelopes.text_message(lead.wa_id or "", "how much is it?", moment, "wamid.in.505")
    engine.deliver(question)
    # When a counsellor answers within that second, and 360dialog delivers the lead's
    # message once more
    engine.clock.advance(LATER_IN_THAT_SECOND)
    agent_writes(engine, lead, "Rp 2.5 million per semester")
    engine.deliver(question)
    # Then the counsellor, heard last, spoke last
    assert contact(engine, lead.id).last_speaker is Speaker.AGENT


def test_a_lead_writing_in_the_second_a_counsellor_closed_the_chat_reopens_it(
    engine: MemoryEngine,
) -> None:
    # Given a conversation a counsellor closes half a second into a second
    lead = quiet_contact(engine.deps, "6281100000502", engine.clock.now() - HOUR)
    closed_at = engine.clock.advance(HALF_A_SECOND)
    assert not close_conversation(engine.deps, lead.id, "dewi", closed_at).conversation_open
    # When the lead writes within that second
    auto_reply(engine, lead, "wamid.in.502")
    # Then their message reopened it
    reopened = contact(engine, lead.id)
    assert (reopened.conversation_open, reopened.conversation_changed_by) == (True, "contact")


@pytest.mark.parametrize("begun_by", ["stage_entered", "event"])
def test_a_reply_in_the_second_a_journey_began_ends_the_journey(
    engine: MemoryEngine, begun_by: str
) -> None:
    # Given a two-step journey for contacts entering `applied` (or booking a visit), whose
    # first step goes as the lead does so, half a second into a second
    steps = [send("a"), {**send("b"), "wait": {"amount": 1, "unit": "days"}}]
    triggers = {
        "stage_entered": {"kind": "stage_entered", "stages": ["applied"]},
        "event": {"kind": "event", "name": "visit_booked"},
    }
    engine.deps.rules.save_rule(rule("welcome", trigger=triggers[begun_by], steps=steps, exit={}))
    lead = quiet_contact(engine.deps, "6281100000503", engine.clock.now() - HOUR)
    moment = engine.clock.advance(HALF_A_SECOND)
    if begun_by == "stage_entered":
        change_stage(engine.deps, lead.id, "applied", moment)
    else:
        booked = {"type": "custom", "name": "visit_booked", "contact": lead.wa_id, "id": "v-1"}
        crm_events.apply(engine.deps, crm_events.Event.model_validate(booked).root)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    # When the lead's auto-reply comes within that second
    auto_reply(engine, lead, "wamid.in.503")
    # Then the journey ended on the reply, and its second step never goes
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert enrollment.item.state is EnrollmentState.EXITED
    engine.clock.advance(DAY + HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_reply_in_the_second_of_a_send_takes_the_replied_branch(engine: MemoryEngine) -> None:
    # Given a journey for leads quiet two days that sends, waits a day, and nudges only
    # those who did not reply (a reply does not end it)
    trigger = {"stages": ["new"], "idle": {"amount": 2, "unit": "days"}}
    no_reply = {"kind": "branch", "if": {"replied": True}, "then": 4, "else": 3}
    wait = {"kind": "wait", "for": {"amount": 1, "unit": "days"}}
    steps = [send("first"), wait, no_reply, send("nudge")]
    engine.deps.rules.save_rule(
        rule("nudge-unanswered", trigger=trigger, steps=steps, exit={"on_reply": False})
    )
    lead = quiet_contact(engine.deps, "6281100000504", engine.clock.now() - 3 * DAY)
    engine.clock.advance(HALF_A_SECOND)
    engine.tick()
    assert templates(engine) == ["first"]
    # When the lead's auto-reply comes within the second of the send
    auto_reply(engine, lead, "wamid.in.504")
    # Then a day later the branch sees the reply: no nudge
    engine.clock.advance(DAY + HOUR)
    engine.tick()
    assert templates(engine) == ["first"]


def test_the_silence_a_lead_begins_in_the_second_of_an_agent_message_is_followed_up(
    engine: MemoryEngine,
) -> None:
    # Given a rule for leads who wrote last and then went quiet for five minutes (shorter
    # than a tick: the write enrolls the silence; left on a reply) and a counsellor writing
    # to a lead half a second into a second
    idle = {"amount": 5, "unit": "minutes"}
    trigger = {"stages": ["new"], "idle": idle, "last_speaker": "contact"}
    engine.deps.rules.save_rule(rule("lead-went-quiet", trigger=trigger))
    lead = quiet_contact(engine.deps, "6281100000507", engine.clock.now() - 3 * DAY)
    engine.tick()  # the rule has read ahead to the next tick
    assert len(engine.sandbox.sent()) == 1
    engine.clock.advance(HALF_A_SECOND)
    agent_writes(engine, lead, "Here is the fee schedule")
    # When the lead's auto-reply comes within that second, and nothing more for an hour
    auto_reply(engine, lead, "wamid.in.507")
    engine.clock.advance(HOUR)
    engine.tick()
    # Then the silence the reply began is followed up: the reply did not end its own journey
    assert len(engine.sandbox.sent()) == 2
