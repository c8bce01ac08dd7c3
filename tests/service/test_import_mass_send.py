"""An import is a mass send when a running rule would message more of its contacts on one
day than the workspace's mass-send limit: a class start written for a whole intake, a
funnel moved into a stage a rule welcomes, a list of new leads an idle rule reaches a day
later. Such a file is refused whole, unless confirmed, as switching such a rule on is;
dates spread over days, dates kept, contacts created at a stage, a silence not begun, an
opt-out and rules switched off do not add up."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from followup.domain.ids import contact_id
from followup.services import rules
from followup.services.contacts import update_contact
from followup.services.import_crowd import MassImport
from followup.services.imports import CHUNK_ROWS, ImportReport, import_contacts
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import days_before, rule

LIMIT = 3
TODAY = date(2026, 11, 24)  # the engine's clock: Tuesday 09:00 in Jakarta


@pytest.fixture
def workspace(engine: MemoryEngine) -> MemoryEngine:
    """A mass-send limit of three."""
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"mass_send_limit": LIMIT}))
    return engine


def running(engine: MemoryEngine, rule_id: str, **fields: Any) -> None:
    rules.create(engine.deps, rule(rule_id, exit={}, **fields))


def class_reminder(engine: MemoryEngine) -> None:
    """Two days before `class_start`, at 09:00 on the student's clock; on."""
    running(engine, "class-reminder", trigger=days_before("class_start", 2, "09:00"))


def students(starts: list[str], first: int = 0) -> str:
    lines = ["wa_id,name,timezone,attr.class_start"]
    lines += [
        f"628110000{first + n:04d},Student {n},Asia/Jakarta,{day}" for n, day in enumerate(starts)
    ]
    return "\n".join(lines)


def leads(count: int, stage: str = "", first: int = 0) -> str:
    lines = ["wa_id,name,stage"] + [
        f"628110000{first + n:04d},Lead {n},{stage}" for n in range(count)
    ]
    return "\n".join(lines)


def imported(engine: MemoryEngine, text: str, **options: Any) -> ImportReport:
    return import_contacts(engine.deps, text, "csv", **options)


def refused(engine: MemoryEngine, text: str, **options: Any) -> MassImport:
    with pytest.raises(MassImport) as refusal:
        imported(engine, text, **options)
    return refusal.value


def stored(engine: MemoryEngine, count: int, first: int = 0) -> int:
    """How many of the leads the files name from `first` on are contacts."""
    ids = [contact_id(f"wa:628110000{first + n:04d}") for n in range(count)]
    return len(engine.deps.contacts.contacts_by_ids(ids))


def test_a_class_start_written_for_more_than_the_limit_is_refused_until_confirmed(
    workspace: MemoryEngine,
) -> None:
    # Given class-reminder on, and a file of four new students starting class on 10 Dec
    class_reminder(workspace)
    text = students(["2026-12-10"] * 4)
    # When it is imported unconfirmed
    refusal = refused(workspace, text)
    # Then it is refused saying the rule, the four, the day they are reminded, and why
    assert (refusal.rule and refusal.rule.id, refusal.count, refusal.day) == (
        "class-reminder",
        4,
        date(2026, 12, 8),
    )
    assert (refusal.limit, refusal.complete) == (LIMIT, True)
    said = str(refusal)
    assert "'class reminder' message 4 contacts on 2026-12-08" in said
    assert "when their class_start comes round (limit 3)" in said
    assert "nothing was imported" in said
    # And nobody was written
    assert stored(workspace, 4) == 0
    # When it is confirmed
    report = imported(workspace, text, confirmed=True)
    # Then the four are created
    assert (report.created, stored(workspace, 4)) == (4, 4)


def test_dates_spread_over_days_kept_or_switched_off_do_not_add_up(
    workspace: MemoryEngine,
) -> None:
    # Given class-reminder on, and four students starting on two days, two each
    class_reminder(workspace)
    spread = students(["2026-12-10", "2026-12-10", "2026-12-11", "2026-12-11"])
    # When they are imported, then sent again unchanged (a nightly sync)
    first, again = imported(workspace, spread), imported(workspace, spread)
    # Then neither asks: two a day, then no date changed
    assert (first.created, again.updated) == (4, 4)
    # When the same four are all moved to one start
    moved = students(["2026-12-14"] * 4)
    # Then that is a crowd on the 12th
    refusal = refused(workspace, moved)
    assert (refusal.count, refusal.day) == (4, date(2026, 12, 12))
    # And with the rule off, the same file goes in unasked
    rules.deactivate(workspace.deps, "class-reminder", cancel_queued=False)
    assert imported(workspace, moved).updated == 4


def test_a_date_past_longer_than_the_lookback_is_no_crowd(workspace: MemoryEngine) -> None:
    # Given class-reminder on, and four students whose class started in October
    class_reminder(workspace)
    # When they are imported
    report = imported(workspace, students(["2026-10-01"] * 4))
    # Then nothing asks: a date past is not replayed
    assert report.created == 4


def test_a_date_already_come_is_no_crowd_for_a_reminder_before_it(
    workspace: MemoryEngine,
) -> None:
    # Given class-reminder on, two days before, and four students whose class started
    # today: their reminder's moment, Sunday 09:00, is within the lookback
    class_reminder(workspace)
    # When they are imported
    report = imported(workspace, students([TODAY.isoformat()] * 4))
    # Then nothing asks: the tick reminds no one of a class already started
    assert report.created == 4


def test_contacts_moved_into_a_welcomed_stage_are_a_crowd_created_ones_are_not(
    workspace: MemoryEngine,
) -> None:
    # Given a rule welcoming whoever enters "paid", and four leads at "new"
    running(workspace, "paid-welcome", trigger={"kind": "stage_entered", "stages": ["paid"]})
    assert imported(workspace, leads(4, "new")).created == 4
    # When a file moves the four to "paid"
    refusal = refused(workspace, leads(4, "paid"))
    # Then it is refused: four enter the stage today
    assert (refusal.count, refusal.day) == (4, TODAY)
    assert "as they enter its stage" in str(refusal)
    # And four new leads created at "paid" enter no stage: they go in unasked
    assert imported(workspace, leads(4, "paid", first=10)).created == 4


def test_an_opted_out_contact_is_not_counted(workspace: MemoryEngine) -> None:
    # Given a rule welcoming "paid", and four leads at "new", one of whom opted out
    running(workspace, "paid-welcome", trigger={"kind": "stage_entered", "stages": ["paid"]})
    imported(workspace, leads(4, "new"))
    stopped = contact_id("wa:6281100000000")
    now = workspace.deps.clock.now()
    update_contact(workspace.deps, stopped, lambda c: c.model_copy(update={"opted_out": True}), now)
    # When a file moves the four to "paid"
    report = imported(workspace, leads(4, "paid"))
    # Then three are messaged at most, within the limit: nothing asks
    assert report.updated == 4


def test_new_leads_an_idle_rule_reaches_a_day_later_are_a_crowd(workspace: MemoryEngine) -> None:
    # Given the idle rule (24 h quiet at "new") on
    running(workspace, "apply-remind-24h")
    # When four new leads are imported at "new"
    refusal = refused(workspace, leads(4, "new"))
    # Then they are refused: their silences all reach 24 h tomorrow
    assert (refusal.count, refusal.day) == (4, date(2026, 11, 25))
    assert "once their silence is long enough" in str(refusal)
    # And four at another stage go in unasked, as does a rename of known leads later
    assert imported(workspace, leads(4, "qualified", first=10)).created == 4
    rename = "\n".join(["wa_id,name"] + [f"62811000{10 + n:05d},Renamed" for n in range(4)])
    assert imported(workspace, rename).updated == 4


def test_a_check_that_cannot_read_every_row_in_time_asks(workspace: MemoryEngine) -> None:
    # Given the idle rule on, and two new leads at "new" in a file
    running(workspace, "apply-remind-24h")
    # When the check has time for one lead only
    refusal = refused(workspace, leads(2, "new"), check_time=lambda: False)
    # Then it asks, for the one read "or more"
    assert (refusal.count, refusal.complete) == (1, False)
    assert "1 contacts or more (the check could not read every row in time)" in str(refusal)
    assert stored(workspace, 2) == 0


def test_a_check_out_of_time_that_read_nobody_reached_asks_too(workspace: MemoryEngine) -> None:
    # Given the idle rule on, and a file whose first lead is at "qualified" and the second
    # at "new"
    running(workspace, "apply-remind-24h")
    text = "wa_id,name,stage\n6281100000000,Ayu,qualified\n6281100000001,Budi,new"
    # When the check has time for the first only
    refusal = refused(workspace, text, check_time=lambda: False)
    # Then it asks all the same: the rows left may be a crowd
    assert (refusal.rule, refusal.day, refusal.complete) == (None, None, False)
    assert "may have active rules message more than 3 contacts on one day" in str(refusal)


def test_each_part_of_a_long_file_is_checked_from_its_line(workspace: MemoryEngine) -> None:
    # Given the idle rule on, and a file of 150 new leads at "new" whose first part was
    # confirmed and written
    running(workspace, "apply-remind-24h")
    text = leads(CHUNK_ROWS + 50, "new")
    first = imported(workspace, text, confirmed=True, time_left=lambda: False)
    assert (first.created, first.next_line) == (CHUNK_ROWS, CHUNK_ROWS + 2)
    # When the next part is sent unconfirmed
    refusal = refused(workspace, text, from_line=first.next_line)
    # Then its own 50 leads are the crowd, and it writes nothing
    assert refusal.count == 50
    assert stored(workspace, CHUNK_ROWS + 50) == CHUNK_ROWS


def test_a_time_zone_set_for_students_already_there_moves_no_crowd(
    workspace: MemoryEngine,
) -> None:
    # Given four students starting class on 10 Dec, imported with confirmation
    class_reminder(workspace)
    assert imported(workspace, students(["2026-12-10"] * 4), confirmed=True).created == 4
    # When a file gives them another time zone, their dates unchanged
    zoned = "\n".join(
        ["wa_id,timezone,attr.class_start"]
        + [f"628110000{n:04d},Asia/Makassar,2026-12-10" for n in range(4)]
    )
    # Then it goes in unasked: the rule reaches the same four as before, an hour earlier
    assert imported(workspace, zoned).updated == 4


def test_the_dates_students_have_written_in_another_form_are_no_crowd(
    workspace: MemoryEngine,
) -> None:
    # Given five students starting on 10 Dec, imported with that confirmed
    class_reminder(workspace)
    assert imported(workspace, students(["2026-12-10"] * 5), confirmed=True).created == 5
    # When the CRM's next export writes the same dates with a time of day
    report = imported(workspace, students(["2026-12-10T00:00:00"] * 5))
    # Then it is imported unasked: the reminder messages no one it would not have
    assert report.updated == 5
