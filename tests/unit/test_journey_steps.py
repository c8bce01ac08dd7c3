"""Journey steps: how each kind validates, when each wait ends, and where branches lead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.journey import Exit, next_time_of_day, wait_ends
from followup.domain.rule import Rule, Step, WaitStep
from followup.domain.stored import STORED
from tests.support.builders import contact_at

JAKARTA = ZoneInfo("Asia/Jakarta")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
LISBON = ZoneInfo("Europe/Lisbon")
# Tuesday 24 Nov 2026, 09:00 in Jakarta
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SEND = {"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi"}


def journey(*steps: dict[str, Any]) -> Rule:
    return Rule.model_validate(
        {
            "id": "journey",
            "name": "journey",
            "trigger": {"idle": {"amount": 1, "unit": "days"}},
            "steps": list(steps),
        }
    )


def wait(**fields: Any) -> WaitStep:
    return WaitStep.model_validate({"kind": "wait", **fields})


def local(at: datetime | Exit, zone: ZoneInfo) -> str:
    assert isinstance(at, datetime)
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")


# --- kinds --------------------------------------------------------------------------------------


def test_a_step_without_kind_is_a_send_step_as_rules_were_stored_before() -> None:
    stored = journey(SEND).model_dump(mode="json")
    del stored["steps"][0]["kind"]
    loaded = Rule.model_validate(stored, context=STORED)
    assert isinstance(loaded.steps[0], Step)
    assert loaded.steps[0].kind == "send"


def test_every_kind_round_trips_with_its_json_keys() -> None:
    rule = journey(
        {"kind": "wait", "for": {"amount": 2, "unit": "hours"}},
        SEND,
        {"kind": "branch", "if": {"not": {"replied": True}}, "then": 4, "else": 3},
        {"kind": "action", "do": "add_tag", "tag": "urgent"},
        {"kind": "action", "do": "close_conversation"},
    )
    dumped = rule.model_dump(mode="json")
    assert dumped["steps"][0]["for"] == {"amount": 2, "unit": "hours"}
    assert dumped["steps"][2]["if"]["not"]["replied"] is True
    assert (dumped["steps"][2]["then"], dumped["steps"][2]["else"]) == (4, 3)
    assert Rule.model_validate(dumped) == rule
    assert rule.total_sends == 1


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"kind": "wait"}, "steps.1"),
        ({"kind": "wait", "for": {"amount": 1, "unit": "days"}, "until_time": "10:00"}, "steps.1"),
        ({"kind": "wait", "until_time": "25:00"}, "steps.1.until_time"),
        ({"kind": "wait", "for": {"amount": -1, "unit": "days"}}, "steps.1.for.amount"),
        ({"kind": "wait", "until_time": "10:00", "offset": {"amount": 1, "unit": "days"}},
         "steps.1.offset"),
        ({"kind": "action", "do": "add_tag"}, "steps.1.tag"),
        ({"kind": "action", "do": "set_stage"}, "steps.1.stage"),
        ({"kind": "action", "do": "set_attribute", "attribute": "x"}, "steps.1.value"),
        ({"kind": "action", "do": "launch_rocket"}, "steps.1.do"),
        ({"kind": "teleport"}, "steps.1.kind"),
        ({"kind": "branch", "if": {"tag": "vip"}, "then": 0}, "steps.1.then"),
        ({"kind": "branch", "if": {"tag": "vip"}, "then": 1}, "steps.1.then"),
        ({"kind": "branch", "if": {"tag": "vip"}, "then": 4}, "steps.1.then"),
        ({"kind": "branch", "if": {"tag": "vip"}, "then": 2, "else": 1}, "steps.1.else"),
        ({"kind": "branch", "then": 2, "else": 3}, "steps.1.else"),
        ({"kind": "branch", "if": {"attribute": "rating", "op": "gt", "value": "4"}, "then": 2},
         "steps.1.if.type"),
    ],
)  # fmt: skip
def test_a_bad_step_is_refused_naming_its_field(step: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        journey(SEND, step, SEND)
    assert [".".join(map(str, e["loc"])) for e in refused.value.errors()] == [field]


def test_a_branch_may_jump_to_the_end() -> None:
    rule = journey(SEND, {"kind": "branch", "if": {"tag": "vip"}, "then": 3}, SEND)
    assert rule.steps[1].kind == "branch"


# --- waits --------------------------------------------------------------------------------------


def test_wait_for_a_duration_follows_the_local_calendar() -> None:
    start = datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 09:00 Lisbon, the day before DST
    ends = wait_ends(wait(**{"for": {"amount": 1, "unit": "days"}}), start, contact_at(NOW), LISBON)
    assert local(ends, LISBON) == "2026-03-29 09:00 +0100"
    hours = wait(**{"for": {"amount": 24, "unit": "hours"}})
    assert (
        local(wait_ends(hours, start, contact_at(NOW), LISBON), LISBON) == "2026-03-29 10:00 +0100"
    )


@pytest.mark.parametrize(
    ("start_local", "expected"),
    [
        ("2026-11-24 09:00", "2026-11-24 10:00 +0700"),
        ("2026-11-24 10:00", "2026-11-24 10:00 +0700"),
        ("2026-11-24 10:01", "2026-11-25 10:00 +0700"),
        ("2026-11-24 23:30", "2026-11-25 10:00 +0700"),
    ],
)
def test_wait_until_a_time_of_day_in_jakarta(start_local: str, expected: str) -> None:
    start = datetime.fromisoformat(start_local).replace(tzinfo=JAKARTA)
    assert local(next_time_of_day(start, "10:00", JAKARTA), JAKARTA) == expected


def test_wait_until_a_time_of_day_across_lisbon_dst() -> None:
    # 29 March 2026: 01:00 jumps to 02:00; 10:00 is then UTC+1
    start = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    found = next_time_of_day(start, "10:00", LISBON)
    assert local(found, LISBON) == "2026-03-29 10:00 +0100"
    assert found == datetime(2026, 3, 29, 9, 0, tzinfo=UTC)
    # A time the clocks skip is the moment they jumped past it
    skipped = next_time_of_day(start, "01:30", LISBON)
    assert local(skipped, LISBON) == "2026-03-29 02:30 +0100"


def test_wait_until_midnight_across_sao_paulos_old_dst() -> None:
    # 4 Nov 2018: São Paulo's clocks went from 00:00 to 01:00
    start = datetime(2018, 11, 3, 12, 0, tzinfo=UTC)
    found = next_time_of_day(start, "00:00", SAO_PAULO)
    assert local(found, SAO_PAULO) == "2018-11-04 01:00 -0200"


def renewal(**fields: Any) -> WaitStep:
    return wait(until_attribute="renewal_date", **fields)


SEVEN_DAYS = {"amount": 7, "unit": "days"}


def test_wait_until_seven_days_before_a_date_attribute_at_local_midnight() -> None:
    contact = contact_at(NOW, attributes={"renewal_date": "2026-12-10"})
    ends = wait_ends(renewal(offset=SEVEN_DAYS, before=True), NOW, contact, JAKARTA)
    assert local(ends, JAKARTA) == "2026-12-03 00:00 +0700"
    after = wait_ends(renewal(offset=SEVEN_DAYS), NOW, contact, JAKARTA)
    assert local(after, JAKARTA) == "2026-12-17 00:00 +0700"
    on_the_day = wait_ends(renewal(), NOW, contact, SAO_PAULO)
    assert local(on_the_day, SAO_PAULO) == "2026-12-10 00:00 -0300"


def test_wait_until_a_datetime_attribute_keeps_its_offset_or_reads_local_time() -> None:
    aware = contact_at(NOW, attributes={"renewal_date": "2026-12-10T15:00:00+00:00"})
    assert wait_ends(renewal(), NOW, aware, JAKARTA) == datetime(2026, 12, 10, 15, tzinfo=UTC)
    naive = contact_at(NOW, attributes={"renewal_date": "2026-12-10T15:00"})
    assert local(wait_ends(renewal(), NOW, naive, JAKARTA), JAKARTA) == "2026-12-10 15:00 +0700"


def test_a_wait_whose_moment_passed_goes_on_at_once_unless_the_date_itself_passed() -> None:
    soon = contact_at(NOW, attributes={"renewal_date": "2026-11-27"})
    assert wait_ends(renewal(offset=SEVEN_DAYS, before=True), NOW, soon, JAKARTA) == NOW
    gone = contact_at(NOW, attributes={"renewal_date": "2026-11-01"})
    assert wait_ends(renewal(offset=SEVEN_DAYS, before=True), NOW, gone, JAKARTA) == Exit(
        "attribute_passed:renewal_date"
    )
    assert wait_ends(renewal(), NOW, gone, JAKARTA) == NOW


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({}, "attribute_missing:renewal_date"),
        ({"renewal_date": "soon"}, "attribute_invalid:renewal_date"),
    ],
)
def test_a_missing_or_unreadable_attribute_ends_the_journey(
    attributes: dict[str, str], reason: str
) -> None:
    contact = contact_at(NOW, attributes=attributes)
    assert wait_ends(renewal(), NOW, contact, JAKARTA) == Exit(reason)
    rule = journey(SEND, {"kind": "wait", "until_attribute": "renewal_date"}, SEND)
    moved = enrolled(rule).arrive(rule, 1, NOW, contact, JAKARTA)
    assert (moved.state, moved.exit_reason, moved.next_due_at) == (
        EnrollmentState.EXITED,
        reason,
        None,
    )


# --- walking ------------------------------------------------------------------------------------


def enrolled(rule: Rule, **fields: Any) -> Enrollment:
    return Enrollment(
        id="e-1",
        rule_id=rule.id,
        rule_version=1,
        contact_id="c-1",
        silence_key=NOW.isoformat(),
        enrolled_at=NOW - timedelta(days=1),
        **fields,
    )


def test_a_branch_follows_then_or_else_on_replies_since_the_last_send() -> None:
    rule = journey(
        SEND,
        {"kind": "branch", "if": {"replied": True}, "then": 3, "else": 2},
        SEND,
        SEND,
    )
    at_branch = enrolled(rule, step_index=1, next_due_at=NOW, last_sent_at=NOW - timedelta(hours=3))
    replied = contact_at(NOW, last_inbound_at=NOW - timedelta(hours=1))
    silent = contact_at(NOW, last_inbound_at=NOW - timedelta(hours=4))
    assert at_branch.passed(rule, replied, JAKARTA, NOW).step_index == 3
    assert at_branch.passed(rule, silent, JAKARTA, NOW).step_index == 2


def test_a_jump_to_the_end_completes_and_a_wait_times_its_successor_from_its_end() -> None:
    rule = journey(
        {"kind": "wait", "for": {"amount": 2, "unit": "hours"}},
        {"wait": {"amount": 30, "unit": "minutes"}, "text": "Hi"},
        {"kind": "branch", "then": 3},
    )
    waited = enrolled(rule, step_index=0, next_due_at=NOW)
    moved = waited.passed(rule, contact_at(NOW), JAKARTA, NOW + timedelta(hours=1))
    assert (moved.step_index, moved.next_due_at) == (1, NOW + timedelta(minutes=30))
    done = enrolled(rule, step_index=2, next_due_at=NOW).passed(rule, contact_at(NOW), JAKARTA, NOW)
    assert (done.state, done.exit_reason) == (EnrollmentState.COMPLETED, "sequence_done")


@pytest.mark.parametrize(
    ("written", "offset", "before"),
    [
        ("9999-12-31", {"amount": 1, "unit": "months"}, False),
        ("9999-12-31T23:59:59-03:00", SEVEN_DAYS, True),
        ("9999-12-31T23:59:59-03:00", {"amount": 0, "unit": "days"}, True),
    ],
)
def test_a_date_out_of_the_calendars_years_ends_the_journey_as_unreadable(
    written: str, offset: dict[str, Any], before: bool
) -> None:
    # A CRM's "no date" placeholder, moved a month on or read in UTC, is past year 9999:
    # the wait neither ends at once nor waits for it
    contact = contact_at(NOW, attributes={"renewal_date": written})
    ends = wait_ends(renewal(offset=offset, before=before), NOW, contact, JAKARTA)
    assert ends == Exit("attribute_invalid:renewal_date")
