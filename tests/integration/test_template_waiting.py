"""A follow-up held for its template, through the handlers on moto: the sender holds it as
`waiting_template`, the queue API shows it with its reason, the webhook's approval makes it
due for the next dispatch, and the dispatch tick ends one whose wait ran out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

BODY = "Hi {{1}}, still thinking about applying?"
REASON = "waiting_template: template 'apply_reminder' (en) is paused"


def _held(engine: LocalEngine) -> FollowUp:
    """The rule's template paused in the synced catalogue; a lead due for it; one tick."""
    engine.sandbox.templates.add("apply_reminder", "en", BODY, status="paused")
    assert call(engine, "POST", "/api/templates/sync")[0] == 200
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000701", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    return followup


def _queue(engine: LocalEngine, query: str = "") -> list[dict[str, Any]]:
    status, shown = call(engine, "GET", f"/api/queue{query}")
    assert status == 200
    rows: list[dict[str, Any]] = shown["followups"]
    return rows


def _counts(engine: LocalEngine, *names: str) -> list[int]:
    """The rule's counters in the stats API."""
    status, stats = call(engine, "GET", "/api/stats")
    assert status == 200
    return [stats["total"].get(name, 0) for name in names]


def _approve(engine: LocalEngine) -> None:
    change = {"name": "apply_reminder", "language": "en", "status": "APPROVED"}
    assert engine.deliver(engine.sandbox.templates.change(change)) == 200


def test_the_queue_shows_it_held_and_the_webhook_s_approval_sends_it_at_the_next_tick(
    engine: LocalEngine,
) -> None:
    # Given a follow-up whose template is paused when it is due
    held = _held(engine)

    # Then it waits as waiting_template, with its reason, in the queue and its filter
    assert (held.status, held.reason) == (Status.WAITING_TEMPLATE, REASON)
    [row] = _queue(engine)
    assert (row["status"], row["reason"]) == ("waiting_template", REASON)
    assert [r["id"] for r in _queue(engine, "?status=waiting_template")] == [held.id]
    assert _queue(engine, "?status=queued") == []
    # And stats count it neither sent nor failed
    assert _counts(engine, "sent", "failed", "skipped") == [0, 0, 0]
    assert engine.sandbox.sent() == []

    # When Meta's webhook says the template is approved again
    _approve(engine)

    # Then the webhook made it due (it cannot reach the send queue), and the next tick sends it
    released = engine.deps.followups.followup(held.id)
    assert released is not None
    assert (released.status, released.reason) == (Status.QUEUED, "template_approved")
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    assert [s.followup_id for s in engine.sandbox.sent()] == [held.id]


def test_a_follow_up_held_past_its_wait_ends_skipped_at_the_dispatch_tick(
    engine: LocalEngine,
) -> None:
    # Given a follow-up held for its paused template
    held = _held(engine)

    # When ticks run until its wait is over
    engine.clock.advance(engine.deps.timings.template_wait - timedelta(minutes=1))
    engine.tick()
    assert engine.deps.followups.followup(held.id) == held
    engine.clock.advance(timedelta(minutes=2))
    engine.tick()

    # Then it ends skipped, saying why, and nothing was sent
    ended = engine.deps.followups.followup(held.id)
    assert ended is not None
    assert (ended.status, ended.reason) == (
        Status.SKIPPED,
        "template_unusable: template 'apply_reminder' (en) is paused",
    )
    assert engine.sandbox.sent() == []
    assert _counts(engine, "sent", "skipped") == [0, 1]


def _paused_unheard(engine: LocalEngine, *, sibling: bool = False) -> None:
    """The rule's template approved in the synced catalogue, then paused by Meta with its
    webhook lost: only the next send learns it (refused, 132015)."""
    engine.sandbox.templates.add("apply_reminder", "en", BODY)
    if sibling:
        engine.sandbox.templates.add("apply_reminder_v2", "en", BODY)
    assert call(engine, "POST", "/api/templates/sync")[0] == 200
    paused = {"name": "apply_reminder", "language": "en", "status": "PAUSED"}
    engine.sandbox.templates.change(paused)
    body = rule().model_dump(mode="json")
    if sibling:
        body["steps"][0]["template"]["sibling"] = "apply_reminder_v2"
    engine.deps.rules.save_rule(rule(**body))


def _due(engine: LocalEngine, wa_id: str) -> FollowUp:
    """A lead quiet past the rule's silence, and one tick: its follow-up as it left it."""
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    return followup


def test_a_template_whatsapp_refuses_as_paused_holds_this_follow_up_and_the_next_untried(
    engine: LocalEngine,
) -> None:
    # Given a template paused by Meta while the catalogue still holds it approved
    _paused_unheard(engine)

    # When a follow-up's send is refused for it
    first = _due(engine, "6281100000711")

    # Then it waits for its template, saying so and what WhatsApp answered, not failed
    assert (first.status, first.reason, first.error_code) == (
        Status.WAITING_TEMPLATE,
        REASON,
        132015,
    )
    # And the catalogue learnt it: the next lead's follow-up holds without a try
    status, listed = call(engine, "GET", "/api/templates")
    assert status == 200
    [template] = [t for t in listed["templates"] if t["name"] == "apply_reminder"]
    assert template["status"] == "PAUSED"
    engine.clock.advance(timedelta(minutes=1))
    second = _due(engine, "6281100000712")
    assert (second.status, second.reason) == (Status.WAITING_TEMPLATE, REASON)
    assert [r.error_code for r in engine.sandbox.requests] == [132015]
    assert _counts(engine, "sent", "failed", "skipped") == [0, 0, 0]

    # When Meta approves it again, both go at the next tick
    _approve(engine)
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    assert {s.followup_id for s in engine.sandbox.sent()} == {first.id, second.id}


def test_a_step_whose_template_whatsapp_refuses_goes_with_its_sibling_at_once(
    engine: LocalEngine,
) -> None:
    # Given a step with a sibling template, its own paused by Meta unheard
    _paused_unheard(engine, sibling=True)

    # When its follow-up is due
    sent = _due(engine, "6281100000713")

    # Then the refused send is followed, in the same attempt, by the sibling's
    assert sent.status is Status.SENT
    assert sent.rendered is not None
    assert sent.rendered.template_name == "apply_reminder_v2"
    assert [r.error_code for r in engine.sandbox.requests] == [132015, None]


def test_a_template_refused_before_any_sync_fails_its_follow_up_saying_why(
    engine: LocalEngine,
) -> None:
    # Given no catalogue synced (360dialog failing to list it): nothing to hold it on
    engine.sandbox.templates.add("apply_reminder", "en", BODY, status="disabled")
    engine.sandbox.templates.fail_next(status=500, code=131000)
    engine.deps.rules.save_rule(rule())

    # When WhatsApp refuses the template as disabled
    failed = _due(engine, "6281100000714")

    # Then the follow-up fails with WhatsApp's reason, and it is not tried again
    assert failed.status is Status.FAILED
    assert failed.reason is not None
    assert "132016" in failed.reason
    assert "disabled" in failed.reason
    engine.clock.advance(timedelta(hours=1))
    engine.tick()
    assert [r.error_code for r in engine.sandbox.requests] == [132016]


def test_a_stop_heard_while_whatsapp_refused_the_template_sends_no_sibling(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a step whose template Meta paused unheard, with an approved sibling, and a lead
    # who writes STOP while WhatsApp answers the first send
    _paused_unheard(engine, sibling=True)
    lead = quiet_contact(engine.deps, "6281100000715", engine.clock.now() - timedelta(hours=25))
    provider = engine.deps.whatsapp.send
    heard: list[int] = []

    def stop_while_answering(outbound: Any) -> str:
        if not heard:
            stop = envelopes.text_message(
                lead.wa_id or "", "STOP", engine.clock.now(), "wamid.in.1"
            )
            heard.append(engine.deliver(stop))
        return provider(outbound)

    monkeypatch.setattr(engine.deps.whatsapp, "send", stop_while_answering)

    # When its follow-up is due
    engine.tick()

    # Then the sibling is not sent: the lead's stop counts
    assert heard == [200]
    assert [r.error_code for r in engine.sandbox.requests] == [132015]
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.OPTED_OUT
