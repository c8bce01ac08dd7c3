"""Monitoring a two-step journey on the in-memory store: the counts per journey and per
step follow what happened to each contact."""

from __future__ import annotations

from datetime import timedelta

from followup.services.contacts import change_stage
from followup.services.inbound import record_inbound
from followup.services.journey_stats import JourneyStats, journey_stats
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
FUNNEL = {"sent", "delivered", "read", "replied", "converted"}
STEPS = [
    {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
    {"wait": {"amount": 1, "unit": "hours"}, "template": {"name": "b", "language": "en"}},
]


def stats(engine: MemoryEngine) -> JourneyStats:
    today = engine.clock.now().date()
    return journey_stats(engine.deps, "apply-remind-24h", today, today)


def test_a_two_step_journey_counts_entries_exits_and_each_steps_sends(
    engine: MemoryEngine,
) -> None:
    # Given a two-step journey and three leads quiet for a day
    deps = engine.deps
    deps.rules.save_rule(rule(steps=STEPS))
    quiet_at = engine.clock.now() - 25 * HOUR
    ana, budi, _citra = (
        quiet_contact(deps, f"62811000003{n}", quiet_at, name=name)
        for n, name in enumerate(["Ana", "Budi", "Citra"])
    )
    # When the first step goes to all three, Ana's is delivered and read, and Budi replies
    engine.tick()
    [first] = deps.followups.followups_of(ana.id)
    for state in ("delivered", "read"):
        moment = engine.clock.advance(timedelta(minutes=1))
        engine.deliver(
            envelopes.status(
                first.provider_message_id or "", state, moment, ana.wa_id or "", first.id
            )
        )
    record_inbound(deps, budi.wa_id or "", "I'll apply tomorrow", engine.clock.now())
    # Then two wait at the second step, one left it because he replied
    midway = stats(engine)
    assert (midway.entered, midway.active, midway.exited, midway.exited_by) == (
        3,
        2,
        1,
        {"replied": 1},
    )
    assert [(s.index, s.kind, s.active, s.entered) for s in midway.steps] == [
        (0, "send", 0, 3),
        (1, "send", 2, 3),
    ]
    # When the second step goes to Ana and Citra, then Ana replies and applies
    engine.clock.advance(HOUR)
    engine.tick()
    record_inbound(deps, ana.wa_id or "", "yes, book me in", engine.clock.now())
    change_stage(deps, ana.id, "applied", engine.clock.now())
    # Then both completed the journey, and each step shows its own sends
    done = stats(engine)
    assert (done.entered, done.active, done.completed, done.exited) == (3, 0, 2, 1)
    # (Ana's reply answers both her sends: the first was still waiting for one)
    assert (done.sent, done.replied, done.converted, done.errors) == (5, 3, 1, 0)
    # (a reply before any delivered status proves the delivery: it counts delivered too)
    first_step, second_step = done.steps
    assert first_step.model_dump(include=FUNNEL) == {
        "sent": 3,
        "delivered": 2,
        "read": 1,
        "replied": 2,
        "converted": 0,
    }
    assert second_step.model_dump(include=FUNNEL) == {
        "sent": 2,
        "delivered": 1,
        "read": 0,
        "replied": 1,
        "converted": 1,
    }
    assert (first_step.completed, first_step.exited) == (0, 0)
    assert (second_step.completed, second_step.exited_by) == (2, {"replied": 1})


def test_a_journey_edited_midway_shows_the_new_versions_steps_and_the_old_ones_in_use(
    engine: MemoryEngine,
) -> None:
    # Given a lead waiting at the second step of version 1
    deps = engine.deps
    deps.rules.save_rule(rule(steps=STEPS))
    quiet_contact(deps, "6281100000401", engine.clock.now() - 25 * HOUR)
    engine.tick()
    # When marketing adds a wait before the first send: version 2
    wait = {"kind": "wait", "for": {"amount": 2, "unit": "days"}}
    deps.rules.save_rule(rule(steps=[wait, *STEPS]))
    # Then the new version's every step shows, and version 1's where its lead is
    rows = [(s.version, s.index, s.kind, s.active, s.sent) for s in stats(engine).steps]
    assert rows == [
        (1, 0, "send", 0, 1),
        (1, 1, "send", 1, 0),
        (2, 0, "wait", 0, 0),
        (2, 1, "send", 0, 0),
        (2, 2, "send", 0, 0),
    ]
    assert (stats(engine).version, stats(engine).active) == (2, 1)


def test_a_journey_ended_by_a_send_whatsapp_refused_counts_an_error(engine: MemoryEngine) -> None:
    # Given a two-step journey and a lead quiet for a day whose number is not on WhatsApp
    deps = engine.deps
    deps.rules.save_rule(rule(steps=STEPS))
    quiet_contact(deps, "6281100000411", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131026)
    # When the first step is refused as undeliverable
    engine.tick()
    # Then the journey exited on an error, and its first step shows the error
    found = stats(engine)
    assert (found.exited, found.exited_by, found.errors, found.failed) == (1, {"error": 1}, 1, 1)
    first_step = found.steps[0]
    assert (first_step.exited_by, first_step.errors) == ({"error": 1}, 1)


def test_a_send_refused_because_the_lead_stopped_marketing_counts_an_opt_out(
    engine: MemoryEngine,
) -> None:
    # Given a two-step journey and a lead quiet for a day who stopped marketing messages
    deps = engine.deps
    deps.rules.save_rule(rule(steps=STEPS))
    quiet_contact(deps, "6281100000412", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131050)
    # When WhatsApp refuses the first step for that (131050)
    engine.tick()
    # Then the journey exited as an opt-out, not an error, and the rule's figures say so
    found = stats(engine)
    assert (found.exited, found.exited_by, found.errors, found.failed) == (
        1,
        {"opted_out": 1},
        0,
        0,
    )
    today = engine.clock.now().date()
    [row] = [r for r in deps.stats.stats(today, today) if r.rule_id == "apply-remind-24h"]
    assert (row.counts.get("failed", 0), row.counts.get("opted_out_before_send", 0)) == (0, 1)
