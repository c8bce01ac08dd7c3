"""A date rule sends nothing the moment it is switched on, but its contacts' dates are all
its future: a class start shared by a whole intake is a mass send on that day. Switching
one on (or saving it active) asks for confirmation when the busiest day to come reaches
more leads than the workspace's mass-send limit, as an idle rule does for the leads it
enrolls at once; dates spread over days, past, or kept from the rule by its conditions
or an opt-out do not add up."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.errors import NotFound
from followup.domain.rule import Rule
from followup.services import preview as previewing
from followup.services import rules
from followup.services.contacts import update_contact, upsert
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import days_before, rule
from tests.support.numbers import TWO_NUMBERS, configured

LIMIT = 3


def class_reminder(**fields: Any) -> Rule:
    """Two days before `class_start`, at 09:00 on the student's clock; saved off."""
    trigger = days_before("class_start", 2, "09:00")
    return rule("class-reminder", **{"trigger": trigger, "exit": {}, "active": False, **fields})


@pytest.fixture
def students(engine: MemoryEngine) -> MemoryEngine:
    """A mass-send limit of three, and class-reminder saved off."""
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"mass_send_limit": LIMIT}))
    rules.create(engine.deps, class_reminder())
    return engine


def student(engine: MemoryEngine, n: int, starts: str, **attributes: str) -> Contact:
    changes = {
        "name": f"Student {n}",
        "timezone": "Asia/Jakarta",
        "attributes": {"class_start": starts, **attributes},
    }
    return upsert(engine.deps, f"62811000090{n:02d}", changes)[0]


def turned_on(engine: MemoryEngine) -> bool:
    return rules.current(engine.deps, "class-reminder").active


def test_a_class_start_shared_by_more_than_the_limit_asks_for_confirmation(
    students: MemoryEngine,
) -> None:
    # Given it is Tuesday 24 Nov: four students start class on 10 Dec (reminded on the
    # 8th), two on the 11th
    for n in range(4):
        student(students, n, "2026-12-10")
    for n in range(4, 6):
        student(students, n, "2026-12-11")
    # When marketing turns the reminder on without confirming, it is refused, saying how
    # many it would message on which day
    with pytest.raises(
        rules.MassSend,
        match=r"would message 4 contacts on 2026-12-08, when their class_start comes round "
        r"\(limit 3\)",
    ):
        rules.activate(students.deps, "class-reminder", confirmed=False)
    assert not turned_on(students)
    # And confirmed, it goes on
    rules.activate(students.deps, "class-reminder", confirmed=True)
    assert turned_on(students)


@pytest.mark.parametrize(
    ("starts", "why"),
    [
        (["2026-12-10", "2026-12-10", "2026-12-10", "2026-12-11", "2026-12-11"], "over days"),
        (["2026-11-20"] * 5, "past: not replayed"),
        (["2026-12-10"] * 3 + ["not a date", "2026-12-11"], "unreadable"),
    ],
)
def test_dates_spread_over_days_or_past_go_on_unconfirmed(
    students: MemoryEngine, starts: list[str], why: str
) -> None:
    for n, starts_on in enumerate(starts):
        student(students, n, starts_on)
    rules.activate(students.deps, "class-reminder", confirmed=False)
    assert turned_on(students), why


def test_leads_the_conditions_or_an_opt_out_keep_from_the_rule_do_not_count(
    students: MemoryEngine,
) -> None:
    # Given five students starting on the 10th: one in the evening intake, four in the
    # morning one, of whom one opted out
    for n in range(4):
        student(students, n, "2026-12-10", intake="evening" if n == 0 else "morning")
    gone = student(students, 4, "2026-12-10", intake="morning")
    update_contact(
        students.deps, gone.id, lambda c: c.model_copy(update={"opted_out": True}), gone.created_at
    )
    # When the reminder, for the morning intake only, is saved active unconfirmed
    morning = class_reminder(active=True, conditions={"attributes": {"intake": "morning"}})
    saved = rules.update(students.deps, "class-reminder", morning)[0]
    # Then it is on: three morning students are left, at the limit
    assert saved.active


def test_an_edit_of_an_active_date_rule_asks_again_only_when_it_reaches_other_leads(
    students: MemoryEngine,
) -> None:
    # Given the reminder on, confirmed, for the five students starting on the 10th
    for n in range(5):
        student(students, n, "2026-12-10")
    rules.activate(students.deps, "class-reminder", confirmed=True)
    # When its message is edited, it saves unconfirmed: the same leads on the same day
    step = class_reminder().steps[0].model_dump() | {"text": "Class starts in two days!"}
    reworded = class_reminder(active=True, steps=[step])
    assert rules.update(students.deps, "class-reminder", reworded)[0].version == 2
    # But moved to the day before, it asks again: a new day's mass send
    trigger = {**reworded.trigger.model_dump(), "offset": {"amount": 1, "unit": "days"}}
    with pytest.raises(rules.MassSend, match=r"5 contacts on 2026-12-09"):
        rules.update(students.deps, "class-reminder", class_reminder(active=True, trigger=trigger))
    assert rules.current(students.deps, "class-reminder").version == 2


def test_a_new_date_rule_saved_active_is_checked_too(students: MemoryEngine) -> None:
    for n in range(4):
        student(students, n, "2026-12-10")
    with pytest.raises(rules.MassSend, match=r"4 contacts on 2026-12-08"):
        rules.create(students.deps, class_reminder(active=True).model_copy(update={"id": "new"}))
    assert rules.current(students.deps, "class-reminder").version == 1
    with pytest.raises(NotFound):
        rules.current(students.deps, "new")


@pytest.mark.parametrize(
    ("starts", "said"),
    [
        ("2026-12-10", r"1 contacts or more \(the check could not read every lead in time\) on "),
        ("not a date", r"may message more than 3 contacts on one day, .*: the check could not"),
    ],
)
def test_a_funnel_too_large_to_read_in_time_asks_for_confirmation(
    students: MemoryEngine, monkeypatch: pytest.MonkeyPatch, starts: str, said: str
) -> None:
    # Given one student, and a check with no time past the first page
    student(students, 0, starts)
    monkeypatch.setattr(previewing, "READ_TIME", 0.0)
    # When the reminder is turned on unconfirmed, it is refused, saying it could not count
    with pytest.raises(rules.MassSend, match=said):
        rules.activate(students.deps, "class-reminder", confirmed=False)
    assert not turned_on(students)
    rules.activate(students.deps, "class-reminder", confirmed=True)
    assert turned_on(students)


def test_leads_talking_to_a_number_the_rule_does_not_send_from_do_not_count() -> None:
    # Given two numbers, the reminder sending from the first, and five students starting on
    # the 10th: two talking to the first number, three to the second
    first, second = (n["phone_number_id"] for n in TWO_NUMBERS)
    with memory_engine(TUESDAY_9AM_JAKARTA, configured(TWO_NUMBERS)) as engine:
        settings = engine.deps.rules.settings()
        engine.deps.rules.save_settings(settings.model_copy(update={"mass_send_limit": LIMIT}))
        rules.create(engine.deps, class_reminder(numbers=[first]))
        for n in range(5):
            added = student(engine, n, "2026-12-10")
            tied = {"phone_number_id": first if n < 2 else second}
            update_contact(
                engine.deps, added.id, partial(Contact.model_copy, update=tied), added.created_at
            )
        # When it is turned on unconfirmed, it goes on: two leads on the 10th
        rules.activate(engine.deps, "class-reminder", confirmed=False)
        assert turned_on(engine)


def test_a_rule_turned_on_again_while_on_is_answered_as_it_is(students: MemoryEngine) -> None:
    # Given the reminder turned on, confirmed, over a class start shared by four
    for n in range(4):
        student(students, n, "2026-12-10")
    rules.activate(students.deps, "class-reminder", confirmed=True)
    # When the switch is sent again (a second click, a retry), unconfirmed
    again = rules.activate(students.deps, "class-reminder", confirmed=False)
    # Then it answers the rule as it is, asking nothing
    assert (again.rule.active, again.switched) == (True, False)
