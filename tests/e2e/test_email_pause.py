"""The settings page while SES refuses the account: email shows paused, with SES's reason,
in the reader's language; an admin resumes email and the email it held goes; marketing
sees the pause but cannot resume it. A follow-up that passed email over says why in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from playwright.sync_api import Browser, Page, expect

from followup_local.outbox import EMAIL_FROM
from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, eventually, free_port

REGION = "us-east-1"
REFUSAL = "ses: MessageRejected"
RULE = {
    "id": "e2e-email-offer",
    "name": "Email offer",
    "active": True,
    "trigger": {"stages": ["new"], "idle": {"amount": 1, "unit": "days"}},
    "steps": [
        {
            "wait": {"amount": 0, "unit": "minutes"},
            "channel": "email",
            "text": "Hi {first_name|there}, your place is still open.",
            "email": {"subject": "One step left", "body": "Hi {first_name|there}, apply."},
        }
    ],
}
EMAIL_PAUSED = {
    "en": "Email is paused since",
    "id": "Email dijeda sejak",
    "pt-BR": "O e-mail está pausado desde",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("email-pause") / "state", free_port(), contacts=2)
    yield running
    running.stop()


def ses(stack: Running) -> Any:
    """SES of the stack's embedded AWS, as its banner names it."""
    found = re.search(r"embedded AWS\W+(http://127\.0\.0\.1:\d+)", "".join(stack.output))
    assert found, "followup dev names its embedded AWS"
    return boto3.client(
        "sesv2",
        endpoint_url=found[1],
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def email_refused(stack: Running, lead: dict[str, str], email: str) -> str:
    """SES stops taking the sender's address and an email is sent now to `lead` at `email`:
    email is paused. The id of that email's follow-up, which waits."""
    ses(stack).delete_email_identity(EmailIdentity=EMAIL_FROM)
    assert stack.call("POST", "/api/rules", json=RULE).status_code == 201
    created = stack.call("POST", "/api/contacts", json={**lead, "email": email})
    assert created.status_code == 201
    sent_now = stack.call(
        "POST", f"/api/contacts/{created.json()['id']}/followups", json={"rule_id": RULE["id"]}
    )
    assert sent_now.status_code == 202
    eventually(lambda: stack.call("GET", "/api/settings").json()["email_paused"])
    return str(sent_now.json()["id"])


def followup_status(stack: Running, followup_id: str) -> str:
    return str(stack.call("GET", f"/api/followups/{followup_id}").json()["status"])


def open_settings(page: Page, stack: Running) -> None:
    page.goto(f"{stack.url}/#/settings")
    page.reload()  # fresh from the API, not the page's cache
    expect(page.get_by_test_id("opening").first).to_be_visible()


@pytest.mark.slow
def test_email_paused_by_ses_shows_on_settings_and_an_admin_resumes_it(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given SES no longer taking the sender's address, and an email sent now to a lead
    # When SES refuses it: email is paused, and the email waits
    lead = {"wa_id": "6281199997501", "name": "Rudi Email", "stage": "new"}
    held = email_refused(stack, lead, "rudi@example.com")
    assert stack.call("GET", "/api/settings").json()["email_paused"]["reason"] == REFUSAL
    assert followup_status(stack, held) == "queued"
    # Then marketing sees email paused, since when in the workspace's zone (as the notice
    # atop the page says it), and why, but no Resume email button
    marketing = sign_in(browser, pages, stack.url, "marketing", watched)
    open_settings(marketing, stack)
    paused = marketing.get_by_test_id("email-paused")
    expect(paused).to_contain_text(EMAIL_PAUSED["en"])
    expect(paused).to_contain_text("(Asia/Jakarta)")
    expect(paused).to_contain_text(REFUSAL)
    expect(marketing.get_by_role("button", name="Resume email")).to_have_count(0)
    # And an admin reading Indonesian, then Portuguese, sees it in their words
    admin = sign_in(browser, pages, stack.url, "admin", watched)
    open_settings(admin, stack)
    paused = admin.get_by_test_id("email-paused")
    for locale in ("id", "pt-BR"):
        choose_language(admin, locale)
        expect(paused).to_contain_text(EMAIL_PAUSED[locale])
        expect(paused).to_contain_text(REFUSAL)
    assert serious_problems(admin) == []
    # When SES takes the address again and the admin resumes email
    ses(stack).create_email_identity(EmailIdentity=EMAIL_FROM)
    admin.get_by_role("button", name="Retomar e-mail").click()
    # Then the pause is gone from the page and the settings, and the held email goes
    expect(paused).to_have_count(0)
    assert stack.call("GET", "/api/settings").json()["email_paused"] is None
    eventually(lambda: followup_status(stack, held) == "sent")
    # And after a reload the page still shows email on
    open_settings(admin, stack)
    expect(admin.get_by_test_id("email-paused")).to_have_count(0)
    assert watched.errors == []


@pytest.mark.slow
def test_a_follow_ups_details_say_each_channel_it_passed_over_and_why(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a rule that emails, or else texts, and a lead with no email address
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "email",
        "fallbacks": ["sms"],
        "text": "Your place is still open.",
        "email": {"subject": "One step left", "body": "Your place is still open."},
    }
    rule = {**RULE, "id": "e2e-email-then-sms", "send_anytime": True, "steps": [step]}
    assert stack.call("POST", "/api/rules", json=rule).status_code == 201
    lead = {"wa_id": "6281199997502", "name": "Tari Surel", "stage": "new"}
    created = stack.call("POST", "/api/contacts", json=lead)
    assert created.status_code == 201
    sent = stack.call(
        "POST", f"/api/contacts/{created.json()['id']}/followups", json={"rule_id": rule["id"]}
    )
    assert sent.status_code == 202
    followup_id = sent.json()["id"]
    eventually(
        lambda: stack.call("GET", f"/api/followups/{followup_id}").json()["skipped_channels"]
    )
    # When a counsellor reading Indonesian opens its details
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    choose_language(page, "id")
    page.goto(f"{stack.url}/#/queue?open={followup_id}")
    # Then each channel passed over is told in words, not as its code, in its queue row too
    skipped = page.get_by_test_id("details-skipped").get_by_role("listitem")
    expect(skipped.first).to_have_text("Email dilewati: prospek tidak punya alamat di sana")
    row = page.locator(f'[data-testid="followup-row"][data-id="{followup_id}"]')
    expect(row.get_by_test_id("row-skipped")).to_have_text(
        "Email dilewati: prospek tidak punya alamat di sana"
    )
    expect(page.get_by_test_id("followup-details")).not_to_contain_text("no_address")
    assert serious_problems(page) == []
    assert watched.errors == []
