"""Policy errors reported after the send was accepted, in a failed status webhook, on moto."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.followup import FollowUp, Status
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule
from tests.support.sender import sent_followup
from tests.support.webhook import payload, post

RUDI = "6281100000511"
HOUR = timedelta(hours=1)
SOON = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
TEXT_ONLY = [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi {name}"}]


def failed_with(engine: LocalEngine, followup: FollowUp, code: int) -> dict[str, Any]:
    """A failed status for `followup` carrying WhatsApp error `code`."""
    document = payload("status-failed-131047.json")
    status = document["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["id"] = followup.provider_message_id
    status["biz_opaque_callback_data"] = followup.id
    status["recipient_id"] = RUDI
    status["timestamp"] = str(int(engine.clock.now().timestamp()))
    status["errors"][0]["code"] = code
    return document


def sent_as_text(engine: LocalEngine, steps: list[dict[str, Any]] | None = None) -> FollowUp:
    """A text follow-up to Rudi, who wrote two hours ago (the sandbox knows it too)."""
    extra: dict[str, Any] = {} if steps is None else {"steps": steps}
    engine.deps.rules.save_rule(rule(trigger=SOON, **extra))
    wrote = engine.clock.now() - 2 * HOUR
    lead = quiet_contact(engine.deps, RUDI, wrote)
    engine.sandbox.record_inbound(RUDI, wrote)
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert followup.rendered is not None
    assert followup.rendered.kind == "text"
    return followup


def by_id(engine: LocalEngine, contact_id: str) -> dict[str, FollowUp]:
    return {f.id: f for f in engine.deps.followups.followups_of(contact_id)}


def test_a_window_closed_report_sends_the_template_once_and_never_loops(
    engine: LocalEngine,
) -> None:
    # Given a text follow-up that WhatsApp later reports failed with 131047, twice
    text = sent_as_text(engine)
    report = failed_with(engine, text, 131047)
    assert post(engine, report)["statusCode"] == 200
    assert post(engine, report)["statusCode"] == 200
    engine.tick()
    # Then the step's template went out once, on a follow-up of its own
    assert [(r.body or {}).get("type") for r in engine.sandbox.sent()] == ["text", "template"]
    followups = by_id(engine, text.contact_id)
    [template] = [f for f in followups.values() if f.id != text.id]
    assert template.status is Status.SENT
    # When the template is reported failed with 131047 as well
    assert post(engine, failed_with(engine, template, 131047))["statusCode"] == 200
    engine.ticks(3, every=HOUR)
    # Then nothing more is sent, and it ends skipped with the reason
    assert len(engine.sandbox.sent()) == 2
    ended = by_id(engine, text.contact_id)[template.id]
    assert ended.status is Status.SKIPPED
    assert ended.reason is not None
    assert "131047" in ended.reason


def test_a_window_closed_report_on_a_step_without_template_skips_it(engine: LocalEngine) -> None:
    text = sent_as_text(engine, TEXT_ONLY)
    assert post(engine, failed_with(engine, text, 131047))["statusCode"] == 200
    engine.tick()
    [ended] = by_id(engine, text.contact_id).values()
    assert ended.status is Status.SKIPPED
    assert ended.reason is not None
    assert "131047" in ended.reason
    assert len(engine.sandbox.sent()) == 1


def test_a_meta_experiment_report_skips_the_follow_up(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    assert post(engine, failed_with(engine, followup, 130472))["statusCode"] == 200
    engine.clock.advance(30 * HOUR)
    engine.tick()
    [ended] = by_id(engine, followup.contact_id).values()
    assert ended.status is Status.SKIPPED
    assert ended.reason is not None
    assert "130472" in ended.reason
    assert len(engine.sandbox.sent()) == 1


def test_a_withheld_report_is_sent_again_no_sooner_than_a_day_later(engine: LocalEngine) -> None:
    # Given a template follow-up that WhatsApp reports withheld (131049), twice
    followup = sent_followup(engine, RUDI)
    reported = engine.clock.now()
    report = failed_with(engine, followup, 131049)
    assert post(engine, report)["statusCode"] == 200
    assert post(engine, report)["statusCode"] == 200
    # When the engine runs hour by hour for two days
    engine.ticks(48, every=HOUR)
    # Then it went out again once, a day or more after the report
    [first, again] = engine.sandbox.sent()
    assert again.received_at - reported >= 24 * HOUR
    retry = by_id(engine, followup.contact_id)[again.followup_id or ""]
    assert (retry.status, retry.withheld) == (Status.SENT, 1)
    assert first.followup_id == followup.id
