"""A send now the API refuses is said in the reader's language: a counsellor reading the
app in Indonesian, whose colleague closed the lead's conversation meanwhile, reads why in
Indonesian, not in the server's English."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_app_pages import choose_language
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port

NUDGE = {
    "id": "e2e-nudge",
    "name": "Nudge",
    "trigger": {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
    "steps": [
        {
            "wait": {"amount": 0, "unit": "minutes"},
            "text": "Hi, still there?",
            "template": {"name": "open_day_invite", "language": "en"},
        }
    ],
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("send-now") / "state", free_port(), contacts=1)
    yield running
    running.stop()


@pytest.mark.slow
def test_a_send_now_into_a_conversation_closed_meanwhile_is_refused_in_indonesian(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead's page open on a counsellor's screen in Indonesian, a rule chosen to send
    assert stack.call("POST", "/api/rules", json=NUDGE).status_code == 201
    lead = {"wa_id": "6281199990201", "name": "Rina Tutup", "timezone": "Asia/Jakarta"}
    contact_id = stack.call("POST", "/api/contacts", json=lead).json()["id"]
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    choose_language(page, "id")
    page.goto(f"{stack.url}/#/contacts/{contact_id}")
    page.get_by_label("Aturan untuk dikirim").select_option(label="Nudge")
    # And a colleague closes the conversation meanwhile
    closed = stack.call("POST", f"/api/contacts/{contact_id}/conversation/close")
    assert closed.status_code == 200, closed.text
    # When the counsellor sends the follow-up now
    page.get_by_role("button", name="Kirim tindak lanjut sekarang").click()
    # Then the refusal says why in Indonesian, and nothing was planned for the lead
    expect(page.get_by_role("status")).to_have_text(
        "Percakapan dengan kontak ini ditutup: buka kembali dulu, lalu kirim."
    )
    followups = stack.call("GET", f"/api/contacts/{contact_id}/timeline").json()["followups"]
    assert followups == []
    assert [e for e in watched.errors if "status of 409" not in e] == []
