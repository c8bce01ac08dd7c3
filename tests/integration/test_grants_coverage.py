"""Every use case of every function that touches AWS stays within its grants.

`test_grants.py` runs the main paths; here each function's other use cases run on moto,
recorded by a `Recorder`: the sender's channels, holds and resends, every kind of webhook
event, every admin API route, each journey step and trigger of the tick, expiry, both
streams and every bus event. Each scenario checks the use case did its work too, so a
path that quietly did nothing cannot pass for one that stayed within its grants.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
import pytest

from followup.adapters.claude import ClaudeWriter
from followup.adapters.dynamo_pacing import DynamoPacing
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.followup import FollowUp, Status
from followup.domain.messaging_limit import DEFERRED, WARMING_UP, WarmUp
from followup.domain.settings import AiSettings
from followup.services.manual import send_now
from followup.services.pacing import Pacer
from followup.wiring import runtime
from followup_local import envelopes
from followup_local.engine import LocalEngine
from followup_local.fake_anthropic import FakeAnthropic
from tests.integration.test_ai_send import ai_step
from tests.integration.test_email_feedback import ses_event
from tests.integration.test_unsubscribe import request as unsubscribe_request
from tests.support import api
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.events import load
from tests.support.grants import Recorder, recorder
from tests.support.hooks import hook
from tests.support.limits import admit
from tests.support.webhook import payload

__all__ = ["recorder"]  # the fixture

HOUR = timedelta(hours=1)
KEY = "sk-ant-local-test"
EVENTS = Path(__file__).parents[2] / "events" / "whatsapp"
CALLER = "6281100003601"
TEMPLATE = {"name": "apply_reminder", "language": "en"}
NOW = {"amount": 0, "unit": "minutes"}
SOON = {"stages": ["applied"], "idle": {"amount": 1, "unit": "hours"}}
ENDS = {"stages": ["enrolled"]}


def channel_rule(
    channel: str,
    fallbacks: list[str],
    rule_id: str = "apply-remind-24h",
    when: dict[str, Any] | None = None,
    **overrides: Any,
) -> Any:
    """A one-step rule on `channel`, falling back to `fallbacks` (`when` says when)."""
    step = channel_step(channel, fallbacks=fallbacks, template=TEMPLATE)
    if when is not None:
        step["fallback_when"] = when
    return rule(rule_id, steps=[step], **overrides)


def loop(engine: LocalEngine, recorder: Recorder) -> None:
    """One scheduler tick, each function recorded as itself."""
    for tick in ("enqueue", "dispatch"):
        with recorder.running(engine, tick):
            engine.scheduled(tick)
    with recorder.running(engine, "sender"):
        engine.drain()
    with recorder.running(engine, "expire"):
        engine.scheduled("expire")
    with recorder.running(engine, "stats"):
        engine.pump_stream()


def the_followups(engine: LocalEngine, contact_id: str) -> list[FollowUp]:
    found = engine.deps.followups.followups_of(contact_id)
    return sorted(found, key=lambda f: f.created_at)


def failed_status(engine: LocalEngine, followup: FollowUp, wa_id: str, code: int) -> Any:
    document = payload("status-failed-131047.json")
    [status] = document["entry"][0]["changes"][0]["value"]["statuses"]
    status.update(id=followup.provider_message_id, biz_opaque_callback_data=followup.id)
    status["recipient_id"] = wa_id
    status["timestamp"] = str(int(engine.clock.now().timestamp()))
    status["errors"][0]["code"] = code
    return document


def test_sms_and_email_and_their_fallbacks_stay_within_the_senders_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given an SMS step falling back to email for a number SNS lists as opted out (moto
    # lists every number ending in 99), an email step, and WhatsApp refusing a number
    deps = engine.deps
    deps.rules.save_rule(channel_rule("sms", ["email"], "texts"))
    deps.rules.save_rule(channel_rule("whatsapp", ["sms"]))
    quiet = engine.clock.now() - 25 * HOUR
    opted_out = quiet_contact(deps, "6281100003199", quiet, email="rudi@example.com")
    refused = quiet_contact(deps, "6281100003101", quiet)
    engine.sandbox.fail_next(status=400, code=131026, to=refused.wa_id)
    # When the ticks send them
    loop(engine, recorder)
    # Then the email and the SMS went out, through calls the sender is granted
    assert sorted((sent.channel, sent.to) for sent in engine.outbox()) == [
        ("email", "rudi@example.com"),
        ("sms", "+6281100003101"),
    ]
    assert [f.skipped_channels for f in the_followups(engine, opted_out.id)] == [["opted_out:sms"]]
    assert recorder.refused() == {}
    assert {"text", "email"} <= recorder.used["sender"]


def test_a_send_refused_because_the_lead_stopped_marketing_stays_within_the_senders_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a WhatsApp step for a lead who stopped marketing messages from this business
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100003102", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131050)
    # When the ticks meet 360dialog refusing the send for that (131050)
    loop(engine, recorder)
    # Then the sender stopped marketing to the lead, through calls it is granted
    found = deps.contacts.contact(lead.id)
    assert found is not None
    assert found.item.marketing_suppressed
    assert recorder.refused() == {}


def test_template_and_approval_waits_stay_within_the_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given the rule's template paused in the synced catalogue, and an AI step a person
    # approves, written by the fake Claude
    deps = engine.deps
    engine.sandbox.templates.add("paused_reminder", "en", "Still applying?", status="paused")
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, {{2}}")
    with recorder.running(engine, "api"):
        assert api.call(engine, "POST", "/api/templates/sync")[0] == 200
    settings = deps.rules.settings().model_copy(update={"ai": AiSettings(language="en")})
    deps.rules.save_settings(settings)
    paused = {"wait": NOW, "template": {"name": "paused_reminder", "language": "en"}}
    deps.rules.save_rule(rule(steps=[paused]))
    approved_step = ai_step(ai={"instructions": "Ask whether they still apply.", "approval": True})
    qualified = {"stages": ["qualified"], "idle": {"amount": 24, "unit": "hours"}}
    deps.rules.save_rule(rule("written", trigger=qualified, steps=[approved_step]))
    quiet = engine.clock.now() - 25 * HOUR
    leads = [
        quiet_contact(deps, "6281100003201", quiet),
        quiet_contact(deps, "6281100003202", quiet, stage="qualified"),
    ]
    with FakeAnthropic(KEY) as fake:
        deps.writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=60)
        # When the ticks hold both: one for its template, one for a person's approval
        loop(engine, recorder)
        [template, written] = [the_followups(engine, lead.id)[0] for lead in leads]
        assert template.status is Status.WAITING_TEMPLATE
        assert written.reason == "awaiting_approval"
        # ...the webhook hears the template approved, an admin approves the text
        change = {"name": "paused_reminder", "language": "en", "status": "APPROVED"}
        with recorder.running(engine, "webhook"):
            assert engine.deliver(engine.sandbox.templates.change(change)) == 200
        with recorder.running(engine, "api"):
            path = f"/api/followups/{written.id}/approve"
            assert api.call(engine, "POST", path, {})[0] == 200
        engine.clock.advance(timedelta(minutes=1))
        loop(engine, recorder)
    # Then both went out, through calls each function is granted
    assert [f.status for lead in leads for f in the_followups(engine, lead.id)] == [Status.SENT] * 2
    assert recorder.refused() == {}
    assert "write followups" in recorder.used["webhook"]


def resume_the_number(engine: LocalEngine) -> None:
    number = envelopes.BUSINESS_NUMBER["phone_number_id"]
    [listed] = api.call(engine, "GET", "/api/numbers")[1]["numbers"]
    assert listed["paused"]
    assert api.call(engine, "POST", f"/api/numbers/{number}/resume")[0] == 200


def resume_the_workspace(engine: LocalEngine) -> None:
    settings = api.call(engine, "GET", "/api/settings")[1]
    assert settings["paused"]
    assert api.call(engine, "PUT", "/api/settings", settings | {"paused": False})[0] == 200


@pytest.mark.parametrize(
    ("status", "code", "resume"),
    [(400, 131048, resume_the_number), (401, None, resume_the_workspace)],
    ids=["spam-pauses-the-number", "refused-key-pauses-the-workspace"],
)
def test_a_send_that_pauses_and_its_resume_stay_within_the_grants(
    engine: LocalEngine,
    recorder: Recorder,
    status: int,
    code: int | None,
    resume: Callable[[LocalEngine], None],
) -> None:
    # Given two due leads, and 360dialog answering the first send with an error that means
    # "stop sending": spam from the number, or the workspace's key refused
    deps = engine.deps
    deps.rules.save_rule(rule())
    since = engine.clock.now() - 25 * HOUR
    leads = [quiet_contact(deps, f"628110000330{n}", since) for n in range(2)]
    engine.sandbox.fail_next(status=status, code=code)
    # When the ticks meet it (the sender pauses), an admin resumes and the ticks run again
    loop(engine, recorder)
    with recorder.running(engine, "api"):
        resume(engine)
    loop(engine, recorder)
    # Then each lead was sent to once, through calls each function is granted
    sent = sorted(str(request.body["to"]) for request in engine.sandbox.sent() if request.body)
    assert sent == sorted(str(lead.wa_id) for lead in leads)
    assert recorder.refused() == {}
    assert "write state" in recorder.used["sender"]


def test_failed_statuses_and_their_resends_stay_within_the_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given text follow-ups to leads who wrote two hours ago, each then reported failed by
    # WhatsApp: the window closed (131047), withheld (131049), an experiment (130472), not
    # marketable (131050), and spam, which stops the number (131048)
    deps = engine.deps
    soon = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    text_step = {"wait": NOW, "text": "Hi {name}", "template": TEMPLATE}
    deps.rules.save_rule(rule(trigger=soon, steps=[text_step]))
    codes = [131047, 131049, 130472, 131050, 131048]
    wrote = engine.clock.now() - 2 * HOUR
    leads = [quiet_contact(deps, f"628110000340{n}", wrote) for n in range(len(codes))]
    for lead in leads:
        engine.sandbox.record_inbound(str(lead.wa_id), wrote)
    loop(engine, recorder)
    sent = [f for lead in leads for f in the_followups(engine, lead.id)]
    assert [f.status for f in sent] == [Status.SENT] * len(codes)
    # When the webhook hears each failure, an admin resumes the number, and the ticks run
    with recorder.running(engine, "webhook"):
        for followup, lead, code in zip(sent, leads, codes, strict=True):
            report = failed_status(engine, followup, str(lead.wa_id), code)
            assert engine.deliver(report) == 200
    with recorder.running(engine, "api"):
        number = envelopes.BUSINESS_NUMBER["phone_number_id"]
        assert api.call(engine, "POST", f"/api/numbers/{number}/resume")[0] == 200
    for _ in range(26):
        engine.clock.advance(HOUR)
        loop(engine, recorder)
    # Then the closed window's template and the withheld one went out again
    again = [the_followups(engine, lead.id) for lead in leads[:2]]
    assert [sorted(f.status for f in found) for found in again] == [
        [Status.FAILED, Status.SENT]
    ] * 2
    marketing = deps.contacts.contact(leads[3].id)
    assert marketing is not None
    assert marketing.item.marketing_suppressed
    assert recorder.refused() == {}


def test_warm_up_and_messaging_limit_deferrals_stay_within_the_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a new number allowed one send today, and paced sends moving the virtual clock
    deps = engine.deps
    deps.pacer = Pacer(DynamoPacing(), deps.sending_number, 80, engine.clock, engine.clock.sleep)
    deps.rules.save_rule(rule())
    settings = deps.rules.settings()
    today = engine.clock.now().astimezone(settings.zone).date()
    limit = settings.messaging_limit.model_copy(
        update={"warm_up": WarmUp(started_on=today, schedule=[1])}
    )
    deps.rules.save_settings(settings.model_copy(update={"messaging_limit": limit}))
    quiet = engine.clock.now() - 30 * HOUR
    leads = [quiet_contact(deps, f"628110000350{n}", quiet) for n in range(2)]
    # When an admin sends to both now: the second waits for tomorrow's warm-up place
    with recorder.running(engine, "api"):
        for lead in leads:
            path = f"/api/contacts/{lead.id}/followups"
            assert api.call(engine, "POST", path, {"rule_id": "apply-remind-24h"})[0] == 202
    with recorder.running(engine, "sender"):
        engine.drain()
    both = [(f.status, f.reason) for lead in leads for f in the_followups(engine, lead.id)]
    assert sorted(both) == [(Status.QUEUED, WARMING_UP), (Status.SENT, None)]
    # ...and once warm-up is over, the portfolio has reached its messaging limit
    deps.rules.save_settings(settings)
    deps.catalog.invalidate()
    later = quiet_contact(deps, "6281100003509", quiet)
    for _ in range(224):  # the first tier less its headroom, less the lead reached today
        assert admit(DynamoPacing(), settings.messaging_limit, engine.clock.now()) is None
    with recorder.running(engine, "api"):
        path = f"/api/contacts/{later.id}/followups"
        assert api.call(engine, "POST", path, {"rule_id": "apply-remind-24h"})[0] == 202
    with recorder.running(engine, "sender"):
        engine.drain()
    # Then it is deferred as the limit says, through calls each function is granted
    [limited] = the_followups(engine, later.id)
    assert (limited.status, limited.reason) == (Status.QUEUED, DEFERRED)
    assert recorder.refused() == {}
    assert {"read pacing", "write pacing"} <= recorder.used["sender"]


def test_every_kind_of_webhook_event_stays_within_the_webhooks_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a call-back rule, the synced template catalogue, and Claude reading replies
    deps = engine.deps
    call_back = {"kind": "intent", "intents": ["call_back_at"]}
    deps.rules.save_rule(rule("call-back", trigger=call_back))
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still applying?")
    assert api.call(engine, "POST", "/api/templates/sync")[0] == 200
    at = engine.clock.now()
    deliveries = [load(f"whatsapp/{path.name}") for path in sorted(EVENTS.glob("*.json"))]
    deliveries += [
        envelopes.text_message(CALLER, "call me tomorrow at 10", at, "wamid.GC01", name="Dewi"),
        envelopes.template_status("apply_reminder", "en", "PAUSED", at),
        envelopes.template_quality("apply_reminder", "en", "GREEN", "YELLOW", at),
        envelopes.template_category("apply_reminder", "en", "UTILITY", "MARKETING", at),
    ]
    with FakeAnthropic(KEY) as fake:
        deps.classifier = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url)
        # When the webhook hears every kind of event WhatsApp and Meta send
        with recorder.running(engine, "webhook"):
            answers = [engine.deliver(document) for document in deliveries]
    # Then each was applied, through calls the webhook is granted
    assert answers == [200] * len(deliveries)
    assert fake.requests
    caller = deps.contacts.contact_by_wa_id(CALLER)
    assert caller is not None
    [enrolled] = deps.followups.enrollments_of(caller.item.id)
    assert enrolled.item.rule_id == "call-back"
    [template] = deps.templates.templates().item.templates
    assert (template.status, template.quality) == ("PAUSED", "YELLOW")
    stopped = deps.contacts.contact_by_wa_id("6281100000999")  # the number it changed to
    assert stopped is not None
    assert stopped.item.opted_out
    assert recorder.refused() == {}


def test_every_admin_api_route_stays_within_the_apis_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a synced catalogue, a rule, an AI rule a person approves, an email rule, and
    # leads due for each (the ticks hold the AI texts and send the email)
    deps = engine.deps
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, {{2}}")
    for name in ("busy_follow_up", "busy_follow_up_again"):  # the recipe installed
        engine.sandbox.templates.add(name, "en", "Hi {{1}}, when suits you?")
    settings = deps.rules.settings().model_copy(update={"ai": AiSettings(language="en")})
    deps.rules.save_settings(settings)
    deps.rules.save_rule(rule())
    qualified = {"stages": ["qualified"], "idle": {"amount": 24, "unit": "hours"}}
    approved_step = ai_step(ai={"instructions": "Ask whether they still apply.", "approval": True})
    deps.rules.save_rule(rule("written", trigger=qualified, steps=[approved_step]))
    applied = {"stages": ["applied"], "idle": {"amount": 24, "unit": "hours"}}
    enrolled = {"stages": ["enrolled"]}
    deps.rules.save_rule(channel_rule("email", [], "mailed", trigger=applied, exit=enrolled))
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(deps, "6281100003701", quiet)
    writers = [quiet_contact(deps, f"628110000371{n}", quiet, stage="qualified") for n in range(2)]
    mailed = quiet_contact(deps, "6281100003720", quiet, stage="applied", email="a@example.com")
    with recorder.running(engine, "api"):
        assert api.call(engine, "POST", "/api/templates/sync")[0] == 200
    with FakeAnthropic(KEY) as fake:
        deps.writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=60)
        engine.tick()
        [approve, reject] = [the_followups(engine, w.id)[0] for w in writers]
        [email] = engine.outbox()
        unsubscribe = urlparse(email.headers["List-Unsubscribe"].strip("<>")).path
        queued = send_now(deps, lead.id, "apply-remind-24h")
        rule_body = rule("other-rule", steps=[ai_step()]).model_dump(mode="json")
        requests: list[tuple[str, str, Any]] = [
            ("GET", "/api/templates", None),
            ("GET", "/api/recipes", None),
            ("POST", "/api/recipes/busy-follow-up/check", None),
            ("POST", "/api/recipes/busy-follow-up/install", None),
            ("POST", "/api/rules", rule_body),
            ("GET", "/api/rules/other-rule", None),
            ("PUT", "/api/rules/other-rule", rule_body | {"name": "Renamed"}),
            ("GET", "/api/rules/other-rule/versions", None),
            ("GET", "/api/rules/other-rule/diff", None),
            ("POST", "/api/rules/other-rule/deactivate", None),
            ("POST", "/api/rules/other-rule/activate", None),
            ("POST", "/api/rules/preview", rule_body),
            ("POST", "/api/rules/apply-remind-24h/preview", None),
            ("POST", "/api/rules/apply-remind-24h/dry-run", {"contact_id": lead.id, "days": 7}),
            ("POST", "/api/rules/written/steps/0/sample", {"contact_id": writers[0].id}),
            ("GET", "/api/rules/apply-remind-24h/stats", None),
            ("GET", "/api/stats", None),
            ("POST", "/api/settings/check", api.call(engine, "GET", "/api/settings")[1]),
            ("GET", f"/api/followups/{approve.id}", None),
            ("POST", f"/api/followups/{approve.id}/approve", {"text": "Still applying, Rudi?"}),
            ("POST", f"/api/followups/{reject.id}/reject", None),
            ("GET", "/api/queue?status=queued", None),
            ("POST", "/api/queue/cancel", {"ids": [queued.id]}),
            ("GET", f"/api/contacts/{lead.id}", None),
            ("PATCH", f"/api/contacts/{lead.id}", {"add_tags": ["vip"], "stage": "qualified"}),
            ("GET", f"/api/contacts/{lead.id}/rules", None),
            ("GET", f"/api/contacts/{lead.id}/upcoming", None),
            ("POST", f"/api/contacts/{lead.id}/conversation/close", None),
            ("POST", f"/api/contacts/{lead.id}/conversation/reopen", None),
            ("POST", f"/api/contacts/{lead.id}/do-not-contact", None),
            ("DELETE", f"/api/contacts/{lead.id}/do-not-contact", None),
            ("GET", "/api/contacts?q=Rudi", None),
            ("GET", "/api/audit", None),
            ("DELETE", "/api/rules/other-rule", None),
        ]
        # When an admin calls every route (the others are in test_grants.py), and the
        # lead opens the email's unsubscribe link and clicks it
        with recorder.running(engine, "api"):
            answers = [api.call(engine, method, path, body) for method, path, body in requests]
            page = unsubscribe_request(engine, "GET", unsubscribe, None)
            clicked = unsubscribe_request(engine, "POST", unsubscribe, "List-Unsubscribe=One-Click")
    # Then each answered as it should, through calls the API is granted
    refused = [(r[:2], a) for r, a in zip(requests, answers, strict=True) if a[0] >= 300]
    assert refused == [], "\n".join(map(str, refused))
    assert (page[0], clicked[0]) == (200, 200)
    after = deps.contacts.contact(mailed.id)
    assert after is not None
    assert after.item.stopped("email")
    assert [f.status for f in the_followups(engine, writers[1].id)] == [Status.CANCELED]
    assert recorder.refused() == {}
    assert {"write rules", "write state", "send"} <= recorder.used["api"]


def test_each_journey_step_and_trigger_stays_within_the_ticks_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a journey with a step of every kind and a goal, a reminder the day before a
    # renewal date, and an SMS fallback when WhatsApp gets no reply within an hour
    deps = engine.deps
    bus = boto3.client("events", region_name=engine.config.aws_region)
    bus.create_event_bus(Name="followup-events")
    deps.notifier = runtime.notifier(engine.configure(event_bus_name="followup-events"))
    quiet = engine.clock.now() - 25 * HOUR
    with hook(engine.config.notify_secret.get_secret_value()) as crm:
        steps: list[dict[str, Any]] = [
            {"kind": "action", "do": "add_tag", "tag": "vip"},
            {"kind": "action", "do": "set_attribute", "attribute": "plan", "value": "gold"},
            {"kind": "action", "do": "create_task", "title": "Call", "assignee": "sari@x.id"}
            | {"due": {"amount": 2, "unit": "hours"}},
            {"kind": "action", "do": "notify", "webhook": crm.url},
            {"kind": "action", "do": "notify", "bus": True, "detail_type": "lead_unpaid"},
            {"kind": "branch", "if": {"replied": False}, "then": 6, "else": 8},
            {"wait": NOW, "template": TEMPLATE | {"params": [{"text": "Rudi"}]}},
            {"kind": "wait", "for": {"amount": 1, "unit": "hours"}},
            {"kind": "action", "do": "set_stage", "stage": "qualified"},
            {"kind": "action", "do": "close_conversation"},
        ]
        goal = {"stages": ["paid"], "events": ["booking_completed"]}
        deps.rules.save_rule(rule("journey", steps=steps, goal=goal, exit={"on_reply": False}))
        journeyed = quiet_contact(deps, "6281100003801", quiet)
        paying = quiet_contact(deps, "6281100003802", quiet)
        renewal = {"kind": "date", "attribute": "renewal_date", "at": "10:00"}
        customer = {"wa_id": "6281100003803", "attributes": {"renewal_date": "2026-11-24"}}
        with recorder.running(engine, "api"):
            renewal_rule = rule("renewal", trigger=renewal).model_dump(mode="json")
            assert api.call(engine, "POST", "/api/rules", renewal_rule)[0] == 201
            status, renewing = api.call(engine, "POST", "/api/contacts", customer)
            assert status == 201
        hour = {"no_reply_within": {"amount": 1, "unit": "hours"}}
        texts = channel_rule("whatsapp", ["sms"], "texts", hour, trigger=SOON, exit=ENDS)
        deps.rules.save_rule(texts)
        silent = quiet_contact(deps, "6281100003804", quiet, stage="applied")
        # When the ticks run for two hours, the second lead paying on the way
        loop(engine, recorder)
        with recorder.running(engine, "api"):
            paid = {"type": "stage_changed", "contact": paying.id, "stage": "paid"}
            assert api.call(engine, "POST", "/api/events", paid)[0] == 200
        for _ in range(2):
            engine.clock.advance(HOUR)
            loop(engine, recorder)
        delivered = [request.body["contact_id"] for request in crm.received if request.signed]
    # Then every step did its work, through calls each function is granted
    after = deps.contacts.contact(journeyed.id)
    assert after is not None
    assert (after.item.tags, after.item.stage) == (["vip"], "qualified")
    assert after.item.attributes["plan"] == "gold"
    assert not after.item.conversation_open
    assert [task.title for task in deps.tasks.tasks_of(journeyed.id)] == ["Call"]
    assert delivered.count(journeyed.id) == 1
    assert [e.item.exit_reason for e in deps.followups.enrollments_of(paying.id)] == ["goal"]
    assert [e.item.rule_id for e in deps.followups.enrollments_of(renewing["id"])] == ["renewal"]
    assert [sent.to for sent in engine.outbox()] == [f"+{silent.wa_id}"]
    assert recorder.refused() == {}
    assert {"notify", "write tasks", "write notifications"} <= recorder.used["enqueue"]


def bus_event(kind: str, **detail: Any) -> dict[str, Any]:
    event = load("eventbridge-custom.json")
    event["detail-type"] = kind
    event["detail"] = detail
    return event


def test_every_bus_event_stays_within_the_bus_functions_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given leads sent a follow-up, a rule a booking starts, and a journey it ends
    deps = engine.deps
    deps.rules.save_rule(rule())
    booked = {"kind": "event", "name": "booking_completed"}
    deps.rules.save_rule(rule("booked", trigger=booked))
    quiet = engine.clock.now() - 25 * HOUR
    talked, converted, closed = (quiet_contact(deps, f"628110000390{n}", quiet) for n in range(3))
    loop(engine, recorder)
    at = engine.clock.now().isoformat()
    events = [
        bus_event("message_sent", contact=talked.id, speaker="agent", at=at),
        bus_event("stage_changed", contact=converted.id, stage="paid"),
        bus_event("conversation_closed", contact=closed.id),
        bus_event("conversation_reopened", contact=closed.id),
        bus_event("custom", contact=str(talked.wa_id), name="booking_completed", at=at),
    ]
    for event in events:
        event["time"] = at  # put on the bus now
    # When other systems put each kind of event on the bus
    with recorder.running(engine, "bus_events"):
        applied = [engine.invoke("bus_events", event)["applied"] for event in events]
    with recorder.running(engine, "stats"):
        assert engine.pump_stream() > 0
    # Then each was applied, through calls the function is granted
    assert applied == [True] * len(events)
    spoke = deps.contacts.contact(talked.id)
    assert spoke is not None
    assert spoke.item.last_speaker == "agent"
    [conversion] = the_followups(engine, converted.id)
    assert conversion.converted_at is not None
    reopened = deps.contacts.contact(closed.id)
    assert reopened is not None
    assert reopened.item.conversation_open
    assert "booked" in {e.item.rule_id for e in deps.followups.enrollments_of(talked.id)}
    assert recorder.refused() == {}
    assert {"write messages", "write enrollments"} <= recorder.used["bus_events"]


def test_an_email_bounce_and_complaint_stay_within_the_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given two leads sent an email step that falls back to SMS
    deps = engine.deps
    deps.rules.save_rule(channel_rule("email", ["sms"]))
    quiet = engine.clock.now() - 25 * HOUR
    bounced = quiet_contact(deps, "6281100003930", quiet, email="gone@example.com")
    annoyed = quiet_contact(deps, "6281100003931", quiet, email="annoyed@example.com")
    loop(engine, recorder)
    [bounced_email] = the_followups(engine, bounced.id)
    [annoyed_email] = the_followups(engine, annoyed.id)
    # When SES reports one address gone for good and the other reader's complaint
    bounce = ses_event("eventbridge-ses-bounce.json", bounced_email, engine.clock.now())
    complaint = ses_event("eventbridge-ses-complaint.json", annoyed_email, engine.clock.now())
    with recorder.running(engine, "bus_events"):
        outcomes = [engine.invoke("bus_events", e)["outcome"] for e in (bounce, complaint)]
    loop(engine, recorder)
    # Then each was applied, through calls the function is granted
    assert outcomes == ["bounce", "complaint"]
    assert sorted(f.channel for f in the_followups(engine, bounced.id)) == ["email", "sms"]
    stopped = deps.contacts.contact(annoyed.id)
    assert stopped is not None
    assert stopped.item.opted_out_channels == ["email"]
    assert recorder.refused() == {}
    assert {"write followups", "write contacts"} <= recorder.used["bus_events"]


def test_expiry_redrive_and_an_approval_running_out_stay_within_the_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given one follow-up handed to SQS and lost there, one sent, and an AI text waiting for
    # a person's approval
    deps = engine.deps
    settings = deps.rules.settings().model_copy(update={"ai": AiSettings(language="en")})
    deps.rules.save_settings(settings)
    deps.rules.save_rule(rule())
    approved_step = ai_step(ai={"instructions": "Ask whether they still apply.", "approval": True})
    qualified = {"stages": ["qualified"], "idle": {"amount": 24, "unit": "hours"}}
    deps.rules.save_rule(rule("written", trigger=qualified, steps=[approved_step]))
    quiet = engine.clock.now() - 25 * HOUR
    lost = quiet_contact(deps, "6281100003910", quiet)
    for tick in ("enqueue", "dispatch"):
        with recorder.running(engine, tick):
            engine.scheduled(tick)
    engine.delays.clear()
    engine.sqs.purge_queue(QueueUrl=engine.queue_url)
    sent = quiet_contact(deps, "6281100003911", quiet)
    waiting = quiet_contact(deps, "6281100003920", quiet, stage="qualified")
    with FakeAnthropic(KEY) as fake:
        deps.writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=60)
        # When the ticks run on for four days, then past the week a sent one may wait
        loop(engine, recorder)
        engine.clock.advance(deps.timings.redrive_after)
        loop(engine, recorder)
        engine.clock.advance(73 * HOUR)
        loop(engine, recorder)
        engine.clock.advance(8 * 24 * HOUR)
        loop(engine, recorder)
    # Then the lost one went out once and expired unanswered like the other, and the text
    # nobody approved was skipped
    ended = {
        c.id: [(f.status, f.reason) for f in the_followups(engine, c.id)]
        for c in (lost, sent, waiting)
    }
    assert ended == {
        lost.id: [(Status.EXPIRED, "no_reply")],
        sent.id: [(Status.EXPIRED, "no_reply")],
        waiting.id: [(Status.SKIPPED, "approval_expired")],
    }
    assert len(engine.sandbox.sent()) == 2
    assert recorder.refused() == {}


def test_marketing_sent_through_messages_instead_stays_within_the_senders_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a synced marketing template, and a business that has not accepted the
    # Marketing Messages API's terms
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still applying?")
    assert api.call(engine, "POST", "/api/templates/sync")[0] == 200
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100003951", engine.clock.now() - 30 * HOUR)
    engine.sandbox.templates.marketing_terms_accepted = False
    # When the ticks send the follow-up
    loop(engine, recorder)
    # Then it went out through /messages, the sender noting why in the catalogue, as granted
    assert [(r.path, r.status) for r in engine.sandbox.requests] == [
        ("/marketing_messages", 400),
        ("/messages", 200),
    ]
    refused = engine.deps.templates.templates().item.marketing_api_refused
    assert refused is not None
    assert "131055" in refused
    assert recorder.refused() == {}
    assert "write state" in recorder.used["sender"]


def test_a_failed_status_bringing_a_fallback_forward_stays_within_the_grants(
    engine: LocalEngine, recorder: Recorder
) -> None:
    # Given a WhatsApp step with an SMS fallback, sent and accepted
    engine.deps.rules.save_rule(channel_rule("whatsapp", ["sms"]))
    lead = quiet_contact(engine.deps, "6281100003961", engine.clock.now() - 25 * HOUR)
    loop(engine, recorder)
    [sent] = the_followups(engine, lead.id)
    # When WhatsApp reports it undeliverable, and the ticks run
    with recorder.running(engine, "webhook"):
        assert engine.deliver(failed_status(engine, sent, str(lead.wa_id), 131026)) == 200
    loop(engine, recorder)
    # Then the SMS went, through calls each function is granted
    assert [(item.channel, item.to) for item in engine.outbox()] == [("sms", f"+{lead.wa_id}")]
    assert [f.status for f in the_followups(engine, lead.id)] == [Status.FAILED, Status.SENT]
    assert recorder.refused() == {}
