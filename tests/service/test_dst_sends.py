"""Whole send paths across daylight-saving changes and a lead's change of time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from followup.services import rules
from followup.services.contacts import update_contact, upsert
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
NEW_YORK = ZoneInfo("America/New_York")
TEMPLATE = {"name": "apply_reminder", "language": "en"}


def sent_on_the_wall_clock(engine: MemoryEngine, zone: ZoneInfo) -> list[str]:
    return [
        request.received_at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %z")
        for request in engine.sandbox.sent()
    ]


def test_a_lead_who_moves_zone_after_planning_gets_the_send_in_the_new_zones_hours(
    engine: MemoryEngine,
) -> None:
    # Given a Lisbon lead queued for 08:00 Lisbon on a Tuesday
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(
        engine.deps, "351910000002", engine.clock.now() - 25 * HOUR, timezone="Europe/Lisbon"
    )
    engine.tick()
    assert engine.sandbox.sent() == []
    # When the lead's zone becomes New York before it goes
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.patched({"timezone": "America/New_York"}),
        engine.clock.now(),
    )
    engine.ticks(12, every=HOUR)
    # Then nothing goes at 08:00 Lisbon (03:00 in New York), one send at 08:00 New York
    assert sent_on_the_wall_clock(engine, NEW_YORK) == ["Tue 2026-11-24 08:00 -0500"]


def test_a_day_apart_across_the_fall_back_night_is_one_send_each_day_at_the_same_wall_time() -> (
    None
):
    # Saturday 31 Oct 2026, 09:00 in New York; clocks go back at 02:00 on Sunday
    with memory_engine(datetime(2026, 10, 31, 13, 0, tzinfo=UTC)) as engine:
        window = {
            "hours": {day: [{"start": "09:00", "end": "17:00"}] for day in ("sat", "sun", "mon")},
            "blackout_days": [],
        }
        steps = [
            {"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE},
            {"wait": {"amount": 1, "unit": "days"}, "template": TEMPLATE},
        ]
        engine.deps.rules.save_rule(rule(steps=steps, send_window=window))
        quiet_contact(
            engine.deps, "12125550100", engine.clock.now() - 25 * HOUR, timezone="America/New_York"
        )
        for _ in range(48):
            engine.tick()
            engine.clock.advance(HOUR)
        assert sent_on_the_wall_clock(engine, NEW_YORK) == [
            "Sat 2026-10-31 09:00 -0400",
            "Sun 2026-11-01 09:00 -0500",
        ]


def test_a_day_before_a_date_whose_midnight_is_skipped_goes_at_that_days_midnight() -> None:
    # Santiago skips midnight on 6 Sep 2026 (00:00 -04 becomes 01:00 -03)
    santiago = ZoneInfo("America/Santiago")
    with memory_engine(datetime(2026, 8, 30, 2, 0, tzinfo=UTC)) as engine:
        trigger = {
            "kind": "date",
            "attribute": "deadline",
            "offset": {"amount": 1, "unit": "days"},
            "before": True,
        }
        rules.create(engine.deps, rule("deadline-eve", trigger=trigger, exit={}, send_anytime=True))
        upsert(
            engine.deps,
            "56912345678",
            {
                "name": "Ana",
                "timezone": "America/Santiago",
                "attributes": {"deadline": "2026-09-06"},
            },
        )
        engine.ticks_until(datetime(2026, 9, 7, tzinfo=UTC), every=HOUR)
        assert sent_on_the_wall_clock(engine, santiago) == ["Sat 2026-09-05 00:00 -0400"]
