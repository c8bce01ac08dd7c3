"""The conversation as people and the AI writer read it: WhatsApp stamps a lead's message
to the whole second, so a message heard after something we did within its second is
listed after it, though its stamp reads earlier; what we did after hearing it stays after."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.ai_prompt import context_for
from followup.domain.contact import Contact, Speaker
from followup.domain.followup import Status
from followup.services import crm_events
from followup.services.manual import send_now
from followup.services.timeline import conversation
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

DAY = timedelta(days=1)
HALF_A_SECOND = timedelta(milliseconds=500)
LATER_IN_THAT_SECOND = timedelta(milliseconds=300)
AWAY = "Thanks for your message, I'm away and will reply soon"


def lead_writes(engine: MemoryEngine, lead: Contact, text: str, message_id: str) -> None:
    """The lead's message, heard within the second the clock is in."""
    moment = engine.clock.now()
    engine.deliver(envelopes.text_message(lead.wa_id or "", text, moment, message_id))


def agent_writes(engine: MemoryEngine, lead: Contact, text: str) -> None:
    """A counsellor's message, recorded through the events API as it is sent."""
    sent = {"type": "message_sent", "contact": lead.id, "speaker": "agent", "text": text}
    crm_events.apply(engine.deps, crm_events.Event.model_validate(sent).root)


def timeline(engine: MemoryEngine, lead: Contact) -> list[str]:
    """The texts of the contact's timeline, oldest first."""
    return [line.text for line in reversed(conversation(engine.deps, lead.id, 50))]


def ai_context(engine: MemoryEngine, lead: Contact) -> list[tuple[Speaker, str]]:
    """The conversation the AI writer reads, oldest first, as the writer builds it."""
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    history = conversation(engine.deps, lead.id, 50)
    context = context_for(found.item, history, language="en", tone="friendly", rule_purpose="x")
    return [(line.speaker, line.text) for line in context.lines]


def test_an_auto_reply_in_the_second_of_a_follow_up_is_listed_after_it(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up sent half a second into a second
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000701", engine.clock.now() - DAY)
    engine.clock.advance(HALF_A_SECOND)
    queued = send_now(engine.deps, lead.id, "apply-remind-24h")
    engine.drain()
    sent = engine.deps.followups.followup(queued.id)
    assert sent is not None
    assert sent.status is Status.SENT
    assert sent.rendered is not None
    ours = sent.rendered.text or sent.rendered.body or f"[template {sent.rendered.template_name}]"
    # When the lead's away message comes within that second
    engine.clock.advance(LATER_IN_THAT_SECOND)
    lead_writes(engine, lead, AWAY, "wamid.in.701")
    # Then the timeline and the AI writer both read the follow-up first, then the answer
    assert timeline(engine, lead) == [ours, AWAY]
    assert ai_context(engine, lead) == [(Speaker.SYSTEM, ours), (Speaker.CONTACT, AWAY)]


def test_a_lead_answering_an_agent_in_the_same_second_is_listed_after_the_agent(
    engine: MemoryEngine,
) -> None:
    # Given a counsellor writing half a second into a second
    lead = quiet_contact(engine.deps, "6281100000702", engine.clock.now() - DAY)
    engine.clock.advance(HALF_A_SECOND)
    agent_writes(engine, lead, "Here is the fee schedule")
    # When the lead answers within that second
    engine.clock.advance(LATER_IN_THAT_SECOND)
    lead_writes(engine, lead, AWAY, "wamid.in.702")
    # Then the answer is listed after the counsellor's message, for people and the AI
    assert timeline(engine, lead) == ["Here is the fee schedule", AWAY]
    assert ai_context(engine, lead) == [
        (Speaker.AGENT, "Here is the fee schedule"),
        (Speaker.CONTACT, AWAY),
    ]


def test_an_agent_answering_in_the_second_of_the_leads_message_stays_after_it(
    engine: MemoryEngine,
) -> None:
    # Given a lead's question heard a fifth of a second into a second
    lead = quiet_contact(engine.deps, "6281100000703", engine.clock.now() - DAY)
    engine.clock.advance(timedelta(milliseconds=200))
    lead_writes(engine, lead, "how much is it?", "wamid.in.703")
    # When a counsellor answers within that second, and the question is delivered again
    engine.clock.advance(LATER_IN_THAT_SECOND)
    agent_writes(engine, lead, "It is 2 million")
    engine.clock.advance(LATER_IN_THAT_SECOND)
    lead_writes(engine, lead, "how much is it?", "wamid.in.703")
    # Then the question stays before the answer, for people and the AI
    assert timeline(engine, lead) == ["how much is it?", "It is 2 million"]
    assert ai_context(engine, lead) == [
        (Speaker.CONTACT, "how much is it?"),
        (Speaker.AGENT, "It is 2 million"),
    ]
