"""Conditions shared by rule filters and journey branches: each test and operator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from followup.domain.conditions import Condition, Facts
from followup.domain.contact import Score
from followup.domain.rule import Conditions
from followup.domain.stored import STORED
from tests.support.builders import contact_at

JAKARTA = ZoneInfo("Asia/Jakarta")
# Saturday 7 March 2026, 01:30 in Jakarta: still Friday the 6th (18:30) in UTC.
NOW = datetime(2026, 3, 6, 18, 30, tzinfo=UTC)
LAST_SEND = NOW - timedelta(hours=5)


def facts(zone: ZoneInfo = JAKARTA) -> Facts:
    return Facts(now=NOW, zone=zone, since=LAST_SEND)


def holds(condition: dict[str, Any], **contact: Any) -> bool:
    return Condition.model_validate(condition).holds(contact_at(NOW, **contact), facts())


def test_replied_since_the_last_send() -> None:
    assert holds({"replied": True}, last_inbound_at=LAST_SEND + timedelta(minutes=1))
    assert not holds({"replied": True}, last_inbound_at=LAST_SEND - timedelta(minutes=1))
    assert not holds({"replied": True})
    assert holds({"replied": False}, last_inbound_at=LAST_SEND - timedelta(minutes=1))


def test_stage_score_and_tag() -> None:
    assert holds({"stage": ["paid", "enrolled"]}, stage="paid")
    assert not holds({"stage": ["paid"]}, stage="new")
    assert holds({"score": ["hot"]}, score=Score.HOT)
    assert not holds({"score": ["hot", "warm"]}, score=Score.COLD)
    assert holds({"tag": "vip"}, tags=["vip", "webinar"])
    assert not holds({"tag": "vip"}, tags=["webinar"])


def test_a_tag_is_held_in_any_case() -> None:
    # A marketer writes the condition "vip"; the CRM imported the lead as "VIP"
    assert holds({"tag": "vip"}, tags=["VIP"])
    assert holds({"tag": "VIP"}, tags=["webinar", "Vip"])
    assert holds({"tag": "café"}, tags=["CAFE\u0301"])  # the accent typed as a mark
    assert not holds({"not": {"tag": "do-not-call"}}, tags=["Do-Not-Call"])
    assert not holds({"tag": "vip"}, tags=["vip-2027"])


def test_rule_tags_are_held_in_any_case() -> None:
    conditions = Conditions.model_validate({"tags": ["vip", "Webinar"]})
    assert conditions.hold(contact_at(NOW, tags=["WEBINAR", "VIP"]), NOW, JAKARTA)
    assert not conditions.hold(contact_at(NOW, tags=["VIP"]), NOW, JAKARTA)


def test_not_negates_any_test() -> None:
    assert holds({"not": {"tag": "vip"}}, tags=[])
    assert not holds({"not": {"tag": "vip"}}, tags=["vip"])
    assert holds({"not": {"not": {"stage": ["new"]}}}, stage="new")


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("eq", "MBA", True),
        ("eq", "mba", False),
        ("ne", "BBA", True),
        ("ne", "MBA", False),
    ],
)
def test_text_equality(op: str, value: str, expected: bool) -> None:
    condition = {"attribute": "program", "op": op, "value": value}
    assert holds(condition, attributes={"program": "MBA"}) is expected


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("lt", "4", False),
        ("lt", "4.5", True),
        ("lte", "4", True),
        ("lte", "3.9", False),
        ("gt", "3", True),
        ("gt", "4", False),
        ("gte", "4", True),
        ("gte", "10", False),
        ("eq", "4.0", True),
        ("ne", "4.0", False),
    ],
)
def test_numeric_comparisons_compare_numbers_not_text(op: str, value: str, expected: bool) -> None:
    condition = {"attribute": "rating", "op": op, "value": value, "type": "number"}
    assert holds(condition, attributes={"rating": "4"}) is expected


def test_a_number_test_on_text_that_is_no_number_does_not_hold() -> None:
    condition = {"attribute": "rating", "op": "gte", "value": "4", "type": "number"}
    assert not holds(condition, attributes={"rating": "great"})
    assert not holds(condition, attributes={})
    assert holds({"not": condition}, attributes={"rating": "great"})


def test_exists() -> None:
    assert holds({"attribute": "rating", "op": "exists"}, attributes={"rating": "1"})
    assert not holds({"attribute": "rating", "op": "exists"}, attributes={})


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("lt", "2026-03-08", True),
        ("lt", "2026-03-07", False),
        ("lte", "2026-03-07", True),
        ("eq", "2026-03-07", True),
        ("gt", "2026-03-06", True),
        ("gte", "2026-03-08", False),
    ],
)
def test_date_comparisons_on_calendar_days(op: str, value: str, expected: bool) -> None:
    # 2026-03-06T18:00:00+00:00 is already the 7th in Jakarta
    condition = {"attribute": "paid_at", "op": op, "value": value, "type": "date"}
    assert holds(condition, attributes={"paid_at": "2026-03-06T18:00:00+00:00"}) is expected


def test_date_compared_with_today_plus_or_minus_an_offset_in_the_contact_zone() -> None:
    # Today is the 7th in Jakarta: a renewal on the 14th is within 7 days, on the 15th not
    within_week = {
        "attribute": "renewal_date",
        "op": "lte",
        "type": "date",
        "offset": {"amount": 7, "unit": "days"},
    }
    assert holds(within_week, attributes={"renewal_date": "2026-03-14"})
    assert not holds(within_week, attributes={"renewal_date": "2026-03-15"})
    # In UTC today is still the 6th: the 14th is 8 days away
    utc_contact = contact_at(NOW, attributes={"renewal_date": "2026-03-14"})
    assert not Condition.model_validate(within_week).holds(utc_contact, facts(ZoneInfo("UTC")))
    sixty_days_ago = {
        "attribute": "last_booking_at",
        "op": "lt",
        "type": "date",
        "offset": {"amount": 60, "unit": "days"},
        "before": True,
    }
    assert holds(sixty_days_ago, attributes={"last_booking_at": "2026-01-05"})
    assert not holds(sixty_days_ago, attributes={"last_booking_at": "2026-01-06"})
    assert not holds(sixty_days_ago, attributes={"last_booking_at": "soon"})


@pytest.mark.parametrize(
    ("condition", "field"),
    [
        ({}, ""),
        ({"tag": "vip", "stage": ["new"]}, ""),
        ({"attribute": "rating", "op": "gte", "value": "4"}, "type"),
        ({"attribute": "rating", "op": "gte", "type": "number"}, "value"),
        ({"attribute": "rating", "op": "gte", "value": "four", "type": "number"}, "value"),
        ({"attribute": "due", "op": "lt", "value": "next week", "type": "date"}, "value"),
        ({"attribute": "due", "op": "lt", "type": "date"}, "value"),
        ({"not": {}}, "not"),
        ({"tag": ""}, "tag"),
        ({"tag": "   "}, "tag"),
        ({"stage": []}, "stage"),
        ({"score": []}, "score"),
        ({"attribute": " ", "op": "exists"}, "attribute"),
        ({"tag": "do-not-call", "op": "ne"}, "op"),
        ({"stage": ["paid"], "op": "ne"}, "op"),
        ({"score": ["hot"], "value": "no"}, "value"),
        ({"replied": True, "type": "number"}, "type"),
        ({"not": {"tag": "vip"}, "before": True}, "before"),
        ({"not": {"not": {"not": {"not": {"not": {"tag": "vip"}}}}}}, "not"),
    ],
)
def test_malformed_conditions_are_refused_naming_the_field(
    condition: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Condition.model_validate(condition)
    assert [".".join(map(str, e["loc"])) for e in refused.value.errors()] == [field]


def test_a_blank_test_stored_before_it_was_refused_still_reads_back() -> None:
    stored_tests: list[dict[str, Any]] = [{"tag": ""}, {"stage": []}, {"tag": "vip", "op": "ne"}]
    for stored in stored_tests:
        Condition.model_validate(stored, context=STORED)


def test_a_condition_read_back_with_every_field_saves_again() -> None:
    read = Condition.model_validate({"not": {"tag": "vip"}}).model_dump(mode="json")
    assert Condition.model_validate(read) == Condition.model_validate({"not": {"tag": "vip"}})


def test_rule_conditions_take_the_new_tests_and_keep_the_old_ones() -> None:
    conditions = Conditions.model_validate(
        {
            "scores": ["warm"],
            "match": [
                {"attribute": "rating", "op": "lt", "value": "3", "type": "number"},
                {"not": {"tag": "do-not-call"}},
            ],
        }
    )
    unhappy: dict[str, Any] = {"attributes": {"rating": "2"}, "score": Score.WARM}
    assert conditions.hold(contact_at(NOW, **unhappy), NOW, JAKARTA)
    assert not conditions.hold(contact_at(NOW, **unhappy, tags=["do-not-call"]), NOW, JAKARTA)
    assert not conditions.hold(contact_at(NOW, attributes={"rating": "4"}), NOW, JAKARTA)
    assert Conditions.model_validate({}).match == []


def test_a_condition_round_trips_with_not_as_its_key() -> None:
    condition = Condition.model_validate({"not": {"tag": "vip"}})
    dumped = condition.model_dump(mode="json", exclude_defaults=True)
    assert dumped == {"not": {"tag": "vip"}}
    assert Condition.model_validate(dumped) == condition
