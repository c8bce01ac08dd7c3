"""The admin web app in a real headless Chromium, against `followup dev` in its own process.

On failure each open page is saved as a screenshot under test-artifacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from followup_local.demo import AI_INSTRUCTIONS, AI_RULE
from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, Running, eventually, free_port

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def started(state: Path) -> Running:
    running = Running(state, free_port(), contacts=8)
    # Only the rules a test creates may send: switch the demo rules off.
    for rule in running.call("GET", "/api/rules").json()["rules"]:
        running.call("POST", f"/api/rules/{rule['id']}/deactivate")
    return running


def log_on_failure(running: Running, request: pytest.FixtureRequest) -> None:
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print("".join(running.output)[-8000:])  # the stack's own log, next to the failure


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One stack for the tests that never tick. Each creates the rules and contacts it acts
    on under ids of its own, so none reads what another one left."""
    running = started(tmp_path_factory.mktemp("admin") / "state")
    yield running
    if running.process.poll() is None:
        running.stop()


@pytest.fixture
def stack(shared: Running, request: pytest.FixtureRequest) -> Iterator[Running]:
    yield shared
    log_on_failure(shared, request)


@pytest.fixture
def fresh(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Running]:
    """A stack of its own, for a test that ticks: the first tick syncs the template
    catalogue, which from then on holds every rule saved to the templates it lists."""
    running = started(tmp_path / "state")
    yield running
    if running.process.poll() is None:
        running.stop()
    log_on_failure(running, request)


def copy_of_the_ai_rule(stack: Running, rule_id: str) -> str:
    """The demo's AI rule, as the stack holds it, saved again as `rule_id` for one test to
    edit on its own."""
    body = stack.call("GET", f"/api/rules/{AI_RULE}").json()
    copy = {**body, "id": rule_id, "name": f"{body['name']} ({rule_id})"}
    assert stack.call("POST", "/api/rules", json=copy).status_code == 201
    return rule_id


@pytest.mark.slow
def test_marketing_creates_a_rule_sees_it_send_live_and_the_reply_land(
    fresh: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # (the demo's catalogue synced: the step picks its template there, with its parameters)
    assert fresh.call("POST", "/api/templates/sync").status_code == 200
    page = sign_in(browser, pages, fresh.url, "marketing", watched)
    # Create a rule; the API's problems show beside the fields
    page.get_by_role("link", name="Rules").click()
    page.get_by_role("button", name="New rule").click()
    page.get_by_label("Id", exact=True).fill("e2e-any-time")
    page.get_by_label("Name", exact=True).fill("Any time, one hour quiet")
    page.get_by_label("Stages (comma-separated)").fill("new, prospect")
    page.get_by_label("Quiet for (amount)").fill("1")
    page.get_by_label("Step 1 template from the catalogue").select_option("open_day_invite|en")
    page.get_by_label("Step 1 parameter 1", exact=True).fill("there")
    page.get_by_label("Step 1 parameter 2", exact=True).fill("our programs")
    page.get_by_label("Send at any time (ignore business hours)").check()
    page.get_by_label("Active", exact=True).check()
    page.get_by_role("button", name="Save").click()
    stages = page.get_by_label("Stages (comma-separated)")
    expect(stages).to_have_attribute("aria-invalid", "true")
    expect(stages).to_have_accessible_description(re.compile("prospect"))
    page.get_by_label("Stages (comma-separated)").fill("new, qualified, applied, paid")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text(re.compile(r"Would message \d+ now"))
    page.get_by_role("button", name="Save").click()
    expect(page.locator('[data-testid="rule-row"][data-id="e2e-any-time"]')).to_be_visible()
    # The queue fills from the live feed after a tick, without a reload
    page.get_by_role("link", name="Queue").click()
    expect(page.get_by_role("status")).to_have_attribute("data-state", "live")
    # (choosing a filter reopens the feed; the new rule is offered at once)
    page.get_by_label("Rule", exact=True).select_option("e2e-any-time")
    expect(page.get_by_role("status")).to_have_attribute("data-state", "live")
    httpx.post(f"{fresh.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    # (the demo keeps one hot lead, whose follow-up is skipped at once: take one that goes)
    rows = page.locator('[data-testid="followup-row"]').filter(has_text="e2e-any-time")
    row = rows.filter(has_not_text="skipped").first
    expect(row).to_be_visible()
    followup_id = row.get_attribute("data-id")
    sent = eventually(
        lambda: next(
            (
                m
                for m in httpx.get(f"{fresh.url}/sandbox/messages").json()
                if m["followup_id"] == followup_id
            ),
            None,
        )
    )
    # The sandbox reports the message delivered; the row follows, live
    delivered = page.locator(f'[data-testid="followup-row"][data-id="{followup_id}"]')
    expect(delivered).to_have_attribute("data-status", "delivered")
    # The lead answers on the sandbox page; the queue row becomes `responded`
    sandbox = watched.watch(browser.new_context().new_page())
    pages.append(sandbox)
    sandbox.goto(f"{fresh.url}/sandbox")
    expect(sandbox.get_by_test_id("sandbox-hint")).to_contain_text("reply as them")
    sandbox.locator(f'button[data-wa-id="{sent["to"]}"]').click()
    sandbox.get_by_label("Reply as the lead").fill("Yes please, tell me more")
    sandbox.get_by_role("button", name="Send", exact=True).click()
    expect(sandbox.locator("#conversation .lead")).to_contain_text("tell me more")
    expect(
        page.locator(f'[data-testid="followup-row"][data-id="{followup_id}"]')
    ).to_have_attribute("data-status", "responded")
    # The app has an icon the gateway serves; no page asked for something missing
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon is not None
    served = httpx.get(f"{fresh.url}{icon}")
    assert (served.status_code, served.headers["content-type"]) == (200, "image/svg+xml")
    assert watched.missing == []
    # And no line the browser logged showed the sign-in token
    assert not [line for line in watched.console if "token=" in line or "eyJ" in line]


@pytest.mark.slow
def test_a_counsellor_reads_rules_and_sees_why_a_send_now_waits(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead in Jakarta and a rule whose window opens only at 08:00 three days from now
    opens = datetime.now(ZoneInfo("Asia/Jakarta")) + timedelta(days=3)
    day = opens.strftime("%a").lower()
    window = {"hours": {day: [{"start": "08:00", "end": "08:01"}]}, "blackout_days": []}
    rule = {
        "id": "e2e-one-morning",
        "name": "One morning a week",
        "trigger": {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        "steps": [
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "text": "Hi, still there?",
                "template": {"name": "open_day_invite", "language": "en"},
            }
        ],
        "send_window": window,
    }
    assert stack.call("POST", "/api/rules", json=rule).status_code == 201
    lead = {"wa_id": "6281199990001", "name": "Sari Window", "stage": "new"}
    created = stack.call("POST", "/api/contacts", json={**lead, "timezone": "Asia/Jakarta"})
    contact_id = created.json()["id"]
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    page.get_by_role("link", name="Rules").click()
    expect(page.get_by_test_id("rule-row").first).to_be_visible()
    expect(page.get_by_role("button", name="New rule")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    for toggle in page.get_by_role("checkbox").all():
        expect(toggle).to_be_disabled()
    # When the counsellor sends the lead a follow-up now, the answer says when it really goes
    page.goto(f"{stack.url}/#/contacts/{contact_id}")
    page.get_by_label("Rule to send").select_option(label="One morning a week")
    page.get_by_role("button", name="Send follow-up now").click()
    when = f"{opens.strftime('%a')} 08:00"
    expect(page.get_by_role("status")).to_contain_text(
        f"Goes {when} in the lead's time (Asia/Jakarta): outside the send window"
    )
    expect(page.get_by_text("Waits for the send window")).to_be_visible()
    # And the queue's banner says what waits, and until when
    page.get_by_role("link", name="Queue").click()
    expect(page.get_by_test_id("window-banner")).to_have_text(
        "1 follow-up is waiting for the send window: "
        f"it opens {when} in the lead's time (Asia/Jakarta)"
    )
    assert watched.missing == []


@pytest.mark.slow
def test_marketing_sets_a_steps_ai_fields_and_samples_it_for_a_contact(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    lead = {"wa_id": "6281199990002", "name": "Sari Sample", "stage": "new"}
    created = stack.call("POST", "/api/contacts", json={**lead, "timezone": "Asia/Jakarta"})
    contact_id = created.json()["id"]
    rule_id = copy_of_the_ai_rule(stack, "e2e-ai-sample")
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.get_by_role("link", name="Rules").click()
    row = page.locator(f'[data-testid="rule-row"][data-id="{rule_id}"]')
    row.get_by_role("button", name="Edit").click()
    # The demo's AI rule shows its instructions; a sample is written, not sent
    expect(page.get_by_label("Step 1 AI instructions")).to_have_value(AI_INSTRUCTIONS)
    page.get_by_label("Step 1 sample contact id").fill(contact_id)
    page.get_by_role("button", name="Sample for a contact").click()
    expect(page.get_by_test_id("sample-0")).to_contain_text("[local model] Halo Sari")
    assert httpx.get(f"{stack.url}/sandbox/messages").json() == []
    # Approval and extra rules are saved into the step's `ai`
    page.get_by_label("Step 1 AI extra rules").fill("If they already applied, thank them.")
    page.get_by_label("Step 1 AI approval").check()
    page.get_by_role("button", name="Save").click()
    expect(row).to_be_visible()
    ai = stack.call("GET", f"/api/rules/{rule_id}").json()["steps"][0]["ai"]
    assert ai == {
        "instructions": AI_INSTRUCTIONS,
        "extra": "If they already applied, thank them.",
        "approval": True,
    }


@pytest.mark.slow
def test_a_counsellor_closes_and_reopens_a_conversation(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead whose conversation is open
    lead = {"wa_id": "6281199990003", "name": "Sari Closed", "stage": "new"}
    contact_id = stack.call("POST", "/api/contacts", json=lead).json()["id"]
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    page.goto(f"{stack.url}/#/contacts/{contact_id}")
    state = page.get_by_test_id("conversation-state")
    expect(state).to_contain_text("Conversation open")
    # When the counsellor closes it
    page.get_by_role("button", name="Close conversation").click()
    # Then the page says it is closed and by whom, and so does the timeline and the API
    expect(state).to_contain_text("Conversation closed · closed by counselor@followup.local")
    expect(page.locator(".timeline")).to_contain_text("closed by counselor@followup.local")
    assert stack.call("GET", f"/api/contacts/{contact_id}").json()["conversation_open"] is False
    # And reopening it opens it again
    page.get_by_role("button", name="Reopen conversation").click()
    expect(state).to_contain_text("Conversation open · reopened by counselor@followup.local")
    assert stack.call("GET", f"/api/contacts/{contact_id}").json()["conversation_open"] is True
    assert watched.missing == []


@pytest.mark.slow
def test_marketing_chooses_the_template_parameter_the_ai_writes(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    rule_id = copy_of_the_ai_rule(stack, "e2e-ai-param")
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.get_by_role("link", name="Rules").click()
    row = page.locator(f'[data-testid="rule-row"][data-id="{rule_id}"]')
    row.get_by_role("button", name="Edit").click()
    first_name = page.get_by_label("Step 1 parameter 1 written by the AI")
    program = page.get_by_label("Step 1 parameter 2 written by the AI")
    # The demo's AI writes the program parameter; choosing the first name unmarks it
    expect(program).to_be_checked()
    expect(first_name).not_to_be_checked()
    first_name.check()
    expect(program).not_to_be_checked()
    page.get_by_role("button", name="Save").click()
    expect(row).to_be_visible()
    # Reopened after a reload, the rule shows the parameter chosen
    page.reload()
    page.get_by_role("link", name="Rules").click()
    row.get_by_role("button", name="Edit").click()
    expect(first_name).to_be_checked()
    expect(program).not_to_be_checked()
    params = stack.call("GET", f"/api/rules/{rule_id}").json()["steps"][0]["template"]["params"]
    assert [param.get("ai", False) for param in params] == [True, False]
    assert params[0]["field"] == "first_name"
    assert watched.missing == []


@pytest.mark.slow
def test_marketing_edits_an_intent_trigger_and_creates_an_event_rule(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.get_by_role("link", name="Rules").click()
    # The demo's busy rule shows its trigger; editing it keeps the trigger and adds an intent
    row = page.locator('[data-testid="rule-row"][data-id="busy-nudge"]')
    expect(row.get_by_test_id("trigger")).to_have_text("reply: Busy")
    row.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Trigger", exact=True)).to_have_value("intent")
    expect(page.get_by_label("Busy", exact=True)).to_be_checked()
    page.get_by_label("Call me back at a time").check()
    page.get_by_role("button", name="Save").click()
    expect(row.get_by_test_id("trigger")).to_have_text("reply: Busy, Call me back at a time")
    saved = stack.call("GET", "/api/rules/busy-nudge").json()
    assert saved["trigger"] == {"kind": "intent", "intents": ["busy", "call_back_at"]}
    assert saved["version"] == 2
    # A new rule on a custom event, with a property it must carry
    page.get_by_role("button", name="New rule").click()
    page.get_by_label("Id", exact=True).fill("e2e-gold-booking")
    page.get_by_label("Name", exact=True).fill("Gold booking thanks")
    page.get_by_label("Trigger", exact=True).select_option("event")
    page.get_by_label("Event name").fill("booking_completed")
    page.get_by_label("Where (property=value, comma-separated)").fill("plan=gold, city=Bandung")
    page.get_by_label("Step 1 template name").fill("booking_thanks")
    page.get_by_role("button", name="Save").click()
    created = page.locator('[data-testid="rule-row"][data-id="e2e-gold-booking"]')
    expect(created.get_by_test_id("trigger")).to_have_text(
        "event booking_completed (plan=gold, city=Bandung)"
    )
    trigger = stack.call("GET", "/api/rules/e2e-gold-booking").json()["trigger"]
    assert trigger == {
        "kind": "event",
        "name": "booking_completed",
        "where": {"plan": "gold", "city": "Bandung"},
    }
    assert watched.missing == []


@pytest.mark.slow
def test_marketing_keeps_a_journeys_branches_on_save_and_dry_runs_it(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given the post-service recipe installed: a rating, a wait, branches and an action
    installed = stack.call("POST", "/api/recipes/post-service/install")
    assert installed.status_code == 201
    steps = installed.json()["rule"]["steps"]
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.get_by_role("link", name="Rules").click()
    row = page.locator('[data-testid="rule-row"][data-id="post-service"]')
    row.get_by_role("button", name="Edit").click()
    # Every kind of step shows in its own fields
    expect(page.get_by_test_id("step-2")).to_contain_text("Step 3: Branch")
    expect(page.get_by_label("Step 4 tag")).to_have_value("urgent-review")
    # And saving keeps them whole: the rule as it stands, no new version
    page.get_by_role("button", name="Save").click()
    expect(row).to_be_visible()
    saved = stack.call("GET", "/api/rules/post-service").json()
    assert (saved["version"], saved["steps"]) == (1, steps)
    # Without its event, a dry run for a test contact says nothing would happen
    row.get_by_role("button", name="Edit").click()
    page.get_by_role("button", name="Dry run").click()
    expect(page.get_by_test_id("dry-run")).to_contain_text("Nothing happens")
    page.get_by_role("button", name="Cancel").click()
    # And the demo's reminder, played for a test contact, enters and sends a day later
    page.locator(f'[data-testid="rule-row"][data-id="{AI_RULE}"]').get_by_role(
        "button", name="Edit"
    ).click()
    page.get_by_role("button", name="Dry run").click()
    panel = page.get_by_test_id("dry-run")
    expect(panel).to_contain_text("entered")
    expect(panel).to_contain_text("send (WhatsApp)")
    assert watched.missing == []


@pytest.mark.slow
def test_marketing_opens_a_journey_in_the_stats_and_reads_each_step(
    fresh: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a two-step journey whose first step went out to the quiet demo leads
    params = [
        {"field": "first_name", "default": "there"},
        {"field": "attributes.program", "default": "our programs"},
    ]
    template = {"name": "open_day_invite", "language": "en", "params": params}
    rule = {
        "id": "e2e-two-steps",
        "name": "Two steps",
        "trigger": {"stages": ["new", "qualified"], "idle": {"amount": 1, "unit": "hours"}},
        "steps": [
            {"wait": {"amount": 0, "unit": "minutes"}, "template": template},
            {"wait": {"amount": 1, "unit": "days"}, "template": template},
        ],
        "send_anytime": True,
        "active": True,
    }
    assert fresh.call("POST", "/api/rules", json=rule).status_code == 201
    httpx.post(f"{fresh.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()

    def first_step_gone() -> list[dict[str, Any]] | None:
        """The queue once the sender has taken every first step the tick handed it."""
        queue: list[dict[str, Any]] = fresh.call("GET", "/api/queue?rule=e2e-two-steps").json()[
            "followups"
        ]
        first = [f for f in queue if f["step_index"] == 0]
        waiting = [f for f in first if f["status"] in ("queued", "sending")]
        return queue if first and not waiting else None

    queue = eventually(first_step_gone)
    sent = len([f for f in queue if f["sent_at"]])
    assert sent > 0
    # When marketing opens the journey's row in the Stats tab
    page = sign_in(browser, pages, fresh.url, "marketing", watched)
    page.get_by_role("link", name="Stats").click()
    page.get_by_role("button", name="e2e-two-steps").click()
    # Then the first step shows its sends, and those leads wait in the second one
    steps = page.locator('[data-testid="journey-steps"][data-id="e2e-two-steps"]')
    first = steps.locator('[data-testid="step-row"][data-step="0"]')
    second = steps.locator('[data-testid="step-row"][data-step="1"]')
    expect(first.locator('[data-col="sent"]')).to_have_text(str(sent))
    expect(first.locator('[data-col="active"]')).to_have_text("0")
    expect(second.locator('[data-col="active"]')).to_have_text(str(sent))
    expect(second.locator('[data-col="sent"]')).to_have_text("0")
    total = steps.get_by_test_id("journey-total")
    expect(total.locator('[data-col="active"]')).to_have_text(str(sent))
    expect(page.get_by_role("button", name="e2e-two-steps")).to_have_attribute(
        "aria-expanded", "true"
    )
    assert watched.missing == []
