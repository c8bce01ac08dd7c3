"""Tests on a contact that rule conditions and journey branches share.

A condition tests one thing: a reply since the journey's last send, the stage, the score,
a tag, or a custom attribute compared as text, as a number or as a date; `not` negates one.
Date comparisons compare calendar days in the contact's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationInfo, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from followup.domain.contact import Contact, Score
from followup.domain.durations import Duration
from followup.domain.limits import Label, Labels
from followup.domain.localtime import to_utc
from followup.domain.stored import new_input

TESTS = ("replied", "stage", "score", "tag", "attribute", "not_")
"""The fields that name what a condition tests: exactly one is set."""

_COMPARING = ("op", "value", "type", "offset", "before")
"""The fields only an attribute test reads."""

MAX_NOT = 4
"""How deep `not` may nest in a new condition."""


def field_error(
    loc: tuple[str | int, ...], message: str, value: Any = None, code: str = "invalid"
) -> ValidationError:
    """A validation error on the field at `loc` (relative to the model raising it), with
    `code` as its stable type for an app to translate."""
    details = InitErrorDetails(type=PydanticCustomError(code, message), loc=loc, input=value)
    return ValidationError.from_exception_data("invalid", [details])


class Compare(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LTE = "lte"
    GT = "gt"
    GTE = "gte"
    EXISTS = "exists"


_ORDER = {Compare.LT, Compare.LTE, Compare.GT, Compare.GTE}


@dataclass(frozen=True)
class Facts:
    """What a condition is evaluated against besides the contact."""

    now: datetime
    zone: ZoneInfo
    since: datetime
    """Replies after this moment count (the journey's last send, else its start)."""


class Condition(BaseModel):
    """One test: `{"replied": true}`, `{"stage": ["paid"]}`, `{"score": ["hot"]}`,
    `{"tag": "vip"}`, `{"attribute": "rating", "op": "gte", "value": "4", "type": "number"}`,
    `{"not": {...}}`."""

    model_config = ConfigDict(
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        defer_build=True,
    )

    replied: StrictBool | None = Field(
        default=None, description="true: replied since the journey's last send; false: not"
    )
    stage: Labels | None = Field(default=None, description="the contact is in one of them")
    score: list[Score] | None = None
    tag: Label | None = Field(default=None, description="the contact has this tag, in any case")
    attribute: Label | None = None
    op: Compare = Compare.EQ
    value: str | None = Field(default=None, max_length=1000)
    type: Literal["text", "number", "date"] = "text"
    offset: Duration | None = Field(
        default=None, description="date type: compare with today plus (or minus) this"
    )
    before: StrictBool = Field(default=False, description="the offset goes back from today")
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _one_test(self, info: ValidationInfo) -> Condition:
        named = [name for name in TESTS if getattr(self, name) is not None]
        if len(named) != 1:
            raise PydanticCustomError(
                "condition_one",
                "a condition tests exactly one of replied, stage, score, tag, attribute, not",
            )
        if new_input(info):
            self._check_written(named[0])
        if self.attribute is not None:
            self._check_attribute()
        return self

    def _check_written(self, test: str) -> None:
        """A new test names what it tests, and sets only the fields it reads: a blank one
        would never hold, and a stray `op` would be dropped, matching the opposite of what
        was meant."""
        value = getattr(self, test)
        if test in ("tag", "attribute") and not value.strip():
            raise field_error((test,), f"names no {test}: write one", value, "blank_test")
        if test in ("stage", "score") and not value:
            raise field_error((test,), f"lists no {test}: name at least one", value, "blank_test")
        if test != "attribute":
            for name in _COMPARING:
                given = getattr(self, name)
                if given != type(self).model_fields[name].default:
                    raise field_error(
                        (name,),
                        f"{name} belongs to an attribute test; negate a test with not",
                        given,
                        "not_compared",
                    )
        if test == "not_" and self.nesting > MAX_NOT:
            raise field_error(("not",), f"not nests at most {MAX_NOT} deep", None, "too_deep")

    @property
    def nesting(self) -> int:
        """How many `not` this condition opens with."""
        return 1 + self.not_.nesting if self.not_ is not None else 0

    def _check_attribute(self) -> None:
        if self.op in _ORDER and self.type == "text":
            raise field_error(
                ("type",),
                f"{self.op.value} compares numbers or dates",
                self.type,
                "order_needs_number",
            )
        if self.op is Compare.EXISTS:
            return
        if self.type == "date":
            if (self.value is None) == (self.offset is None):
                raise field_error(("value",), "a date test takes a date value or an offset")
            if self.value is not None and parse_moment(self.value, ZoneInfo("UTC")) is None:
                raise field_error(("value",), "expected a date as YYYY-MM-DD", self.value)
            return
        if self.value is None:
            raise field_error(("value",), f"{self.op.value} needs a value")
        if self.type == "number" and _number(self.value) is None:
            raise field_error(("value",), "expected a number", self.value)

    def holds(self, contact: Contact, facts: Facts) -> bool:
        """Whether the contact passes this test."""
        if self.not_ is not None:
            return not self.not_.holds(contact, facts)
        if self.replied is not None:
            return contact.replied_since(facts.since) == self.replied
        if self.stage is not None:
            return contact.stage in self.stage
        if self.score is not None:
            return contact.score in self.score
        if self.tag is not None:
            return contact.has_tag(self.tag)
        return self._attribute_holds(contact, facts)

    def _attribute_holds(self, contact: Contact, facts: Facts) -> bool:
        found = contact.attributes.get(self.attribute or "")
        if self.op is Compare.EXISTS:
            return found is not None
        if found is None:
            return False
        if self.type == "number":
            return _compare(self.op, _number(found), _number(self.value or ""))
        if self.type == "date":
            return _compare(self.op, _day(found, facts.zone), self._reference_day(facts))
        return _compare(self.op, found, self.value)

    def _reference_day(self, facts: Facts) -> date | None:
        if self.value is not None:
            return _day(self.value, facts.zone)
        offset = self.offset or Duration.of(0, "days")
        moved = (
            offset.before(facts.now, facts.zone)
            if self.before
            else offset.after(facts.now, facts.zone)
        )
        return moved.astimezone(facts.zone).date()


def _compare(op: Compare, left: Any, right: Any) -> bool:
    """`left op right`; False when either side could not be read."""
    if left is None or right is None:
        return False
    if op is Compare.EQ:
        return bool(left == right)
    if op is Compare.NE:
        return bool(left != right)
    if op is Compare.LT:
        return bool(left < right)
    if op is Compare.LTE:
        return bool(left <= right)
    if op is Compare.GT:
        return bool(left > right)
    return bool(left >= right)


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_moment(text: str, zone: ZoneInfo) -> datetime | None:
    """An attribute read as a moment: a date is its local midnight, a time without an
    offset is local wall time; None when it is neither, or lies where no time zone can
    take it (a CRM's placeholder such as 0001-01-01 or 9999-12-31)."""
    try:
        return _moment(text, zone)
    except OverflowError:
        return None


def _moment(text: str, zone: ZoneInfo) -> datetime | None:
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        return to_utc(datetime.combine(day, time()), zone)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return to_utc(moment, zone)
    return moment


def moved_moment(text: str, offset: Duration, before: bool, zone: ZoneInfo) -> datetime | None:
    """The moment an attribute names moved by `offset` (back when `before`), or None when
    it names none. Days, weeks and months move the wall clock as written, so a day before
    a date whose midnight a DST gap skips is that earlier day's midnight; minutes and
    hours are elapsed time. None too for a moment moved out of the calendar's years."""
    moment = parse_moment(text, zone)
    if moment is None:
        return None
    try:
        return _moved(moment, text, offset, before, zone)
    except (OverflowError, ValueError):  # past year 9999: "9999-12-31" and a month
        return None


def _moved(moment: datetime, text: str, offset: Duration, before: bool, zone: ZoneInfo) -> datetime:
    if not offset.is_calendar or offset.amount == 0:
        return offset.before(moment, zone) if before else offset.after(moment, zone)
    text = text.strip()
    try:
        wall = datetime.combine(date.fromisoformat(text), time())
    except ValueError:
        wall = datetime.fromisoformat(text)
    if wall.tzinfo is not None:
        wall = wall.astimezone(zone).replace(tzinfo=None)
    return to_utc(offset.moved(wall, before=before), zone)


def _day(text: str, zone: ZoneInfo) -> date | None:
    moment = parse_moment(text, zone)
    try:
        return moment.astimezone(zone).date() if moment is not None else None
    except OverflowError:  # a moment with an offset of its own, past the years in `zone`
        return None


def all_hold(conditions: list[Condition], contact: Contact, facts: Facts) -> bool:
    return all(condition.holds(contact, facts) for condition in conditions)
