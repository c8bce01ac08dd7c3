"""A lead without a zone of their own, whose number is of another country than the
workspace's, is read in the zone their number places them in: their contact page says
their follow-up's send time as the queue does, in their zone, in a real headless Chromium
against `followup dev`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port

TUESDAY_7PM_SAO_PAULO = "2026-11-24T22:00:00+00:00"
"""Wednesday 05:00 in Jakarta, the workspace's zone: the send window is shut in both."""
OFFICE_HOURS = [{"start": "08:00", "end": "17:00"}]
RULE = {
    "id": "e2e-lead-zone",
    "name": "Lead zone nudge",
    "active": True,
    "send_window": {"hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), OFFICE_HOURS)},
    "trigger": {"stages": ["new"], "idle": {"amount": 0, "unit": "minutes"}},
    "steps": [
        {
            "wait": {"amount": 0, "unit": "minutes"},
            "text": "Still there?",
            # a template of the demo's, for a lead whose 24-hour window is closed
            "template": {
                "name": "winback",
                "language": "en",
                "params": [
                    {"field": "first_name", "default": "there"},
                    {"field": "attributes.program", "default": "our programs"},
                ],
            },
        }
    ],
}
IN_SAO_PAULO = "25 Nov 2026, 08:00 (America/Sao_Paulo)"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, str]]:
    """A Brazilian lead with no zone of their own, sent a follow-up by hand after hours:
    it waits for 08:00 in São Paulo."""
    running = Running(
        tmp_path_factory.mktemp("zone") / "state",
        free_port(),
        contacts=2,
        clock=TUESDAY_7PM_SAO_PAULO,
    )
    for rule in running.call("GET", "/api/rules").json()["rules"]:
        running.call("POST", f"/api/rules/{rule['id']}/deactivate")
    assert running.call("POST", "/api/rules", json=RULE).status_code == 201
    lead = {"wa_id": "5511987654321", "name": "Bruna Brasil", "stage": "new"}
    contact_id = running.call("POST", "/api/contacts", json=lead).json()["id"]
    sent = running.call(
        "POST", f"/api/contacts/{contact_id}/followups", json={"rule_id": RULE["id"]}
    )
    assert sent.status_code == 202, sent.text
    yield running, contact_id
    running.stop()


def test_the_contact_page_reads_the_lead_s_times_in_their_zone_as_the_queue_does(
    stack: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, contact_id = stack
    [row] = running.call("GET", f"/api/queue?contact={contact_id}").json()["followups"]
    page = sign_in(browser, pages, running.url, "admin", watched)
    # The queue shows the send time in the lead's zone
    page.goto(f"{running.url}/#/queue?status=queued")
    queue_row = page.locator(f'[data-testid="followup-row"][data-id="{row["id"]}"]')
    expect(queue_row).to_contain_text("(America/Sao_Paulo)")
    # And so does the contact's page: the follow-up, the step to come and the summary
    page.goto(f"{running.url}/#/contacts/{contact_id}")
    scheduled = page.get_by_role("listitem").filter(has_text="Lead zone nudge: ")
    expect(scheduled.first).to_contain_text(IN_SAO_PAULO)
    expect(page.get_by_test_id("upcoming")).to_contain_text("08:00 (America/Sao_Paulo)")
    expect(page.locator("main p").first).to_contain_text("America/Sao_Paulo")
    assert watched.errors == []
