"""A follow-up sent on time is expired by its send time, read from the send-time index: it
expires `expire_after` after its send, never before, whether it went on time, late (held by
a pause), lost a race to a status, or the setting changed meanwhile. Run on the in-memory
engine here and on moto in tests/integration."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.durations import Duration, Unit
from followup.domain.followup import FollowUp, Status
from followup.services.ports import FollowUpChange, NewFollowUp, Versioned
from followup_local import envelopes
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.contract.items import followup
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
EXPIRE_AFTER = 72 * HOUR
WA_ID = "6281100000871"

Engine = MemoryEngine | LocalEngine


def sent_now(engine: Engine, wa_id: str = WA_ID) -> FollowUp:
    """A lead quiet for 25 h, sent its follow-up by one tick."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    return sent


def status_of(engine: Engine, followup: FollowUp) -> Status:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found.status


def expire_at(engine: Engine, moment: datetime) -> dict[str, Any]:
    engine.clock.advance(moment - engine.clock.now())
    report: dict[str, Any] = engine.scheduled("expire")
    return report


def set_expire_after(engine: Engine, hours: int) -> None:
    settings = engine.deps.rules.settings()
    duration = Duration(amount=hours, unit=Unit.HOURS)
    engine.deps.rules.save_settings(settings.model_copy(update={"expire_after": duration}))


def test_a_follow_up_sent_on_time_expires_expire_after_its_send_not_a_moment_before(
    engine: Engine,
) -> None:
    sent = sent_now(engine)
    assert sent.sent_at is not None
    # When expire ticks hourly up to a second before its expiry, it stays sent
    for hours in range(1, 72):
        expire_at(engine, sent.sent_at + hours * HOUR)
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER - SECOND)["expired"] == 0
    assert status_of(engine, sent) is Status.SENT
    # And at its expiry it expires, once
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER + HOUR)["expired"] == 0


def test_a_follow_up_held_by_a_pause_for_two_hours_expires_expire_after_its_late_send(
    engine: Engine,
) -> None:
    # Given sending paused when the lead's follow-up falls due
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"paused": True}))
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [held] = engine.deps.followups.followups_of(lead.id)
    assert held.status is Status.QUEUED
    # When sending resumes two hours later and it is sent
    engine.clock.advance(2 * HOUR)
    engine.deps.rules.save_settings(settings)
    engine.tick()
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    assert sent.sent_at is not None
    assert sent.sent_at - sent.scheduled_at >= 2 * HOUR
    # Then it is not expired 72 h after its send time, only 72 h after it went
    assert expire_at(engine, sent.scheduled_at + EXPIRE_AFTER + HOUR)["expired"] == 0
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER - SECOND)["expired"] == 0
    assert status_of(engine, sent) is Status.SENT
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED


class ReadFirst:
    """The contacts, with the follow-up's `read` status heard just before the expire tick's
    first eventually consistent read of a contact: its expiry then loses the race."""

    def __init__(self, engine: Engine, followup: FollowUp) -> None:
        self._engine, self._followup = engine, followup
        self._contacts = engine.deps.contacts
        self.heard = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._contacts, name)

    def contact(self, contact_id: str, *, consistent: bool = True) -> Versioned[Contact] | None:
        if not consistent and not self.heard:
            self.heard = True
            wamid = self._followup.provider_message_id
            assert wamid is not None
            at = self._engine.clock.now()
            read = envelopes.status(wamid, "read", at, WA_ID, self._followup.id)
            assert self._engine.deliver(read) == 200
        return self._contacts.contact(contact_id, consistent=consistent)


def test_an_expiry_that_loses_a_race_to_a_status_is_settled_by_the_next_tick(
    engine: Engine,
) -> None:
    sent = sent_now(engine)
    assert sent.sent_at is not None
    # When its `read` status lands while the expire tick is settling it
    racing = ReadFirst(engine, sent)
    engine.deps.contacts = racing
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER)["expired"] == 0
    assert racing.heard
    assert status_of(engine, sent) is Status.READ
    # Then the next tick expires it
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER + HOUR)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED


def test_a_shorter_expire_after_expires_what_was_sent_that_long_ago_at_the_next_tick(
    engine: Engine,
) -> None:
    sent = sent_now(engine)
    assert sent.sent_at is not None
    assert expire_at(engine, sent.sent_at + 47 * HOUR)["expired"] == 0
    # When an admin shortens expire_after to 48 h
    set_expire_after(engine, 48)
    assert expire_at(engine, sent.sent_at + 48 * HOUR - SECOND)["expired"] == 0
    # Then it expires 48 h after its send
    assert expire_at(engine, sent.sent_at + 48 * HOUR)["expired"] == 1


def test_a_longer_expire_after_expires_nothing_before_it_and_everything_at_it(
    engine: Engine,
) -> None:
    first = sent_now(engine)
    assert first.sent_at is not None
    assert expire_at(engine, first.sent_at + 71 * HOUR)["expired"] == 0
    # When an admin lengthens expire_after to 96 h, after another lead's send
    set_expire_after(engine, 96)
    second = sent_now(engine, "6281100000872")
    assert second.sent_at is not None
    # Then neither expires before 96 h after its send, and each does at it
    assert expire_at(engine, first.sent_at + 96 * HOUR - SECOND)["expired"] == 0
    assert expire_at(engine, first.sent_at + 96 * HOUR)["expired"] == 1
    assert expire_at(engine, second.sent_at + 96 * HOUR - SECOND)["expired"] == 0
    assert expire_at(engine, second.sent_at + 96 * HOUR)["expired"] == 1
    assert {status_of(engine, f) for f in (first, second)} == {Status.EXPIRED}


def test_a_retried_expire_tick_expires_each_follow_up_once(engine: Engine) -> None:
    sent = sent_now(engine)
    assert sent.sent_at is not None
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER)["expired"] == 1
    assert engine.scheduled("expire")["expired"] == 0
    assert status_of(engine, sent) is Status.EXPIRED


def test_one_sent_seconds_after_its_send_time_expires_at_its_own_expiry_as_do_the_next(
    engine: Engine,
) -> None:
    # Given one follow-up sent 30 s after its send time, and one sent on the dot 10 s later
    at = engine.clock.now()
    slow = followup(
        "fu_slow",
        status=Status.SENT,
        scheduled_at=at,
        sent_at=at + 30 * SECOND,
        wake_at=at + 30 * SECOND + EXPIRE_AFTER,
    )
    prompt = followup(
        "fu_prompt",
        status=Status.SENT,
        scheduled_at=at + 10 * SECOND,
        sent_at=at + 10 * SECOND,
        wake_at=at + 10 * SECOND + EXPIRE_AFTER,
    )
    engine.deps.commit([NewFollowUp(slow), NewFollowUp(prompt)], at)
    # When expire ticks as the second one's expiry comes, then as the first one's
    assert expire_at(engine, at + 10 * SECOND + EXPIRE_AFTER)["expired"] == 1
    assert [status_of(engine, f) for f in (slow, prompt)] == [Status.SENT, Status.EXPIRED]
    assert expire_at(engine, at + 30 * SECOND + EXPIRE_AFTER - SECOND)["expired"] == 0
    # Then each expires at its own expiry, once
    assert expire_at(engine, at + 30 * SECOND + EXPIRE_AFTER)["expired"] == 1
    assert status_of(engine, slow) is Status.EXPIRED
    assert expire_at(engine, at + 30 * SECOND + EXPIRE_AFTER + HOUR)["expired"] == 0


class CutShort:
    """The contacts, failing the tick at the `after`-th eventually consistent read (a
    crash, the function's time limit), once."""

    def __init__(self, engine: MemoryEngine, after: int) -> None:
        self._contacts, self._left = engine.deps.contacts, after

    def __getattr__(self, name: str) -> Any:
        return getattr(self._contacts, name)

    def contact(self, contact_id: str, *, consistent: bool = True) -> Versioned[Contact] | None:
        if not consistent:
            self._left -= 1
            if self._left == 0:
                raise RuntimeError("the tick was cut short")
        return self._contacts.contact(contact_id, consistent=consistent)


class Counted:
    """The follow-ups, counting those read by send time."""

    def __init__(self, engine: MemoryEngine) -> None:
        self._followups, self.read = engine.deps.followups, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._followups, name)

    def sent_between(self, after: datetime, until: datetime) -> Iterator[FollowUp]:
        for each in self._followups.sent_between(after, until):
            self.read += 1
            yield each


def test_a_tick_cut_short_leaves_the_next_little_to_read_again(engine: MemoryEngine) -> None:
    # Given 1,500 follow-ups sent a second apart, 72 h ago
    at = engine.clock.now()
    for n in range(1500):
        sent_at = at + n * SECOND
        engine.deps.commit(
            [
                NewFollowUp(
                    followup(
                        f"fu_{n:04d}",
                        status=Status.SENT,
                        scheduled_at=sent_at,
                        sent_at=sent_at,
                        wake_at=sent_at + EXPIRE_AFTER,
                    )
                )
            ],
            at,
        )
    engine.clock.advance(EXPIRE_AFTER + 1500 * SECOND)
    # When the expire tick dies at its 1,200th follow-up
    contacts = engine.deps.contacts
    engine.deps.contacts = CutShort(engine, 1200)
    with pytest.raises(RuntimeError):
        engine.scheduled("expire")
    engine.deps.contacts = contacts
    # Then the next tick reads again only from its last record of the mark, and expires
    # the rest
    counted = Counted(engine)
    engine.deps.followups = counted
    assert engine.scheduled("expire")["expired"] == 301
    assert counted.read == 501
    statuses = {f.status for f in engine.deps.followups.followups_of("ct_1")}
    assert statuses == {Status.EXPIRED}


def test_with_expire_after_under_a_minute_one_sent_seconds_late_still_expires(
    engine: Engine,
) -> None:
    # Given expire_after of zero minutes, and a follow-up due now, not sent yet
    settings = engine.deps.rules.settings()
    zero = Duration(amount=0, unit=Unit.MINUTES)
    engine.deps.rules.save_settings(settings.model_copy(update={"expire_after": zero}))
    at = engine.clock.now()
    queued = followup("fu_slow", scheduled_at=at, wake_at=at)
    engine.deps.commit([NewFollowUp(queued)], at)
    # When an expire tick passes its send time before it goes, 30 s late
    assert expire_at(engine, at + 10 * SECOND)["expired"] == 0
    sent = queued.model_copy(
        update={"status": Status.SENT, "sent_at": at + 30 * SECOND, "wake_at": at + 30 * SECOND}
    )
    engine.deps.commit([FollowUpChange(sent, Status.QUEUED)], at + 30 * SECOND)
    # Then the next tick expires it all the same
    assert expire_at(engine, at + 40 * SECOND)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED


@pytest.mark.parametrize(
    ("text", "expected"),
    [("boleh kak, nanti saya daftar", "responded"), ("STOP", "opted_out")],
    ids=["reply", "stop"],
)
def test_a_reply_written_within_72h_but_heard_after_the_expire_tick_still_counts(
    engine: MemoryEngine, text: str, expected: str
) -> None:
    # Given a follow-up sent to a lead, and the lead's answer written 20 seconds before its
    # 72 h are up, whose webhook reaches the engine 30 s later (Meta delivers late, or
    # retries after a 5xx) -- just after the expire tick that runs at the 72 h mark
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000299", engine.clock.now() - 25 * HOUR)
    engine.tick()
    [sent] = deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    assert sent.sent_at is not None
    deadline = sent.sent_at + 72 * HOUR
    engine.clock.advance(deadline + 10 * SECOND - engine.clock.now())
    engine.scheduled("expire")
    engine.clock.advance(20 * SECOND)
    written = deadline - 20 * SECOND
    assert (
        engine.deliver(envelopes.text_message(lead.wa_id or "", text, written, "wamid.late")) == 200
    )
    engine.pump_stream()
    # Then the answer, written within the attribution window (72 h), counts for the
    # follow-up as the README defines "responded" / "opted out": not left `expired`
    [found] = [f for f in deps.followups.followups_of(lead.id) if f.id == sent.id]
    assert found.status.value == expected, f"{found.status.value} ({found.reason})"
    counts: dict[str, int] = {}
    for row in deps.stats.stats(sent.created_at.date(), engine.clock.now().date()):
        for name, value in row.counts.items():
            counts[name] = counts.get(name, 0) + value
    assert (counts.get(expected), counts.get("expired", 0)) == (1, 0), counts


def test_an_answer_written_after_the_expiry_leaves_the_follow_up_expired(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up that expired at its 72 h mark
    deps = engine.deps
    deps.rules.save_rule(rule(exit={"on_reply": False}))
    lead = quiet_contact(deps, "6281100000298", engine.clock.now() - 25 * HOUR)
    engine.tick()
    [sent] = deps.followups.followups_of(lead.id)
    assert sent.sent_at is not None
    engine.clock.advance(sent.sent_at + 72 * HOUR + 10 * SECOND - engine.clock.now())
    engine.scheduled("expire")
    # When the lead writes after that, even within the second of the expiry tick
    written = engine.clock.now() + SECOND
    engine.clock.advance(2 * SECOND)
    wa_id = lead.wa_id or ""
    assert engine.deliver(envelopes.text_message(wa_id, "ok", written, "wamid.after")) == 200
    # Then the follow-up stays expired: the answer came after its time
    found = deps.followups.followup(sent.id)
    assert found is not None
    assert found.status is Status.EXPIRED
