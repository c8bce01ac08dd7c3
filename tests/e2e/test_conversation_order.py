"""The contact's timeline in the admin app, within one second: a lead's answer to a
counsellor's message is listed after it, though WhatsApp stamps the answer to the whole
second before it; a counsellor's answer to the lead's message stays after that message; and
a photo, an order or a voice note the lead sends says what it is before its words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from followup_local import envelopes
from tests.e2e.test_app_pages import choose_language
from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, Running, free_port

QUESTION = "Here is the fee schedule, shall I book your test?"
ANSWER = "Thanks for your message, I'm away and will reply soon"
ASKED = "How much is the nursing programme?"
ANSWERED = "It is 2 million a semester"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("order") / "state", free_port(), contacts=0)
    yield running
    running.stop()


def new_lead(stack: Running, wa_id: str) -> str:
    body = {"wa_id": wa_id, "name": "Rina Urutan", "timezone": "Asia/Jakarta"}
    created = stack.call("POST", "/api/contacts", json=body)
    assert created.status_code in (200, 201), created.text
    contact_id: str = created.json()["id"]
    return contact_id


def agent_writes(stack: Running, lead: str, text: str, at: datetime | None = None) -> datetime:
    """A counsellor's message through the events API; the time it was recorded at."""
    sent = {"type": "message_sent", "contact": lead, "speaker": "agent", "text": text}
    if at is not None:
        sent["at"] = at.isoformat()
    spoke = stack.call("POST", "/api/events", json=sent)
    assert spoke.status_code == 200, spoke.text
    return datetime.fromisoformat(spoke.json()["last_activity_at"])


def lead_writes(stack: Running, wa_id: str, text: str, stamped: datetime, wamid: str) -> None:
    secret = (stack.state / "webhook-secret").read_text().strip()
    delivery = envelopes.text_message(wa_id, text, stamped, wamid)
    httpx.post(
        f"{stack.url}/webhooks/whatsapp/{secret}", json=delivery, timeout=SAFETY_NET
    ).raise_for_status()


def listed(stack: Running, page: Page, lead: str, texts: list[str]) -> list[str]:
    """Which of `texts` the contact's timeline shows, in its order (newest first)."""
    page.goto(f"{stack.url}/#/contacts/{lead}")
    lines = page.locator("ol.timeline > li")
    for text in texts:
        expect(lines.filter(has_text=text)).to_have_count(1)
    shown = lines.all_inner_texts()
    return [text for line in shown for text in texts if text in line]


def test_a_leads_answer_in_the_second_of_a_counsellors_message_is_listed_after_it(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead a counsellor writes to
    lead = new_lead(stack, "6281199990701")
    written = agent_writes(stack, lead, QUESTION)
    # When the lead's away message comes, stamped the second the counsellor wrote in
    lead_writes(stack, "6281199990701", ANSWER, written, "wamid.in.701")
    # Then the timeline (newest first) lists the answer above the counsellor's message
    page = sign_in(browser, pages, stack.url, "admin", watched)
    assert listed(stack, page, lead, [QUESTION, ANSWER]) == [ANSWER, QUESTION]


def test_a_counsellors_answer_in_the_second_of_the_leads_message_is_listed_after_it(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead's question, stamped a whole second a little while ago
    lead = new_lead(stack, "6281199990702")
    stamped = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    lead_writes(stack, "6281199990702", ASKED, stamped, "wamid.in.702")
    # When a counsellor's answer was written within that second
    agent_writes(stack, lead, ANSWERED, stamped + timedelta(milliseconds=300))
    # Then the timeline (newest first) lists the answer above the question
    page = sign_in(browser, pages, stack.url, "admin", watched)
    assert listed(stack, page, lead, [ASKED, ANSWERED]) == [ANSWERED, ASKED]


def lead_sends(stack: Running, wa_id: str, kind: str, body: dict[str, Any], wamid: str) -> None:
    """The lead sends WhatsApp a message of `kind` (a photo, an order, a voice note)."""
    secret = (stack.state / "webhook-secret").read_text().strip()
    delivery = envelopes.text_message(wa_id, "", datetime.now(UTC), wamid)
    message = delivery["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message.update({"type": kind, kind: body})
    httpx.post(
        f"{stack.url}/webhooks/whatsapp/{secret}", json=delivery, timeout=SAFETY_NET
    ).raise_for_status()


SENT = {
    "en": ["Photo: here is my receipt", "Order: send it tomorrow", "Voice note"],
    "id": ["Foto: here is my receipt", "Pesanan: send it tomorrow", "Pesan suara"],
    "pt-BR": ["Foto: here is my receipt", "Pedido: send it tomorrow", "Mensagem de voz"],
}


def test_a_photo_an_order_and_a_voice_note_say_what_was_sent_before_their_words(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead who sends a captioned photo, an order with a note, then a voice note
    lead = new_lead(stack, "6281199990703")
    photo = {"id": "media-1", "mime_type": "image/jpeg", "caption": "here is my receipt"}
    lead_sends(stack, "6281199990703", "image", photo, "wamid.in.703a")
    order = {"catalog_id": "catalogue-1", "text": "send it tomorrow", "product_items": []}
    lead_sends(stack, "6281199990703", "order", order, "wamid.in.703b")
    lead_sends(stack, "6281199990703", "audio", {"id": "media-2", "voice": True}, "wamid.in.703c")
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    for locale, said in SENT.items():
        # When a counsellor reads the contact's timeline in their language
        choose_language(page, locale)
        page.goto(f"{stack.url}/#/contacts/{lead}")
        lines = page.locator("ol.timeline > li")
        # Then each line says what was sent, and a voice note is no `[audio]` marker
        for text in said:
            expect(lines.filter(has_text=text)).to_have_count(1)
        expect(lines.filter(has_text="[audio]")).to_have_count(0)
    assert watched.errors == []
