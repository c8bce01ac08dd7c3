"""A follow-up the send window put off goes sooner once an admin widens the window: a
holiday taken back, earlier opening hours, a zone whose morning comes sooner; a rule's
step or a send by hand, queued so or put off by the sender. Nothing allowed waits for a
later opening; one whose opening stays where it was, or that a sender took meanwhile, is
left as it is. A rule's own window is another matter: an edit of it is a new version, and
a follow-up already queued goes under the version it was planned with, wider or narrower
("changes apply forward")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp
from followup.domain.policy import SendWindow, Weekday
from followup.domain.rule import Rule
from followup.services import rules, versions
from followup.services.contact_edits import Edit, edit_contact
from followup.services.manual import send_now
from followup.services.resume import save_settings
from followup.services.send import send_one
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.support.builders import quiet_contact, rule
from tests.support.friday import JAKARTA, TEMPLATE, only

HOUR, SECOND = timedelta(hours=1), timedelta(seconds=1)
FRIDAY = date(2026, 11, 27)
WORKDAYS = ("mon", "tue", "wed", "thu", "fri")
RULE = "apply-remind-24h"


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment of November 2026 in Jakarta, in UTC."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=JAKARTA).astimezone(UTC)


def window(opens: str = "08:00", *holidays: date) -> SendWindow:
    """Monday to Friday from `opens` to 17:00, the weekend blacked out, and `holidays`."""
    hours = {day: [{"start": opens, "end": "17:00"}] for day in WORKDAYS}
    dates = [each.isoformat() for each in holidays]
    return SendWindow.model_validate({"hours": hours, "custom_holidays": dates})


def saves(engine: MemoryEngine, send_window: SendWindow) -> None:
    """The admin saves the settings with `send_window`, on the revision the page showed."""
    read = engine.deps.rules.versioned_settings()
    save_settings(
        engine.deps, read.item.model_copy(update={"send_window": send_window}), read.revision
    )


def hourly_until(engine: MemoryEngine, until: datetime) -> None:
    """The hourly ticks, the sender taking each message at its time, up to `until`."""
    while engine.clock.now() < until:
        engine.tick()
        engine.run_until(engine.clock.now() + HOUR)


def went(engine: MemoryEngine) -> list[str]:
    """When each message went, in Jakarta."""
    sent = engine.sandbox.sent()
    return [r.received_at.astimezone(JAKARTA).strftime("%a %d %H:%M") for r in sent]


def rule_window(*days: str) -> dict[str, Any]:
    """A rule's own window: 08:00 to 17:00 on `days`, every other day blacked out."""
    hours = {day: [{"start": "08:00", "end": "17:00"}] for day in days}
    return {"hours": hours, "blackout_days": [day for day in Weekday if day not in days]}


def one_step(own_window: dict[str, Any] | None = None) -> Rule:
    """The rule whose one step goes as soon as the lead has been quiet for 24 h, as a
    template, in `own_window` when it has one."""
    step = {"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE}
    return rule(steps=[step], send_window=own_window)


@contextmanager
def opened(
    start: datetime, send_window: SendWindow, own_window: dict[str, Any] | None = None
) -> Iterator[MemoryEngine]:
    """An engine at `start` under `send_window`, with hourly ticks and the one-step rule
    (in `own_window` when given)."""
    with memory_engine(start) as engine:
        settings = engine.deps.rules.settings()
        engine.deps.rules.save_settings(settings.model_copy(update={"send_window": send_window}))
        engine.deps.catalog.invalidate()
        engine.deps.rules.save_rule(one_step(own_window))
        yield engine


def test_a_holiday_taken_back_lets_the_queued_follow_up_go_that_day() -> None:
    # Given Thursday 26 Nov 2026, 20:00 in Jakarta, and Friday set as a holiday by mistake
    with opened(local(26, 20), window("08:00", FRIDAY)) as engine:
        # And a lead quiet for 24 h at 20:00: queued for the next opening, Monday 08:00
        lead = quiet_contact(engine.deps, "6281200000001", engine.clock.now() - 24 * HOUR)
        engine.tick()
        assert only(engine, lead.id).scheduled_at == local(30, 8)
        # When the admin takes the holiday back at 21:00, and the ticks run to Monday evening
        engine.run_until(local(26, 21))
        saves(engine, window("08:00"))
        hourly_until(engine, local(30, 20))
        # Then it goes at Friday's opening, 08:00, not on Monday
        assert went(engine) == ["Fri 27 08:00"]


def test_earlier_opening_hours_bring_a_queued_follow_up_and_its_slot_forward() -> None:
    # Given Wednesday 25 Nov 06:00, a window opening at 10:00, and a lead quiet for 24 h
    # now, queued for 10:00
    with opened(local(25, 6), window("10:00")) as engine:
        lead = quiet_contact(engine.deps, "6281200000002", engine.clock.now() - 24 * HOUR)
        engine.tick()
        assert only(engine, lead.id).scheduled_at == local(25, 10)
        # When the admin opens the window at 07:00 instead, at 06:30
        engine.run_until(local(25, 6, 30))
        saves(engine, window("07:00"))
        # Then the queue shows it at 07:00, and the contact's pending follow-up with it
        assert only(engine, lead.id).scheduled_at == local(25, 7)
        slot = engine.deps.contacts.slot(lead.id)
        assert slot is not None
        assert slot.item.until == local(25, 7)
        # And it goes at the 07:00 tick, once
        hourly_until(engine, local(25, 12))
        assert went(engine) == ["Wed 25 07:00"]


def test_a_wider_window_leaves_a_follow_up_whose_opening_stays_where_it_was() -> None:
    # Given Thursday 26 Nov 20:00 in Jakarta, Friday a holiday, and two leads quiet for
    # 24 h now: one in Jakarta, queued for Monday 08:00 by the holiday; one in Honolulu,
    # where it is 03:00 Thursday, queued for its 08:00 (01:00 Friday in Jakarta)
    with opened(local(26, 20), window("08:00", FRIDAY)) as engine:
        now = engine.clock.now()
        jakarta = quiet_contact(engine.deps, "6281200000003", now - 24 * HOUR)
        honolulu = quiet_contact(
            engine.deps, "6281200000004", now - 24 * HOUR, timezone="Pacific/Honolulu"
        )
        engine.tick()
        assert only(engine, jakarta.id).scheduled_at == local(30, 8)
        queued = only(engine, honolulu.id)
        assert queued.scheduled_at == local(27, 1)
        # When the admin takes Friday's holiday back at 21:00
        engine.run_until(local(26, 21))
        saves(engine, window("08:00"))
        # Then the one in Honolulu is as it was, not written again
        assert only(engine, honolulu.id) == queued
        # And each goes once at its opening: Honolulu's Thursday 08:00, Jakarta's Friday 08:00
        hourly_until(engine, local(30, 12))
        assert went(engine) == ["Fri 27 01:00", "Fri 27 08:00"]


class _TakenWhileRead:
    """The follow-ups, with the sender taking one the moment its time comes, just after
    the save read it from the queued lane and before the save writes it."""

    def __init__(self, engine: MemoryEngine, followup_id: str) -> None:
        self._engine, self._id = engine, followup_id
        self._real = engine.deps.followups
        self.taken = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def waiting(self, phases: Any, until: datetime) -> Iterator[FollowUp]:
        for followup in self._real.waiting(phases, until):
            if followup.id == self._id and not self.taken:
                self.taken = True
                self._engine.clock.advance(SECOND)
                send_one(self._engine.deps, self._id)
            yield followup


def test_a_wider_window_keeps_the_try_a_sender_made_meanwhile() -> None:
    # Given Thursday 26 Nov 08:00 in Jakarta, a window opening at 10:00, and two leads
    # quiet for 24 h: one in Jakarta, queued for 10:00; one in Dubai (three hours behind),
    # where it is 05:00, queued for its 10:00 (13:00 in Jakarta)
    with opened(local(26, 8), window("10:00")) as engine:
        now = engine.clock.now()
        jakarta = quiet_contact(engine.deps, "6281200000005", now - 24 * HOUR)
        dubai = quiet_contact(engine.deps, "6281200000006", now - 24 * HOUR, timezone="Asia/Dubai")
        engine.tick()
        assert only(engine, jakarta.id).scheduled_at == local(26, 10)
        assert only(engine, dubai.id).scheduled_at == local(26, 13)
        # When the admin opens the window at 08:00 instead, at 09:59:59 in Jakarta, and the
        # sender takes the Jakarta one at 10:00 as the save reads it, 360dialog answering 500
        engine.run_until(local(26, 9, 59, 59))
        engine.sandbox.fail_next(status=500)
        taking = _TakenWhileRead(engine, only(engine, jakarta.id).id)
        real, engine.deps.followups = engine.deps.followups, taking
        saves(engine, window("08:00"))
        engine.deps.followups = real
        # Then the sender's try stands: counted, and put back for its retry after 10:00
        tried = only(engine, jakarta.id)
        assert tried.attempt == 1
        assert tried.scheduled_at > local(26, 10)
        # And the one in Dubai goes at its new opening, 08:00 there; each goes once
        hourly_until(engine, local(26, 14))
        assert went(engine) == ["Thu 26 10:00", "Thu 26 11:00"]
        assert taking.taken


def test_a_holiday_taken_back_brings_forward_what_the_sender_put_off_for_it() -> None:
    # Given Thursday 26 Nov 20:00 and a lead quiet for 24 h now, queued for Friday 08:00
    with opened(local(26, 20), window("08:00")) as engine:
        lead = quiet_contact(engine.deps, "6281200000007", engine.clock.now() - 24 * HOUR)
        engine.tick()
        # And the admin making Friday a holiday at 21:00: the sender puts it off to Monday
        engine.run_until(local(26, 21))
        saves(engine, window("08:00", FRIDAY))
        hourly_until(engine, local(27, 9))
        assert only(engine, lead.id).scheduled_at == local(30, 8)
        # When the admin takes the holiday back at 09:30 Friday
        engine.run_until(local(27, 9, 30))
        saves(engine, window("08:00"))
        # Then it goes at the 10:00 tick that Friday, not on Monday
        engine.run_until(local(27, 10))
        hourly_until(engine, local(30, 12))
        assert went(engine) == ["Fri 27 10:00"]


def test_a_send_now_waiting_for_the_window_goes_once_the_window_opens_sooner() -> None:
    # Given Thursday 26 Nov 20:00 and a counsellor's send-now, waiting for Friday 08:00
    with opened(local(26, 20), window("08:00")) as engine:
        lead = quiet_contact(engine.deps, "6281200000008", engine.clock.now() - 2 * HOUR)
        waiting = send_now(engine.deps, lead.id, "apply-remind-24h")
        assert waiting.scheduled_at == local(27, 8)
        # When the admin makes Friday 27 Nov's opening 06:00, at 20:30 Thursday
        engine.run_until(local(26, 20, 30))
        saves(engine, window("06:00"))
        # Then it goes at 06:00 Friday
        engine.run_until(local(26, 21))
        hourly_until(engine, local(27, 12))
        assert went(engine) == ["Fri 27 06:00"]


def test_a_workspace_zone_whose_morning_comes_sooner_brings_a_queued_follow_up_forward() -> None:
    # Given Wednesday 25 Nov 06:00 in Jakarta, the workspace's zone, and a lead with no zone
    # of their own quiet for 24 h now, queued for 08:00 in Jakarta
    with opened(local(25, 6), window("08:00")) as engine:
        lead = quiet_contact(
            engine.deps, "6281200000009", engine.clock.now() - 24 * HOUR, timezone=None
        )
        engine.tick()
        assert only(engine, lead.id).scheduled_at == local(25, 8)
        # When the admin moves the workspace to Makassar's time at 06:10 (07:10 there), a zone
        # of the lead's country (Indonesia has three): they are read in it too
        engine.run_until(local(25, 6, 10))
        read = engine.deps.rules.versioned_settings()
        makassar = read.item.model_copy(update={"timezone": "Asia/Makassar"})
        save_settings(engine.deps, makassar, read.revision)
        # Then it goes at the 07:00 tick (08:00 in Makassar), not at 08:00 in Jakarta
        engine.run_until(local(25, 7))
        hourly_until(engine, local(25, 12))
        assert went(engine) == ["Wed 25 07:00"]


@pytest.mark.parametrize("migrate", [False, True], ids=["kept", "migrated"])
def test_a_rule_window_widened_in_a_new_version_leaves_the_queued_follow_up_as_planned(
    migrate: bool,
) -> None:
    # Given Friday 27 Nov 20:00 in Jakarta and a rule whose own window is Monday to Friday
    with opened(local(27, 20), window("08:00"), rule_window(*WORKDAYS)) as engine:
        # And a lead quiet for 24 h now: queued under version 1 for Monday 08:00
        planned = quiet_contact(engine.deps, "6281200000010", engine.clock.now() - 24 * HOUR)
        engine.tick()
        queued = only(engine, planned.id)
        assert (queued.scheduled_at, queued.rule_version) == (local(30, 8), 1)
        # When marketing saves the rule open on Saturdays too at 21:00 (its journeys moved
        # onto the new version or not), and a lead's silence crosses 24 h on Saturday 10:00
        engine.run_until(local(27, 21))
        saved, _, _ = rules.update(engine.deps, RULE, one_step(rule_window(*WORKDAYS, "sat")))
        if migrate:
            assert versions.migrate(engine.deps, saved).moved == 1
        later = quiet_contact(engine.deps, "6281200000011", local(27, 10))
        hourly_until(engine, local(30, 12))
        # Then the queued one goes as planned, Monday 08:00 under version 1; the new version
        # sends the later lead's on Saturday
        assert only(engine, planned.id).rule_version == 1
        assert only(engine, later.id).rule_version == 2
        assert went(engine) == ["Sat 28 10:00", "Mon 30 08:00"]


def test_a_rule_window_narrowed_in_a_new_version_does_not_hold_back_the_queued_follow_up() -> None:
    # Given Friday 27 Nov 20:00 in Jakarta, a rule whose own window is Monday to Friday,
    # and a lead quiet for 24 h now: queued under version 1 for Monday 08:00
    with opened(local(27, 20), window("08:00"), rule_window(*WORKDAYS)) as engine:
        lead = quiet_contact(engine.deps, "6281200000012", engine.clock.now() - 24 * HOUR)
        engine.tick()
        assert only(engine, lead.id).scheduled_at == local(30, 8)
        # When marketing saves the rule closed on Mondays at 21:00
        engine.run_until(local(27, 21))
        rules.update(engine.deps, RULE, one_step(rule_window(*WORKDAYS[1:])))
        hourly_until(engine, local(30, 12))
        # Then it still goes on Monday 08:00, under the version it was planned with
        assert went(engine) == ["Mon 30 08:00"]


def test_a_leads_zone_set_right_brings_their_queued_follow_up_to_its_opening() -> None:
    # Given Saturday 28 Nov, 10:00 in Jakarta, and a lead stored in New York by mistake,
    # quiet for 24 h: queued for New York's Monday 08:00 (20:00 in Jakarta)
    with opened(local(28, 10), window("08:00")) as engine:
        lead = quiet_contact(
            engine.deps, "6281200000011", local(27, 10), timezone="America/New_York"
        )
        engine.tick()
        assert only(engine, lead.id).scheduled_at == local(30, 20)
        # When a counsellor sets their zone right on Sunday evening
        engine.run_until(local(29, 20))
        edit_contact(engine.deps, lead.id, Edit({"timezone": "Asia/Jakarta"}))
        hourly_until(engine, local(30, 22))
        # Then it goes at Monday's opening in Jakarta
        assert went(engine) == ["Mon 30 08:00"]


def test_a_leads_zone_whose_morning_comes_later_sends_nothing_early() -> None:
    # Given a lead of the workspace's zone queued for Monday 08:00 in Jakarta
    with opened(local(28, 10), window("08:00")) as engine:
        lead = quiet_contact(engine.deps, "6281200000012", local(27, 10), timezone=None)
        engine.tick()
        assert only(engine, lead.id).scheduled_at == local(30, 8)
        # When their zone is set to Lisbon's (Monday 08:00 there is 15:00 in Jakarta)
        engine.run_until(local(29, 20))
        edit_contact(engine.deps, lead.id, Edit({"timezone": "Europe/Lisbon"}))
        hourly_until(engine, local(30, 22))
        # Then it goes at Lisbon's opening, not at 01:00 in Lisbon
        assert went(engine) == ["Mon 30 15:00"]
