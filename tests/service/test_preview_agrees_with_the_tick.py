"""The preview promises what the ticks do: the frequency cap judged when the message would
go, and a journey's first send timed past the waits before it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followup.services.contacts import update_contact
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.limits import admit

HOUR, DAY, MINUTE = timedelta(hours=1), timedelta(days=1), timedelta(minutes=1)
JAKARTA, NEW_YORK = ZoneInfo("Asia/Jakarta"), ZoneInfo("America/New_York")


def sent_to(engine: MemoryEngine) -> list[str]:
    return [str((r.body or {}).get("to")) for r in engine.sandbox.sent()]


def test_preview_skips_for_frequency_cap_a_lead_the_tick_sends_to_once_the_window_opens(
    engine: MemoryEngine,
) -> None:
    # Given a lead in New York (Monday 21:00 there; the send window opens at 08:00, 11 h
    # from now), quiet for 30 h, who got two follow-ups 16 and 17 hours ago: the cap
    # (2 per 24 h) is full now, free again by the time the window opens
    deps, now = engine.deps, engine.clock.now()
    lead = quiet_contact(
        deps, "6281100009001", now - 30 * HOUR, name="ny", timezone="America/New_York"
    )
    sends = [now - 17 * HOUR, now - 16 * HOUR]
    update_contact(
        deps,
        lead.id,
        lambda c: c.model_copy(update={"recent_sends": sends, "followups_sent": 2}),
        now,
    )
    reminder = rule()
    deps.rules.save_rule(reminder)
    # When the rule is previewed
    seen = preview(deps, reminder)
    # And the ticks run until the lead's window opens
    engine.tick()
    opening = datetime(2026, 11, 24, 8, 0, tzinfo=NEW_YORK)
    engine.run_until(opening)
    engine.tick()
    engine.run_until(opening + MINUTE)
    # Then the tick sent the lead the reminder at 08:00 New York time ...
    assert sent_to(engine) == ["6281100009001"]
    # ... which the preview should have promised, not left out for the frequency cap
    assert seen.skipped == {}, seen.skipped
    assert [(p.name, p.send_at) for p in seen.planned] == [("ny", opening)]


def test_preview_promises_a_journeys_first_send_before_its_own_wait_has_passed(
    engine: MemoryEngine,
) -> None:
    # Given a journey for leads quiet for an hour: wait one hour, then a send that waits
    # three hours more (free text), and a lead quiet for two hours (inside its window)
    deps, now = engine.deps, engine.clock.now()
    journey = rule(
        "wait-then-send",
        trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        steps=[
            {"kind": "wait", "for": {"amount": 1, "unit": "hours"}},
            {"wait": {"amount": 3, "unit": "hours"}, "text": "Still there?"},
        ],
    )
    deps.rules.save_rule(journey)
    quiet_contact(deps, "6281100009101", now - 2 * HOUR, name="dewi")
    engine.sandbox.record_inbound("6281100009101", now - 2 * HOUR)
    # When the rule is previewed
    seen = preview(deps, journey)
    # And the ticks run every 15 minutes for five hours
    sent_at = None
    for n in range(21):
        engine.run_until(now + n * 15 * MINUTE)
        engine.tick()
        if engine.sandbox.sent() and sent_at is None:
            sent_at = engine.sandbox.sent()[0].received_at
    # Then the lead got the message at 12:00, when the wait (ended 09:00) and the send's
    # own three hours had passed
    assert sent_at is not None
    assert sent_at == now + 3 * HOUR
    # And the preview promised that, not "now" (09:00), counting it among those sent at once
    assert [(p.name, p.send_at) for p in seen.planned] == [("dewi", now + 3 * HOUR)]
    assert seen.due_now == 0


def test_a_send_held_by_the_messaging_limit_is_previewed_at_the_window_opening_it_goes(
    engine: MemoryEngine,
) -> None:
    # Given the portfolio's allowance filled last night at 19:00 Jakarta (Mon), e.g. by a
    # send-anytime rule, so a place frees at about 19:00 tonight, after the window closes
    deps, now = engine.deps, engine.clock.now()  # Tue 09:00 Jakarta, window Mon-Fri 08-17
    assert deps.reach is not None
    limit = deps.catalog.settings().messaging_limit
    allowance = limit.allowance()
    assert allowance is not None
    for _ in range(allowance):
        assert admit(deps.reach, limit, now - 14 * HOUR) is None
    # And a lead quiet for 30 h (window closed: a template, which counts)
    quiet_contact(deps, "6281100009001", now - 30 * HOUR, name="lead")
    reminder = rule()
    deps.rules.save_rule(reminder)
    # When the rule is previewed
    seen = preview(deps, reminder)
    [planned] = seen.planned
    assert planned.waits_for == "messaging_limit"
    promised = planned.send_at.astimezone(JAKARTA)
    # When the engine runs hourly ticks for a day
    for _ in range(26):
        engine.tick()
        engine.clock.advance(HOUR)
    sent = [r.received_at.astimezone(JAKARTA) for r in engine.sandbox.sent()]
    # Then the engine sends it only at the window's next opening, Wed 08:00 ...
    assert [f"{t:%a %H:%M}" for t in sent] == ["Wed 08:00"]
    # ... and the preview promised that time, not one the send window forbids
    assert f"{promised:%a %H:%M}" == "Wed 08:00", f"preview promises {promised:%a %H:%M}"
