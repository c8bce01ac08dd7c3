"""Changing `expire_after` reaches a follow-up sent off its send time (held by a pause) as
it reaches one sent on time: it expires `expire_after` after its send under the setting in
force, never at the time the old setting gave it."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import FollowUp, Status
from followup_local.memory_engine import MemoryEngine
from tests.service.test_expire_by_send_time import expire_at, set_expire_after
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
WA_ID = "6281100000881"


def status_of(engine: MemoryEngine, followup: FollowUp) -> Status:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found.status


def sent_late(engine: MemoryEngine, wa_id: str = WA_ID) -> FollowUp:
    """A lead's follow-up held by a pause for two hours, then sent: off its send time."""
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"paused": True}))
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.clock.advance(2 * HOUR)
    engine.deps.rules.save_settings(settings)
    engine.tick()
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    assert sent.sent_at is not None
    assert sent.sent_at - sent.scheduled_at >= 2 * HOUR
    return sent


def test_a_longer_expire_after_does_not_expire_a_late_sent_follow_up_at_the_old_time(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up sent two hours after its send time (a pause held it)
    sent = sent_late(engine)
    assert sent.sent_at is not None
    # When an admin lengthens expire_after from 72 h to 96 h a day later
    engine.clock.advance(24 * HOUR)
    set_expire_after(engine, 96)
    # Then at 72 h after its send it is still waiting for a reply, as every follow-up
    # sent on time that day is
    assert expire_at(engine, sent.sent_at + 72 * HOUR)["expired"] == 0
    assert status_of(engine, sent) is Status.SENT
    assert expire_at(engine, sent.sent_at + 96 * HOUR - SECOND)["expired"] == 0
    assert status_of(engine, sent) is Status.SENT
    # And it expires 96 h after its send, once
    assert expire_at(engine, sent.sent_at + 96 * HOUR)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED


def test_a_shorter_expire_after_expires_a_late_sent_follow_up_that_long_after_its_send(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up sent two hours after its send time (a pause held it)
    sent = sent_late(engine)
    assert sent.sent_at is not None
    # When an admin shortens expire_after from 72 h to 48 h
    set_expire_after(engine, 48)
    # Then it expires 48 h after its send, as one sent on time does
    expire_at(engine, sent.sent_at + 48 * HOUR)
    assert status_of(engine, sent) is Status.EXPIRED


def test_a_shorter_expire_after_with_hourly_ticks_expires_a_late_sent_follow_up_on_time(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up sent two hours after its send time (a pause held it), and the
    # expire tick running every hour
    sent = sent_late(engine)
    assert sent.sent_at is not None
    # When an admin shortens expire_after from 72 h to 48 h a day after its send
    expire_at(engine, sent.sent_at + 24 * HOUR)
    set_expire_after(engine, 48)
    for hours in range(25, 48):
        expire_at(engine, sent.sent_at + hours * HOUR)
    # Then it is still waiting for a reply a second before its 48 h are up
    assert expire_at(engine, sent.sent_at + 48 * HOUR - SECOND)["expired"] == 0
    assert status_of(engine, sent) is Status.SENT
    # And it expires at the first tick 48 h after its send, not at the old 72 h
    assert expire_at(engine, sent.sent_at + 48 * HOUR)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED


def test_a_much_shorter_expire_after_expires_a_late_sent_follow_up_at_the_next_tick(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up sent two hours after its send time (a pause held it), 30 h ago
    sent = sent_late(engine)
    assert sent.sent_at is not None
    expire_at(engine, sent.sent_at + 30 * HOUR)
    # When an admin shortens expire_after from 72 h to 24 h
    set_expire_after(engine, 24)
    # Then the next tick expires it, as it does one sent on time that long ago
    assert expire_at(engine, sent.sent_at + 31 * HOUR)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED


def test_expire_after_lengthened_then_shortened_back_expires_a_late_sent_one_on_the_shorter(
    engine: MemoryEngine,
) -> None:
    # Given expire_after at 24 h, and a follow-up sent two hours off its time (a pause)
    set_expire_after(engine, 24)
    sent = sent_late(engine)
    assert sent.sent_at is not None
    expire_at(engine, sent.sent_at + 12 * HOUR)
    # When an admin lengthens it to 72 h (the tick at its old 24 h expiry moves it on),
    # and an hour later sets it back to 24 h
    set_expire_after(engine, 72)
    expire_at(engine, sent.sent_at + 24 * HOUR)
    assert status_of(engine, sent) is Status.SENT
    expire_at(engine, sent.sent_at + 25 * HOUR)
    set_expire_after(engine, 24)
    # Then the next tick expires it: sent 26 h ago under a 24 h setting
    expire_at(engine, sent.sent_at + 26 * HOUR)
    assert status_of(engine, sent) is Status.EXPIRED
