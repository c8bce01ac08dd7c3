"""/api/stats and /api/rules/{id}/stats against what a marketer counts by hand: ten leads
over two days, each send once (a retry, a fallback), a reply once per send, opt-outs,
conversions within the attribution window, costs by channel, each on the day it was sent."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.costs import rate_card
from followup.domain.rule import Rule
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
MARKETING = {"billable": True, "category": "marketing", "type": "regular"}
TEMPLATE = {"name": "apply_reminder", "language": "en"}
TWO_PARTS = "Hi, your place in the March intake is still open; the early fee ends Friday. " * 3
"""234 GSM-7 characters: two SMS parts."""
WHATSAPP = rate_card().rate("indonesia", "marketing")
SMS_PART = rate_card().sms_rate("indonesia")
EMAIL = 0.0001


def whatsapp_step(**fallback: Any) -> dict[str, Any]:
    return {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "whatsapp",
        "text": TWO_PARTS,
        "template": TEMPLATE,
        "email": {"subject": "One step left", "body": "Hi, apply."},
        **fallback,
    }


def started(engine: LocalEngine, step: dict[str, Any]) -> Rule:
    saved = rule(steps=[step])
    engine.deps.rules.save_rule(saved)
    engine.sandbox.templates.approve_all([saved])
    return saved


def says(engine: LocalEngine, lead: Contact, text: str) -> None:
    at = engine.clock.advance(timedelta(seconds=10))
    wa_id = lead.wa_id or ""
    message_id = f"wamid.IN.{wa_id}.{int(at.timestamp())}"
    assert engine.deliver(envelopes.text_message(wa_id, text, at, message_id)) == 200


def converts(engine: LocalEngine, contact_id: str, stage: str = "applied") -> None:
    event = {"type": "stage_changed", "contact": contact_id, "stage": stage}
    assert call(engine, "POST", "/api/events", event)[0] == 200


def stats(engine: LocalEngine, since: date, until: date) -> dict[str, Any]:
    status, answer = call(engine, "GET", f"/api/stats?from={since}&to={until}")
    assert status == 200
    found: dict[str, Any] = answer
    return found


def test_ten_leads_over_two_days_count_as_a_marketer_counts_them(engine: LocalEngine) -> None:
    # Given a WhatsApp step going on by SMS, then email, when WhatsApp cannot take it
    deps = engine.deps
    started(engine, whatsapp_step(fallbacks=["sms", "email"]))
    first_day = engine.clock.now()
    day_one = [quiet_contact(deps, f"62811000070{n}", first_day - 25 * HOUR) for n in range(6)]
    # and the first send to the sixth lead failing at the provider, then tried again
    engine.sandbox.fail_next(status=500, to=day_one[5].wa_id or "")
    engine.tick()
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    tries = [r for r in engine.sandbox.requests if (r.body or {}).get("to") == day_one[5].wa_id]
    assert len(tries) == 2
    at = engine.clock.advance(timedelta(seconds=30))
    for lead in day_one:
        [sent] = deps.followups.followups_of(lead.id)
        wamid = sent.provider_message_id or ""
        status = envelopes.status(wamid, "delivered", at, lead.wa_id or "", sent.id, MARKETING)
        assert engine.deliver(status) == 200
    # When one replies, one replies twice, one sends STOP, one converts without replying
    says(engine, day_one[0], "yes")
    says(engine, day_one[1], "maybe")
    engine.clock.advance(HOUR)
    says(engine, day_one[1], "tell me more")
    says(engine, day_one[3], "STOP")
    converts(engine, day_one[4].id)
    # and the next day WhatsApp refuses two numbers (one on SNS's opt-out list, with an
    # email), and a lead whose follow-up is queued writes first
    engine.clock.advance(22 * HOUR)
    second_day = engine.clock.now()
    wa_ids = ("6281100000706", "6281100000799", "6281100000708", "6281100000709")
    day_two = [
        quiet_contact(deps, wa_id, second_day - 25 * HOUR, email="lead@example.com")
        for wa_id in wa_ids
    ]
    for lead in day_two[:2]:
        engine.sandbox.fail_next(status=400, code=131026, to=lead.wa_id)
    engine.scheduled("enqueue")
    says(engine, day_two[3], "hello, about the other course")
    engine.tick()
    # and, after the attribution window, one lead replies and one who replied converts
    engine.clock.advance(80 * HOUR)
    engine.tick()
    says(engine, day_one[2], "sorry, late")
    converts(engine, day_one[0].id)
    # Then the Stats page counts each send once, on its day, and each outcome once
    total = stats(engine, first_day.date(), engine.clock.now().date())["total"]
    assert {name: total[name] for name in ("sent", "delivered", "responded", "opted_out")} == {
        "sent": 9,
        "delivered": 6,
        "responded": 2,
        "opted_out": 1,
    }
    assert (total["converted"], total.get("failed", 0)) == (1, 0)
    assert total["response_rate"] == pytest.approx(2 / 9)
    assert total["opt_out_rate"] == pytest.approx(1 / 9)
    assert total["messaging_cost_by_channel"] == {
        "whatsapp": pytest.approx(6 * WHATSAPP),
        "sms": pytest.approx(2 * SMS_PART),
        "email": pytest.approx(EMAIL),
    }
    assert total["cost_per_reply"] == pytest.approx(total["cost_usd"] / 2)
    assert (total["flags"], total["sample_too_small"]) == ([], True)
    first = stats(engine, first_day.date(), first_day.date())["total"]
    second = stats(engine, second_day.date(), second_day.date())["total"]
    assert (first["sent"], first["responded"], first["converted"]) == (6, 2, 1)
    assert (second["sent"], second["responded"], second["converted"]) == (3, 0, 0)
    # and the journey's one step shows the same funnel
    _, journey = call(
        engine,
        "GET",
        f"/api/rules/apply-remind-24h/stats?from={first_day.date()}&to={engine.clock.now().date()}",
    )
    [step] = journey["steps"]
    funnel = ("sent", "delivered", "replied", "opted_out", "converted")
    assert {name: step[name] for name in funnel} == {name: total.get(name) for name in funnel} | {
        "replied": 2
    }


def sms_when_no_reply(engine: LocalEngine, wa_id: str) -> Contact:
    """A WhatsApp step going on by SMS when no reply comes within 24 hours, sent now to a
    lead quiet for a day."""
    no_reply = {"no_reply_within": {"amount": 24, "unit": "hours"}}
    started(engine, whatsapp_step(fallbacks=["sms"], fallback_when=no_reply))
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.tick()
    return lead


def test_a_conversion_after_the_no_reply_sms_counts_for_the_step_s_send_on_its_day(
    engine: LocalEngine,
) -> None:
    # Given a WhatsApp step going on by SMS when no reply comes within 24 hours, sent on
    # one day, and its SMS on the next
    first_day = engine.clock.now().date()
    lead = sms_when_no_reply(engine, "6281100000801")
    engine.clock.advance(25 * HOUR)
    engine.tick()
    second_day = engine.clock.now().date()
    # When the lead applies after the SMS
    converts(engine, lead.id)
    # Then the day of the step's send shows its send and its conversion, and the SMS's day
    # only what the SMS cost: the step's message is one send, converting once
    first = stats(engine, first_day, first_day)["total"]
    second = stats(engine, second_day, second_day)["total"]
    assert (first["sent"], first["converted"]) == (1, 1)
    assert (second["sent"], second["converted"]) == (0, 0)
    assert second["messaging_cost_by_channel"]["sms"] == pytest.approx(2 * SMS_PART)
    assert stats(engine, first_day, second_day)["total"]["converted"] == 1


def test_a_lead_moving_up_twice_around_the_no_reply_sms_converts_the_step_once(
    engine: LocalEngine,
) -> None:
    # Given a WhatsApp step going on by SMS when no reply comes within 24 hours, and a lead
    # who qualifies an hour after the WhatsApp message
    deps = engine.deps
    first_day = engine.clock.now().date()
    lead = sms_when_no_reply(engine, "6281100000813")
    engine.clock.advance(HOUR)
    converts(engine, lead.id, "qualified")
    # When the step's SMS goes a day later, and the lead then applies
    engine.clock.advance(25 * HOUR)
    engine.tick()
    sent = sorted(f.channel for f in deps.followups.followups_of(lead.id) if f.sent_at)
    assert sent == ["sms", "whatsapp"]
    converts(engine, lead.id)
    # Then the rule shows one send and one conversion: the step's message converts once
    total = stats(engine, first_day, engine.clock.now().date())["total"]
    assert (total["sent"], total["converted"]) == (1, 1)


def test_a_stop_after_a_reply_counts_one_opt_out_and_flags_the_rule(engine: LocalEngine) -> None:
    # Given a rule sent to three leads, judged for opt-outs from three sends on
    started(engine, whatsapp_step())
    day = engine.clock.now().date()
    leads = [
        quiet_contact(engine.deps, f"62811000082{n}", engine.clock.now() - 25 * HOUR)
        for n in range(3)
    ]
    engine.tick()
    settings = call(engine, "GET", "/api/settings")[1]
    settings["review"]["min_opt_out_sample"] = 3
    assert call(engine, "PUT", "/api/settings", settings)[0] == 200
    # When one lead asks who is writing, then sends STOP, which WhatsApp delivers twice,
    # and another replies and sends STOP only after the 72-hour attribution window
    says(engine, leads[0], "who is this?")
    says(engine, leads[1], "ok")
    at = engine.clock.advance(HOUR)
    stop = envelopes.text_message(leads[0].wa_id or "", "STOP", at, "wamid.IN.stop")
    assert engine.deliver(stop) == 200
    assert engine.deliver(stop) == 200
    engine.clock.advance(73 * HOUR)
    says(engine, leads[1], "STOP")
    # Then the rule shows both replies and one opt-out, 1 of 3 sends, and is flagged
    answer = stats(engine, day, engine.clock.now().date())
    [row] = answer["rules"]
    for shown in (answer["total"], row):
        assert (shown["sent"], shown["responded"], shown["opted_out"]) == (3, 2, 1)
        assert shown["opt_out_rate"] == pytest.approx(1 / 3)
    assert row["flags"] == ["high_opt_out"]
    # and so does the journey's one step
    path = f"/api/rules/apply-remind-24h/stats?from={day}&to={engine.clock.now().date()}"
    [step] = call(engine, "GET", path)[1]["steps"]
    assert (step["sent"], step["replied"], step["opted_out"]) == (3, 2, 1)
