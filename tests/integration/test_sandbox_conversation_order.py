"""The sandbox's chats list a lead's answer after the counsellor's message it answers
within the same second, as the contact's timeline does, though WhatsApp stamps the answer
to the whole second before it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from starlette.applications import Starlette
from starlette.testclient import TestClient

from followup.services import crm_events
from followup_local import envelopes
from followup_local.engine import LocalEngine
from followup_local.sandbox_page import SandboxPage
from tests.support.builders import quiet_contact

QUESTION = "Here is the fee schedule"
ANSWER = "Thanks for your message, I'm away and will reply soon"


def test_a_leads_answer_in_the_second_of_a_counsellors_message_is_shown_after_it(
    engine: LocalEngine,
) -> None:
    # Given a counsellor writing half a second into a second
    lead = quiet_contact(engine.deps, "6281100000801", engine.clock.now() - timedelta(days=1))
    engine.clock.advance(timedelta(milliseconds=500))
    sent = {"type": "message_sent", "contact": lead.id, "speaker": "agent", "text": QUESTION}
    crm_events.apply(engine.deps, crm_events.Event.model_validate(sent).root)
    # When the lead's away message comes within that second
    moment = engine.clock.advance(timedelta(milliseconds=300))
    assert engine.deliver(envelopes.text_message("6281100000801", ANSWER, moment, "wamid.801"))
    # Then the sandbox's chat shows the counsellor's message first, then the answer
    page = Starlette(routes=SandboxPage(cast(Any, engine)).routes())
    chats = TestClient(page).get("/sandbox/chats").json()
    [chat] = [chat for chat in chats if chat["wa_id"] == "6281100000801"]
    assert [line["text"] for line in chat["messages"]] == [QUESTION, ANSWER]
