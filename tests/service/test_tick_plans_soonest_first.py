"""A contact holds one queued follow-up at a time: within one enqueue tick, the step due
soonest takes it, whether the due index or the newly quiet scan found it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followup.services import rules
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, quiet_contact, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
LEAD = "6281100000777"


def sent(engine: MemoryEngine, contact_id: str) -> list[tuple[str, datetime]]:
    """(rule, local send time) of each follow-up sent to the contact, in send order."""
    found = engine.deps.followups.followups_of(contact_id)
    went = sorted((f.sent_at, f.rule_id) for f in found if f.sent_at is not None)
    return [(rule_id, at.astimezone(JAKARTA).replace(tzinfo=None)) for at, rule_id in went]


def hourly(engine: MemoryEngine, ticks: int) -> None:
    """Hourly ticks (the deployed default), the send queue running between them."""
    for _ in range(ticks):
        engine.tick()
        engine.run_until(engine.clock.now() + timedelta(hours=1))


def test_an_idle_step_crossing_now_is_not_kept_out_by_a_date_reminder_due_later(
    engine: MemoryEngine,
) -> None:
    # Given (Tuesday 09:00 Jakarta, hourly ticks, send window open) a lead quiet in `new`
    # whose 24 h silence crosses at 09:05, renewing next Tuesday
    start = engine.clock.now()
    lead = quiet_contact(
        engine.deps,
        LEAD,
        start - timedelta(hours=24) + timedelta(minutes=5),
        attributes={"renewal_date": "2026-12-01"},
    )
    # And the 24 h idle reminder, and a renewal reminder a week before at 09:50
    engine.deps.rules.save_rule(rule("new-idle-24h"))
    rules.create(engine.deps, rule("renewal-reminder", trigger=before_renewal(7, "09:50"), exit={}))
    # When the hourly ticks run for two hours
    hourly(engine, 2)
    # Then the idle reminder went when due (09:05), not an hour late behind the renewal
    # reminder; the renewal reminder waited for it and went at the first tick after (10:00)
    assert sent(engine, lead.id) == [
        ("new-idle-24h", datetime(2026, 11, 24, 9, 5)),
        ("renewal-reminder", datetime(2026, 11, 24, 10, 0)),
    ]


def test_of_two_idle_rules_crossing_in_one_tick_the_sooner_goes_first(
    engine: MemoryEngine,
) -> None:
    # Given (Tuesday 09:00 Jakarta, hourly ticks, send window open) a lead quiet in `new`
    # since Monday 09:05
    start = engine.clock.now()
    lead = quiet_contact(engine.deps, LEAD, start - timedelta(hours=24) + timedelta(minutes=5))
    # And two idle rules on `new`: 24 h (crosses 09:05) and 24 h 40 min (crosses 09:45),
    # the later one's id sorting first
    idle_24h40 = {"stages": ["new"], "idle": {"amount": 24 * 60 + 40, "unit": "minutes"}}
    engine.deps.rules.save_rule(rule("a-idle-24h40m", trigger=idle_24h40))
    engine.deps.rules.save_rule(rule("b-idle-24h"))
    # When the hourly ticks run for two hours
    hourly(engine, 2)
    # Then the 24 h step went when due, at 09:05, not an hour late behind the other; the
    # other waited for it and went at the first tick after (10:00)
    assert sent(engine, lead.id) == [
        ("b-idle-24h", datetime(2026, 11, 24, 9, 5)),
        ("a-idle-24h40m", datetime(2026, 11, 24, 10, 0)),
    ]
