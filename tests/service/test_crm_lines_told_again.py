"""A CRM tells of a counsellor's message again (its first answer lost): the conversation
shows one line, whether the event carries its time, its own id, or neither."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.contact import Contact
from followup.services import crm_events
from followup.services.timeline import conversation
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact

SAID = "Sudah saya kirim brosurnya"


def tell(engine: MemoryEngine, lead: Contact, **extra: Any) -> Contact:
    """The CRM posts a counsellor's message through the events API."""
    sent = {"type": "message_sent", "contact": lead.id, "speaker": "agent", "text": SAID}
    return crm_events.apply(engine.deps, crm_events.Event.model_validate(sent | extra).root)


def lines_said(engine: MemoryEngine, lead: Contact) -> list[str]:
    return [m.text for m in conversation(engine.deps, lead.id, 50) if m.text == SAID]


def test_a_message_sent_without_its_time_posted_again_is_one_line(engine: MemoryEngine) -> None:
    # Given a lead, and a CRM that tells of a counsellor's message without its time
    lead = quiet_contact(engine.deps, "6281100000951", engine.clock.now() - timedelta(days=1))
    first = tell(engine, lead)
    # When it posts the same message again 30 seconds later (its first answer lost)
    engine.clock.advance(timedelta(seconds=30))
    again = tell(engine, lead)
    # Then the conversation shows it once, at the time it was first heard
    assert lines_said(engine, lead) == [SAID]
    assert again.last_outbound_at == first.last_outbound_at


def test_a_message_sent_with_its_id_posted_again_later_is_one_line(engine: MemoryEngine) -> None:
    # Given a lead, and a CRM that names each message by its own id
    lead = quiet_contact(engine.deps, "6281100000952", engine.clock.now() - timedelta(days=1))
    tell(engine, lead, id="msg-77")
    # When it posts the same message again an hour later
    engine.clock.advance(timedelta(hours=1))
    tell(engine, lead, id="msg-77")
    # Then the conversation shows it once
    assert lines_said(engine, lead) == [SAID]


def test_the_same_words_written_again_later_are_two_lines(engine: MemoryEngine) -> None:
    # Given a lead a counsellor wrote to, told without a time or an id
    lead = quiet_contact(engine.deps, "6281100000953", engine.clock.now() - timedelta(days=1))
    tell(engine, lead)
    # When the counsellor writes the same words again an hour later, or as another message
    engine.clock.advance(timedelta(hours=1))
    tell(engine, lead)
    tell(engine, lead, id="msg-78")
    # Then each is a line of its own
    assert lines_said(engine, lead) == [SAID, SAID, SAID]
