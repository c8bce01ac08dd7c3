"""/api/stats as the Stats page reads it: the KPIs now, every rule by name, review flags
only after a minimum sample; and a journey's opt-outs per step."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule


def test_the_stats_lead_with_the_queue_now_and_the_send_success_rate(engine: LocalEngine) -> None:
    # Given two follow-ups planned and not yet handed to the sender
    deps = engine.deps
    deps.rules.save_rule(rule())
    for n in range(2):
        quiet_contact(deps, f"628110000090{n}", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    # When staff open the stats
    status, stats = call(engine, "GET", "/api/stats", role="counselor")
    # Then both are in the queue now, and nothing was sent yet
    assert status == 200
    assert (stats["queue_now"], stats["sends"]["sent"]) == (2, 0)
    assert stats["sends"]["success_rate"] is None
    # When the tick sends them, the queue empties and every send went out
    engine.tick()
    stats = call(engine, "GET", "/api/stats")[1]
    assert stats["queue_now"] == 0
    assert (stats["sends"]["sent"], stats["sends"]["failed"]) == (2, 0)
    assert stats["sends"]["success_rate"] == 1.0


def test_every_rule_is_listed_by_name_even_without_a_send(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule("quiet-rule", name="Quiet rule"))
    status, stats = call(engine, "GET", "/api/stats")
    assert status == 200
    row = next(r for r in stats["rules"] if r["rule_id"] == "quiet-rule")
    assert (row["name"], row["sent"], row["responded"], row["flags"]) == ("Quiet rule", 0, 0, [])
    assert stats["sends"]["success_rate"] is None
    # and a rule that sent nothing has no rate, not a rate of 0 %
    for shown in (row, stats["total"]):
        assert (shown["response_rate"], shown["opt_out_rate"]) == (None, None)
        assert (shown["cost_per_reply"], shown["cost_per_conversion"]) == (None, None)


def test_a_low_response_is_flagged_only_after_the_minimum_sample(engine: LocalEngine) -> None:
    # Given a rule that sent to three leads, none of whom replied
    deps = engine.deps
    deps.rules.save_rule(rule())
    for n in range(3):
        quiet_contact(deps, f"628110000091{n}", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    # Then three sends are too few to judge: no flag, and the row says why
    [row] = call(engine, "GET", "/api/stats")[1]["rules"]
    assert (row["sent"], row["flags"], row["sample_too_small"]) == (3, [], True)
    # When the workspace judges from three sends on
    settings = call(engine, "GET", "/api/settings")[1]
    settings["review"]["min_response_sample"] = 3
    assert call(engine, "PUT", "/api/settings", settings)[0] == 200
    # Then the rule is flagged
    stats = call(engine, "GET", "/api/stats")[1]
    [row] = stats["rules"]
    assert (row["flags"], row["sample_too_small"]) == (["low_response"], False)
    assert stats["review"]["min_response_sample"] == 3


def test_a_period_longer_than_a_year_is_refused_with_its_reason(engine: LocalEngine) -> None:
    status, answer = call(engine, "GET", "/api/stats?from=2025-01-01&to=2026-11-30")
    assert status == 422
    assert answer["error"]["details"][0]["field"] == "from"
    assert "366" in answer["error"]["details"][0]["message"]
    assert call(engine, "GET", "/api/stats?from=2025-12-01&to=2026-11-30")[0] == 200


def test_a_journeys_steps_count_their_opt_outs(engine: LocalEngine) -> None:
    # Given a lead who got the first step and answered STOP
    deps = engine.deps
    deps.rules.save_rule(rule())
    quiet_contact(deps, "6281100000920", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    engine.deliver(
        envelopes.text_message("6281100000920", "STOP", engine.clock.now(), "wamid.stop.9")
    )
    # When staff read the journey's stats
    status, stats = call(engine, "GET", "/api/rules/apply-remind-24h/stats")
    # Then the step and the journey show the opt-out next to the send
    assert status == 200
    assert (stats["steps"][0]["sent"], stats["steps"][0]["opted_out"]) == (1, 1)
    assert stats["opted_out"] == 1


def test_a_reply_counts_on_the_day_of_the_send_it_answers_so_a_day_s_rate_stays_within_100(
    engine: LocalEngine,
) -> None:
    # Given a lead sent a follow-up on one day, and another on the next
    deps = engine.deps
    deps.rules.save_rule(rule())
    first_day = engine.clock.now().date()
    quiet_contact(deps, "6281100000931", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    engine.clock.advance(timedelta(days=1))
    second_day = engine.clock.now().date()
    quiet_contact(deps, "6281100000932", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    # When both answer on the second day
    for n, wa_id in enumerate(("6281100000931", "6281100000932")):
        reply = envelopes.text_message(wa_id, "yes", engine.clock.now(), f"wamid.cohort.{n}")
        assert engine.deliver(reply) == 200
    engine.tick()

    # Then each day's stats answer that day's send: one sent, one reply, 100 %
    def day_row(day: date) -> dict[str, Any]:
        query = f"/api/stats?from={day.isoformat()}&to={day.isoformat()}"
        _, stats = call(engine, "GET", query)
        return next(r for r in stats["rules"] if r["rule_id"] == "apply-remind-24h")

    for day in (first_day, second_day):
        row = day_row(day)
        assert (row["sent"], row["responded"], row["response_rate"]) == (1, 1, 1.0)


def test_a_deleted_rule_s_sends_still_count_and_its_row_says_it_was_deleted(
    engine: LocalEngine,
) -> None:
    # Given a rule that sent a follow-up, then was deleted
    deps = engine.deps
    deps.rules.save_rule(rule())
    quiet_contact(deps, "6281100000941", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    assert call(engine, "DELETE", "/api/rules/apply-remind-24h")[0] == 200
    # When staff read the stats and the queue
    _, stats = call(engine, "GET", "/api/stats")
    _, queue = call(engine, "GET", "/api/queue")
    # Then the workspace still counts its send and cost, in a row named as it was
    row = next(r for r in stats["rules"] if r["rule_id"] == "apply-remind-24h")
    assert (row["name"], row["deleted"], row["sent"]) == ("apply remind 24h", True, 1)
    assert stats["sends"]["sent"] == 1
    assert stats["total"]["sent"] == 1
    # And the queue's status counts cover its row
    assert [f["status"] for f in queue["followups"]] == ["sent"]
    assert queue["counts"]["sent"] == 1
