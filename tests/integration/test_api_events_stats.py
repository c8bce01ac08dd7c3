"""/api/events and /api/stats through the handler."""

from __future__ import annotations

from datetime import timedelta

from followup.adapters.tables import StatsItem
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.events import load


def test_a_stage_change_after_a_follow_up_counts_as_a_conversion(engine: LocalEngine) -> None:
    # Given a lead who got a follow-up
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000811", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    # When the CRM reports that they applied, by wa_id
    status, moved = call(
        engine,
        "POST",
        "/api/events",
        {"type": "stage_changed", "contact": lead.wa_id, "stage": "applied"},
        role="marketing",
    )
    assert (status, moved["stage"]) == (200, "applied")
    # Then the rule's stats show one sent and one conversion, too few sends to flag
    status, stats = call(engine, "GET", "/api/stats", role="counselor")
    assert status == 200
    row = next(r for r in stats["rules"] if r["rule_id"] == "apply-remind-24h")
    assert (row["sent"], row["converted"]) == (1, 1)
    assert (row["flags"], row["sample_too_small"]) == ([], True)


def test_stats_by_day_and_period_checks(engine: LocalEngine) -> None:
    today = engine.clock.now().date().isoformat()
    status, stats = call(engine, "GET", f"/api/stats?from={today}&to={today}")
    assert (status, stats["from"], stats["to"]) == (200, today, today)
    status, answer = call(engine, "GET", "/api/stats?from=2026-12-01&to=2026-11-01")
    assert (status, answer["error"]["details"][0]["field"]) == (422, "from")
    assert call(engine, "GET", "/api/stats?from=yesterday")[0] == 422


def test_costs_are_shown_as_counted_to_the_micro_dollar(engine: LocalEngine) -> None:
    # Given a rule that spent $0.10 on WhatsApp and $0.20 on AI writing, with 3 replies,
    # and $1.00 with 3 conversions (as the stats function counts them, in micro-dollars)
    engine.deps.rules.save_rule(rule())
    StatsItem(
        "apply-remind-24h",
        "2026-11-24",
        sent=3,
        responded=3,
        converted=3,
        ai_messages=3,
        messaging_cost_micro_usd=100_000,
        ai_cost_micro_usd=200_000,
    ).save()
    # When anyone reads the day's stats
    status, stats = call(engine, "GET", "/api/stats?from=2026-11-24&to=2026-11-24")
    assert status == 200
    # Then $0.10 and $0.20 make $0.30, $0.10 a reply, with no float's noise
    [shown] = stats["rules"]
    assert (shown["messaging_cost_usd"], shown["ai_cost_usd"]) == (0.1, 0.2)
    assert (shown["cost_usd"], shown["cost_per_reply"]) == (0.3, 0.1)
    assert (stats["total"]["cost_usd"], stats["days"][0]["cost_usd"]) == (0.3, 0.3)
    # And a cost per conversion that does not divide evenly is rounded to the micro-dollar
    StatsItem("apply-remind-24h", "2026-11-25", converted=3, ai_cost_micro_usd=100_000).save()
    status, stats = call(engine, "GET", "/api/stats?from=2026-11-25&to=2026-11-25")
    assert stats["rules"][0]["cost_per_conversion"] == 0.033333


def test_events_name_their_problems(engine: LocalEngine) -> None:
    assert (
        call(
            engine,
            "POST",
            "/api/events",
            {"type": "stage_changed", "contact": "nobody", "stage": "paid"},
        )[0]
        == 404
    )
    quiet_contact(engine.deps, "6281100000812", engine.clock.now())
    status, answer = call(
        engine,
        "POST",
        "/api/events",
        {"type": "stage_changed", "contact": "6281100000812", "stage": "alumni"},
    )
    assert (status, answer["error"]["details"][0]["field"]) == (422, "stage")
    assert call(engine, "POST", "/api/events", {"type": "teleported", "contact": "x"})[0] == 422
    assert (
        call(
            engine,
            "POST",
            "/api/events",
            {"type": "stage_changed", "contact": "6281100000812", "stage": "paid"},
            role="counselor",
        )[0]
        == 403
    )


def test_an_events_fields_are_named_as_the_caller_wrote_them(engine: LocalEngine) -> None:
    # Given events missing a field, with a wrong value, with no type or an unknown one
    bodies = [
        {"type": "custom", "contact": "6281100000812"},
        {"type": "custom", "contact": "6281100000812", "name": "   "},
        {"type": "message_sent", "contact": "x", "text": "hi", "speaker": "robot"},
        {"contact": "6281100000812"},
        {"type": "teleported", "contact": "6281100000812"},
    ]
    # When each is sent
    answers = [call(engine, "POST", "/api/events", body) for body in bodies]
    # Then each refusal names the field as the body has it, without the event's type
    fields = [
        (status, [d["field"] for d in answer["error"]["details"]]) for status, answer in answers
    ]
    assert fields == [
        (422, ["name"]),
        (422, ["name"]),
        (422, ["speaker"]),
        (422, ["type"]),
        (422, ["type"]),
    ]


def test_an_email_body_refused_is_named_with_its_body(engine: LocalEngine) -> None:
    # Given a rule whose email step's body is of the wrong type
    step = {"wait": {"amount": 0, "unit": "minutes"}, "channel": "email"}
    step["email"] = {"subject": "Your seat", "body": ["not", "text"]}
    body = {"id": "mail", "name": "Mail", "trigger": {"idle": {"amount": 1, "unit": "hours"}}}
    # When it is saved
    status, answer = call(engine, "POST", "/api/rules", {**body, "steps": [step]})
    # Then the refusal names the body of the email, not the email
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["steps.0.email.body"]


def test_an_events_numbers_are_kept_as_text_and_a_number_as_typed_finds_its_lead(
    engine: LocalEngine,
) -> None:
    # Given a lead, and a system that sends its number and amounts as JSON numbers
    quiet_contact(engine.deps, "6281100000813", engine.clock.now())
    stage = {"type": "stage_changed", "contact": 6281100000813, "stage": "paid"}
    paid = {
        "type": "custom",
        "contact": 6281100000813,
        "name": "payment_received",
        "properties": {"amount": 1500, "installment": 2},
        "id": 981,
    }
    # When it tells of the stage change and the payment
    changed_status, changed = call(engine, "POST", "/api/events", stage)
    paid_status, _ = call(engine, "POST", "/api/events", paid)
    # Then both are taken, the lead found by its number
    assert (changed_status, changed["stage"]) == (200, "paid")
    assert paid_status == 200
    # And a number as a person types it finds the lead too
    typed = {"type": "stage_changed", "contact": "+62 811-0000-0813", "stage": "enrolled"}
    typed_status, moved = call(engine, "POST", "/api/events", typed)
    assert (typed_status, moved["stage"]) == (200, "enrolled")
    # And a yes or no is no number: refused, naming the property
    paid["properties"] = {"refunded": False}
    status, answer = call(engine, "POST", "/api/events", paid)
    assert (status, answer["error"]["details"][0]["field"]) == (422, "properties.refunded")


def test_an_agent_message_changes_who_spoke_last(engine: LocalEngine) -> None:
    lead = quiet_contact(engine.deps, "6281100000813", engine.clock.now() - timedelta(hours=2))
    status, _ = call(
        engine,
        "POST",
        "/api/events",
        {
            "type": "message_sent",
            "contact": lead.id,
            "speaker": "agent",
            "text": "I'll call you at 10",
        },
    )
    assert status == 200
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert found.item.last_speaker == "agent"
    assert found.item.last_agent_at == engine.clock.now()


def test_the_same_events_arrive_from_an_eventbridge_bus(engine: LocalEngine) -> None:
    lead = quiet_contact(engine.deps, "6281100000501", engine.clock.now() - timedelta(hours=2))
    answer = engine.invoke("bus_events", load("eventbridge-stage-changed.json"))
    assert answer == {"applied": True, "contact_id": lead.id}
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert found.item.stage == "paid"
    unknown = load("eventbridge-stage-changed.json") | {
        "detail": {"contact": "nobody", "stage": "paid"}
    }
    assert engine.invoke("bus_events", unknown)["applied"] is False


def test_a_journeys_stats_show_each_step_and_who_is_in_it_now(engine: LocalEngine) -> None:
    # Given a two-step journey whose first step went to a lead, who now waits for the second
    deps = engine.deps
    second = {"wait": {"amount": 1, "unit": "days"}, "template": {"name": "b", "language": "en"}}
    deps.rules.save_rule(rule(steps=[*rule().model_dump(mode="json")["steps"], second]))
    lead = quiet_contact(deps, "6281100000813", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    call(
        engine,
        "POST",
        "/api/events",
        {"type": "stage_changed", "contact": lead.wa_id, "stage": "applied"},
    )
    # When a reader asks for the journey's stats
    status, stats = call(engine, "GET", "/api/rules/apply-remind-24h/stats", role="counselor")
    # Then the journey and each step show what happened, and the totals keep their place
    assert status == 200
    today = engine.clock.now().date()
    assert (stats["from"], stats["to"]) == (
        (today - timedelta(days=6)).isoformat(),
        today.isoformat(),
    )
    assert (stats["rule_id"], stats["version"], stats["entered"], stats["active"]) == (
        "apply-remind-24h",
        1,
        1,
        0,
    )
    assert (stats["exited"], stats["exited_by"]) == (1, {"exit": 1})
    rows = [
        (s["index"], s["kind"], s["entered"], s["sent"], s["converted"]) for s in stats["steps"]
    ]
    assert rows == [(0, "send", 1, 1, 1), (1, "send", 1, 0, 0)]
    assert stats["steps"][1]["exited_by"] == {"exit": 1}
    totals = call(engine, "GET", "/api/stats")[1]
    assert next(r for r in totals["rules"] if r["rule_id"] == "apply-remind-24h")["entered"] == 1


def test_a_journey_no_channel_could_carry_shows_its_leads_unreachable(engine: LocalEngine) -> None:
    # Given an email step and a lead with no email address: no channel can reach them
    engine.deps.rules.save_rule(rule(steps=[channel_step("email")]))
    quiet_contact(engine.deps, "6281100000814", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    # When a reader asks for the journey's stats and every rule's
    _, journey = call(engine, "GET", "/api/rules/apply-remind-24h/stats", role="counselor")
    _, totals = call(engine, "GET", "/api/stats", role="counselor")
    # Then the lead's exit counts as unreachable, not as another exit
    assert (journey["exited"], journey["exited_by"]) == (1, {"unreachable": 1})
    assert journey["steps"][0]["exited_by"] == {"unreachable": 1}
    row = next(r for r in totals["rules"] if r["rule_id"] == "apply-remind-24h")
    [day] = [d for d in totals["days"] if d["rule_id"] == "apply-remind-24h"]
    for counted in (row, day, totals["total"]):
        assert (counted["exited"], counted["exited_unreachable"]) == (1, 1)
        assert "exited_other" not in counted


def test_a_journeys_stats_name_their_problems(engine: LocalEngine) -> None:
    assert call(engine, "GET", "/api/rules/nobody/stats")[0] == 404
    engine.deps.rules.save_rule(rule())
    status, answer = call(
        engine, "GET", "/api/rules/apply-remind-24h/stats?from=2026-12-01&to=2026-11-01"
    )
    assert (status, answer["error"]["details"][0]["field"]) == (422, "from")


def test_a_bus_event_whose_detail_is_no_object_is_dropped_not_retried(engine: LocalEngine) -> None:
    for detail in (["6281100000501", "paid"], "paid", 7):
        sent = load("eventbridge-stage-changed.json") | {"detail": detail}
        answer = engine.invoke("bus_events", sent)
        assert answer["applied"] is False
        assert "detail" in answer["reason"]
