"""The template catalogue against the sandbox: synced on demand and by the tick, listed by
the API, and changed by each template webhook as it arrives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from followup.adapters.whatsapp_webhook import parse
from followup.domain.followup import Status
from followup.services import webhook
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

BODY = "Halo {{1}}, pendaftaran {{2}} ditutup minggu ini."


def _catalogue(engine: LocalEngine) -> dict[str, Any]:
    status, listed = call(engine, "GET", "/api/templates")
    assert status == 200
    shown: dict[str, Any] = listed
    return shown


def _template(engine: LocalEngine, name: str = "apply_reminder") -> dict[str, Any]:
    found: list[dict[str, Any]] = _catalogue(engine)["templates"]
    [template] = [t for t in found if t["name"] == name]
    return template


def _synced(engine: LocalEngine) -> None:
    engine.sandbox.templates.add("apply_reminder", "id", BODY)
    engine.sandbox.templates.add(
        "payment_receipt", "id", "Terima kasih {{1}}.", category="UTILITY", quality="GREEN"
    )
    status, _ = call(engine, "POST", "/api/templates/sync")
    assert status == 200


def _change(engine: LocalEngine, **change: Any) -> dict[str, Any]:
    """Change the template in the sandbox; deliver the webhook it answers with."""
    request = {"name": "apply_reminder", "language": "id", **change}
    answer = engine.sandbox.templates.change(request)
    assert engine.deliver(answer) == 200
    return answer


def test_a_sync_on_demand_lists_the_sandbox_catalogue(engine: LocalEngine) -> None:
    # Given two templates in 360dialog's catalogue, none known yet
    assert _catalogue(engine)["templates"] == []

    # When an admin syncs
    _synced(engine)

    # Then both are listed with their category, status, body and placeholders
    listed = _catalogue(engine)
    assert listed["synced_at"] == "2026-11-24T02:00:00Z"
    shown = {
        (t["name"], t["category"], t["status"], t["placeholders"]) for t in listed["templates"]
    }
    assert shown == {
        ("apply_reminder", "marketing", "APPROVED", 2),
        ("payment_receipt", "utility", "APPROVED", 1),
    }
    assert _template(engine)["body"] == BODY
    assert _template(engine, "payment_receipt")["quality"] == "GREEN"


def test_the_sync_reads_every_page_through_the_http_client(engine: LocalEngine) -> None:
    # Given more templates than one page holds
    for n in range(1_001):
        engine.sandbox.templates.add(f"t{n:04}", "en", "Hi {{1}}")

    # When synced
    call(engine, "POST", "/api/templates/sync")

    # Then all are listed, the last one from the second page
    assert len(_catalogue(engine)["templates"]) == 1_001
    assert _template(engine, "t1000")["placeholders"] == 1


def test_the_enqueue_tick_syncs_hourly(engine: LocalEngine) -> None:
    # Given a template in the catalogue, and a tick that synced it
    engine.sandbox.templates.add("apply_reminder", "id", BODY)
    first = engine.scheduled("enqueue")
    assert first["templates"] == 1

    # When a template is added and the next ticks run within the hour, then after it
    engine.sandbox.templates.add("winback", "id", "Hai {{1}}")
    engine.clock.advance(timedelta(minutes=30))
    assert "templates" not in engine.scheduled("enqueue")
    assert len(_catalogue(engine)["templates"]) == 1
    engine.clock.advance(timedelta(minutes=31))
    assert engine.scheduled("enqueue")["templates"] == 2

    # Then the catalogue holds both
    assert {t["name"] for t in _catalogue(engine)["templates"]} == {"apply_reminder", "winback"}


def test_a_sync_360dialog_refuses_is_502_and_keeps_the_catalogue(engine: LocalEngine) -> None:
    _synced(engine)
    engine.sandbox.templates.fail_next(status=500, code=131000)
    status, answer = call(engine, "POST", "/api/templates/sync")
    assert (status, answer["error"]["code"]) == (502, "provider")
    assert len(_catalogue(engine)["templates"]) == 2


def test_a_tick_whose_sync_fails_still_enqueues_and_tries_again(engine: LocalEngine) -> None:
    engine.sandbox.templates.add("apply_reminder", "id", BODY)
    engine.sandbox.templates.fail_next(status=503, code=131016)
    report = engine.scheduled("enqueue")
    assert report["templates_sync_failed"] == 1
    assert _catalogue(engine)["templates"] == []
    assert engine.scheduled("enqueue")["templates"] == 1


def test_a_disable_date_the_engine_cannot_read_is_left_unknown_and_the_tick_plans_on(
    engine: LocalEngine,
) -> None:
    # Given a catalogue in which a flagged template's disable date is in milliseconds,
    # beyond the years a date holds, and a lead quiet for a day
    engine.deps.rules.save_rule(rule())
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still thinking?")
    odd = {"disable_date": 1_798_761_600_000}
    engine.sandbox.templates.add("winback", "en", "Hai {{1}}", status="flagged", disable_info=odd)
    lead = quiet_contact(engine.deps, "6281100000777", engine.clock.now() - timedelta(hours=30))
    # When the enqueue tick syncs the catalogue
    report = engine.scheduled("enqueue")
    # Then the template is synced without a disable date, and the tick plans the lead's
    # follow-up (before, the sync failed the tick, and every tick after it)
    assert report["templates"] == 2
    assert _template(engine, "winback")["disable_date"] is None
    assert engine.deps.followups.followups_of(lead.id) != []


def test_each_status_webhook_changes_the_template(engine: LocalEngine) -> None:
    _synced(engine)
    for status in ("PAUSED", "DISABLED", "REJECTED", "APPROVED"):
        _change(engine, status=status, reason="INCORRECT_CATEGORY")
        assert _template(engine)["status"] == status
    assert _template(engine)["reason"] == "INCORRECT_CATEGORY"


def test_a_flagged_template_keeps_its_disable_date_and_raises_the_alarm(
    engine: LocalEngine,
) -> None:
    _synced(engine)
    disable = datetime(2026, 12, 1, 9, tzinfo=UTC)
    answer = _change(engine, status="FLAGGED", disable_date=disable.isoformat())
    assert answer["entry"][0]["changes"][0]["value"]["disable_info"]["disable_date"] == int(
        disable.timestamp()
    )
    flagged = _template(engine)
    assert (flagged["status"], flagged["disable_date"]) == ("FLAGGED", "2026-12-01T09:00:00Z")
    assert _outcome(engine, status="FLAGGED") == {"template_at_risk": 1}


def test_a_red_rating_raises_the_alarm_and_green_does_not(engine: LocalEngine) -> None:
    _synced(engine)
    assert _outcome(engine, quality="YELLOW") == {"template_changed": 1}
    assert _template(engine)["quality"] == "YELLOW"
    assert _outcome(engine, quality="RED") == {"template_at_risk": 1}
    assert _template(engine)["quality"] == "RED"
    assert _outcome(engine, quality="GREEN") == {"template_changed": 1}


def test_only_a_completed_category_change_moves_the_template(engine: LocalEngine) -> None:
    _synced(engine)
    _change(engine, category="UTILITY", impending=True)
    assert _template(engine)["category"] == "marketing"
    _change(engine, category="UTILITY")
    assert _template(engine)["category"] == "utility"


def test_a_pause_delivered_again_after_the_template_came_back_changes_nothing(
    engine: LocalEngine,
) -> None:
    # Given a template Meta paused (its delivery's answer lost, so Meta will deliver it
    # again), then reinstated three hours later
    _synced(engine)
    paused = _change(engine, status="PAUSED", reason="LOW_QUALITY")
    engine.clock.advance(timedelta(hours=3))
    _change(engine, status="REINSTATED")
    assert _template(engine)["status"] == "APPROVED"
    # When Meta's retry of the pause comes, dated when the pause happened
    engine.clock.advance(timedelta(minutes=10))
    now = engine.clock.now()
    applied = webhook.apply(engine.deps, parse(json.dumps(paused).encode(), now), now)
    # Then it is known late, and the template stays approved
    assert dict(applied.outcome) == {"template_late": 1}
    assert _template(engine)["status"] == "APPROVED"


def test_a_webhook_for_a_template_not_yet_synced_changes_nothing(engine: LocalEngine) -> None:
    engine.sandbox.templates.add("apply_reminder", "id", BODY)
    assert _outcome(engine, status="PAUSED") == {"template_unknown": 1}
    assert _catalogue(engine)["templates"] == []


def _outcome(engine: LocalEngine, **change: Any) -> dict[str, int]:
    """What the webhook service counted for this change (as its metrics report)."""
    answer = engine.sandbox.templates.change({"name": "apply_reminder", "language": "id", **change})
    now = engine.clock.now()
    applied = webhook.apply(engine.deps, parse(json.dumps(answer).encode(), now), now)
    return dict(applied.outcome)


def test_the_api_says_when_marketing_templates_fall_back_to_messages(
    engine: LocalEngine,
) -> None:
    # Given a synced marketing template, a rule and a quiet lead, and a business that has
    # not accepted the Marketing Messages API's terms
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still applying?")
    call(engine, "POST", "/api/templates/sync")
    assert call(engine, "POST", "/api/rules", rule().model_dump(mode="json"))[0] == 201
    quiet_contact(engine.deps, "6281100000701", engine.clock.now() - timedelta(hours=30))
    engine.sandbox.templates.marketing_terms_accepted = False
    assert _catalogue(engine)["marketing_api_refused"] is None

    # When the tick sends its follow-up
    engine.tick()

    # Then it went out through /messages and the API says why
    assert [(r.path, r.status) for r in engine.sandbox.requests] == [
        ("/marketing_messages", 400),
        ("/messages", 200),
    ]
    assert "131055" in _catalogue(engine)["marketing_api_refused"]


def test_a_template_moved_out_of_marketing_unheard_still_goes_through_messages(
    engine: LocalEngine,
) -> None:
    # Given a template synced as marketing, then moved to utility by Meta with its
    # webhook lost: the catalogue still routes it to the Marketing Messages API
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still applying?")
    call(engine, "POST", "/api/templates/sync")
    moved = {"name": "apply_reminder", "language": "en", "category": "UTILITY"}
    engine.sandbox.templates.change(moved)
    assert call(engine, "POST", "/api/rules", rule().model_dump(mode="json"))[0] == 201
    lead = quiet_contact(engine.deps, "6281100000702", engine.clock.now() - timedelta(hours=30))

    # When the tick sends its follow-up
    engine.tick()

    # Then the API's refusal (100) sends it through /messages in the same attempt
    assert [(r.path, r.status) for r in engine.sandbox.requests] == [
        ("/marketing_messages", 400),
        ("/messages", 200),
    ]
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
