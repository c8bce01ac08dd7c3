"""Rule preview and the mass-send guard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.costs import rate_card
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule


def known_contacts(engine: LocalEngine) -> None:
    """Tuesday 09:00 Jakarta: 3 leads quiet past 24 h, 1 crossing within the hour,
    1 within the day, 1 hot (left to the counsellor), 1 in another stage."""
    now = engine.clock.now()
    for n, hours in enumerate((30, 26, 25)):
        quiet_contact(engine.deps, f"6281100001{n:03d}", now - timedelta(hours=hours))
    quiet_contact(engine.deps, "6281100001100", now - timedelta(hours=23, minutes=30))
    quiet_contact(engine.deps, "6281100001101", now - timedelta(hours=10))
    quiet_contact(engine.deps, "6281100001102", now - timedelta(hours=30), score="hot")
    quiet_contact(engine.deps, "6281100001103", now - timedelta(hours=30), stage="paid")


def body(**overrides: Any) -> dict[str, Any]:
    return rule(**overrides).model_dump(mode="json")


def test_preview_names_who_and_when_given_the_send_policy(engine: LocalEngine) -> None:
    known_contacts(engine)
    status, answer = call(engine, "POST", "/api/rules/preview", body(), role="counselor")
    assert status == 200
    assert (answer["now"], answer["next_hour"], answer["next_day"]) == (3, 1, 2)
    # Tuesday 09:00 in Jakarta is inside office hours: all three would go now
    assert {p["send_at"] for p in answer["planned"]} == {engine.clock.now().isoformat()}
    assert engine.deps.followups.followups_of(answer["planned"][0]["contact_id"]) == []
    # And what it would cost: three Indonesian marketing messages
    rate = rate_card().rate("indonesia", "marketing")
    assert answer["estimated_cost_usd"] == pytest.approx(3 * rate)
    assert answer["cost_by_market"] == [
        {"market": "indonesia", "contacts": 3, "cost_usd": pytest.approx(3 * rate)}
    ]


def test_preview_after_hours_plans_the_next_opening(engine: LocalEngine) -> None:
    engine.clock.advance(timedelta(hours=10))  # 19:00 Jakarta
    quiet_contact(engine.deps, "6281100001200", engine.clock.now() - timedelta(hours=30))
    _, answer = call(engine, "POST", "/api/rules/preview", body())
    [planned] = answer["planned"]
    assert planned["send_at"] == (engine.clock.now() + timedelta(hours=13)).isoformat()


def test_activating_a_mass_send_needs_confirmation(engine: LocalEngine) -> None:
    known_contacts(engine)
    _, settings = call(engine, "GET", "/api/settings")
    call(engine, "PUT", "/api/settings", settings | {"mass_send_limit": 2})
    call(engine, "POST", "/api/rules", body(active=False))
    status, answer = call(engine, "POST", "/api/rules/apply-remind-24h/activate", role="marketing")
    assert (status, answer["error"]["code"]) == (409, "mass_send")
    assert "3 contacts" in answer["error"]["message"]
    [details] = answer["error"]["details"]
    assert [details[k] for k in ("count", "limit", "complete", "day")] == [3, 2, True, None]
    _, saved = call(engine, "POST", "/api/rules/apply-remind-24h/preview")
    assert saved["now"] == 3
    status, answer = call(engine, "POST", "/api/rules/apply-remind-24h/activate?confirm=true")
    assert (status, answer["active"]) == (200, True)


def test_activating_a_date_rule_says_its_busiest_day_in_the_details(engine: LocalEngine) -> None:
    # Given three students starting class on 10 Dec, and a limit of two
    for n in range(3):
        attributes = {"class_start": "2026-12-10"}
        call(
            engine,
            "POST",
            "/api/contacts",
            {"wa_id": f"6281100001{n:03d}", "attributes": attributes},
        )
    _, settings = call(engine, "GET", "/api/settings")
    call(engine, "PUT", "/api/settings", settings | {"mass_send_limit": 2})
    trigger = {"kind": "date", "attribute": "class_start", "at": "09:00"}
    call(engine, "POST", "/api/rules", body(trigger=trigger, exit={}, active=False))
    # When marketing turns it on, the refusal gives the app what to say in its language
    status, answer = call(engine, "POST", "/api/rules/apply-remind-24h/activate", role="marketing")
    assert (status, answer["error"]["code"]) == (409, "mass_send")
    [details] = answer["error"]["details"]
    assert details | {"message": ""} == {
        "field": "trigger",
        "message": "",
        "code": "mass_send",
        "count": 3,
        "limit": 2,
        "complete": True,
        "day": "2026-12-10",
        "attribute": "class_start",
    }
    assert details["message"] == answer["error"]["message"]
    assert not call(engine, "GET", "/api/rules/apply-remind-24h")[1]["active"]


def test_saving_an_active_rule_is_an_activation_too(engine: LocalEngine) -> None:
    known_contacts(engine)
    _, settings = call(engine, "GET", "/api/settings")
    call(engine, "PUT", "/api/settings", settings | {"mass_send_limit": 2})
    status, answer = call(engine, "POST", "/api/rules", body())
    assert (status, answer["error"]["code"]) == (409, "mass_send")
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []
    assert call(engine, "POST", "/api/rules?confirm=true", body())[0] == 201
    assert call(engine, "PUT", "/api/rules/apply-remind-24h", body(name="edited"))[0] == 409
    assert (
        call(engine, "PUT", "/api/rules/apply-remind-24h?confirm=true", body(name="edited"))[0]
        == 200
    )


def test_preview_plans_only_the_leads_the_tick_would_message(engine: LocalEngine) -> None:
    # Given a rule for any stage that exits at `paid`, and two quiet leads, one of them paid
    any_stage = body(trigger={"stages": [], "idle": {"amount": 24, "unit": "hours"}})
    now = engine.clock.now()
    new = quiet_contact(engine.deps, "6281100001300", now - timedelta(hours=30))
    paid = quiet_contact(engine.deps, "6281100001301", now - timedelta(hours=30), stage="paid")

    # When it is previewed, then switched on for one tick
    _, answer = call(engine, "POST", "/api/rules/preview", any_stage)
    call(engine, "POST", "/api/rules?confirm=true", any_stage)
    engine.tick()

    # Then the preview names the lead who got a message, and not the one the rule exits
    assert [p["contact_id"] for p in answer["planned"]] == [new.id]
    assert [f.status for f in engine.deps.followups.followups_of(new.id)] == ["sent"]
    assert engine.deps.followups.followups_of(paid.id) == []


def test_preview_says_who_is_left_out_and_why(engine: LocalEngine) -> None:
    # Given two quiet leads, one of them hot
    now = engine.clock.now()
    quiet_contact(engine.deps, "6281100001300", now - timedelta(hours=30), name="Sari")
    hot = quiet_contact(
        engine.deps, "6281100001301", now - timedelta(hours=30), name="Hana", score="hot"
    )
    # When the rule is previewed over the API
    _, answer = call(engine, "POST", "/api/rules/preview", body(), role="counselor")
    # Then the hot lead is not promised, and is named with why
    assert [p["name"] for p in answer["planned"]] == ["Sari"]
    assert answer["skipped"] == {"hot_contact": 1}
    assert answer["excluded"] == [{"contact_id": hot.id, "name": "Hana", "reason": "hot_contact"}]


def test_an_edit_of_a_running_rule_counts_no_lead_it_messaged_in_this_silence(
    engine: LocalEngine,
) -> None:
    # Given a running reminder that sent its message to three new leads in this silence
    now = engine.clock.now()
    for n in range(3):
        quiet_contact(engine.deps, f"6281100001{n:03d}", now - timedelta(hours=30))
    assert call(engine, "POST", "/api/rules?confirm=true", body())[0] == 201
    engine.tick()
    # And two qualified leads quiet as long, and a mass-send limit of two
    for n in range(2):
        quiet_contact(
            engine.deps, f"6281100001{n + 10:03d}", now - timedelta(hours=30), stage="qualified"
        )
    _, settings = call(engine, "GET", "/api/settings")
    call(engine, "PUT", "/api/settings", settings | {"mass_send_limit": 2})
    # When the running rule is previewed, and an edit widening it to qualified leads too
    _, running = call(engine, "POST", "/api/rules/apply-remind-24h/preview")
    day = {"amount": 24, "unit": "hours"}
    widened = body(trigger={"stages": ["new", "qualified"], "idle": day})
    _, edited = call(engine, "POST", "/api/rules/preview", widened)
    # Then neither counts the three leads messaged in this silence: the rule plays it once
    assert (running["now"], running["skipped"]) == (0, {"silence_played": 3})
    assert (edited["now"], edited["skipped"]) == (2, {"silence_played": 3})
    # And saving the edit asks no mass-send confirmation, and the tick enrolls those two
    assert call(engine, "PUT", "/api/rules/apply-remind-24h", widened)[0] == 200
    assert engine.tick()["enqueue"]["enrolled"] == 2
