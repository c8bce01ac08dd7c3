"""Rules as users write them: what is refused, whom a trigger matches, which conditions hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from followup.domain.contact import Contact, Score, Speaker
from followup.domain.durations import Duration
from followup.domain.rule import (
    Conditions,
    IdleTrigger,
    LastSpeaker,
    Rule,
    Step,
    TemplateParam,
    TemplateRef,
    field_path,
)
from followup.domain.settings import WorkspaceSettings
from followup.domain.stored import STORED
from tests.support.builders import contact_at

NOW = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
TWO_DAYS = Duration.of(2, "days")
JAKARTA = ZoneInfo("Asia/Jakarta")


def a_contact(**overrides: object) -> Contact:
    return contact_at(NOW, **overrides)


def a_rule(**overrides: Any) -> Rule:
    fields: dict[str, Any] = {
        "id": "welcome-back",
        "name": "Welcome back",
        "trigger": {"idle": {"amount": 2, "unit": "days"}},
        "steps": [{"wait": {"amount": 0, "unit": "hours"}, "text": "Hi {first_name|there}"}],
    }
    fields.update(overrides)
    return Rule.model_validate(fields)


# --- validation -----------------------------------------------------------------------------


def test_a_well_formed_rule_is_accepted() -> None:
    rule = a_rule()
    assert rule.id == "welcome-back"
    assert rule.total_sends == 1


@pytest.mark.parametrize("text", [None, ""])
def test_step_with_neither_text_nor_template_is_refused(text: str | None) -> None:
    # Given a step that would have nothing to send / Then it is refused
    with pytest.raises(ValidationError, match="free text, a template, or both"):
        Step(wait=TWO_DAYS, text=text)


def test_step_with_only_a_template_is_accepted() -> None:
    step = Step(wait=TWO_DAYS, template=TemplateRef(name="nudge", language="id"))
    assert step.text is None


def test_negative_wait_is_refused() -> None:
    with pytest.raises(ValidationError):
        a_rule(steps=[{"wait": {"amount": -1, "unit": "hours"}, "text": "Hi"}])


def test_rule_without_steps_is_refused() -> None:
    with pytest.raises(ValidationError):
        a_rule(steps=[])


@pytest.mark.parametrize(
    "trigger",
    [
        {"idle": {"amount": 1, "unit": "months"}},
        {"idle": {"amount": 2, "unit": "days"}, "max_idle": {"amount": 1, "unit": "months"}},
    ],
)
def test_months_in_an_idle_trigger_are_refused(trigger: dict[str, Any]) -> None:
    # Given an idle time in months (not a fixed elapsed time) / Then the rule is refused
    with pytest.raises(ValidationError, match="elapsed time"):
        a_rule(trigger=trigger)


@pytest.mark.parametrize(
    "max_idle", [{"amount": 2, "unit": "days"}, {"amount": 47, "unit": "hours"}]
)
def test_max_idle_not_longer_than_idle_is_refused(max_idle: dict[str, Any]) -> None:
    # Given idle 2 days and a max_idle of 2 days or less / Then the rule is refused
    with pytest.raises(ValidationError, match="max_idle must be longer than idle"):
        a_rule(trigger={"idle": {"amount": 2, "unit": "days"}, "max_idle": max_idle})


def test_max_idle_longer_than_idle_sets_the_lookback() -> None:
    rule = a_rule(
        trigger={"idle": {"amount": 2, "unit": "days"}, "max_idle": {"amount": 1, "unit": "weeks"}}
    )
    assert rule.lookback(timedelta(days=99)) == timedelta(days=5)


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"field": "name", "text": "Siti"}, True),
        ({}, True),
        ({"field": "attributes.program", "default": "our programme"}, False),
        ({"text": "Jakarta Campus"}, False),
    ],
)
def test_template_param_takes_a_field_or_a_fixed_text_not_both(
    fields: dict[str, str], refused: bool
) -> None:
    if refused:
        with pytest.raises(ValidationError, match="either a contact field or a fixed text"):
            TemplateParam(**fields)
    else:
        TemplateParam(**fields)


@pytest.mark.parametrize(
    "rule_id", ["Welcome", "welcome back", "welcome_back", "-welcome", "", "x" * 65, "abc\n"]
)
def test_rule_ids_must_be_lowercase_slugs(rule_id: str) -> None:
    with pytest.raises(ValidationError):
        a_rule(id=rule_id)


@pytest.mark.parametrize("rule_id", ["welcome-back", "a", "7-day-nudge", "x" * 64])
def test_lowercase_slug_rule_ids_are_accepted(rule_id: str) -> None:
    assert a_rule(id=rule_id).id == rule_id


# --- what cannot work is refused, naming the field ----------------------------------------

TOO_LONG = {"amount": 100_000, "unit": "months"}
NO_TIME = {"amount": 59, "unit": "minutes"}
MONTHS_25 = {"amount": 25, "unit": "months"}
DAYS_800 = {"amount": 800, "unit": "days"}
WAIT = {"wait": {"amount": 0, "unit": "hours"}, "text": "Hi"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"steps": [{**WAIT, "wait": TOO_LONG}]}, "steps.0.wait"),
        (
            {"steps": [{**WAIT, "repeat": {"every": MONTHS_25, "times": 1}}]},
            "steps.0.repeat.every",
        ),
        ({"trigger": {"idle": {"amount": 105, "unit": "weeks"}}}, "trigger.idle"),
        (
            {"trigger": {"idle": TWO_DAYS.model_dump(), "max_idle": DAYS_800}},
            "trigger.max_idle",
        ),
        (
            {"conditions": {"no_agent_message_within": {"amount": 17_545, "unit": "hours"}}},
            "conditions.no_agent_message_within",
        ),
    ],
)
def test_durations_beyond_two_years_are_refused_by_field(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError, match="two years") as refused:
        a_rule(**overrides)
    assert [field_path(e["loc"]) for e in refused.value.errors()] == [field]


@pytest.mark.parametrize(
    "duration", [Duration.of(24, "months"), Duration.of(104, "weeks"), Duration.of(731, "days")]
)
def test_two_years_is_still_accepted(duration: Duration) -> None:
    assert a_rule(steps=[{**WAIT, "wait": duration.model_dump()}]).send_step(0).wait == duration


@pytest.mark.parametrize(
    "window",
    [
        {"hours": {}},
        {"hours": {"mon": []}},
        {"hours": {"sat": [{"start": "08:00", "end": "17:00"}]}, "blackout_days": ["sat"]},
    ],
)
def test_a_rule_window_that_never_opens_is_refused(window: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="never opens") as refused:
        a_rule(send_window=window)
    assert [e["loc"] for e in refused.value.errors()] == [("send_window",)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"send_window": {"hours": {}}}, ("send_window",)),
        ({"trigger_lookback": TOO_LONG}, ("trigger_lookback",)),
        ({"expire_after": TOO_LONG}, ("expire_after",)),
        ({"attribution_window": TOO_LONG}, ("attribution_window",)),
        ({"gating": {"frequency_cap": {"per": TOO_LONG}}}, ("gating", "frequency_cap", "per")),
        ({"stages": []}, ("stages",)),
        ({"trigger_lookback": NO_TIME}, ("trigger_lookback",)),
        ({"expire_after": NO_TIME}, ("expire_after",)),
        ({"gating": {"frequency_cap": {"per": NO_TIME}}}, ("gating", "frequency_cap", "per")),
        ({"opt_out_keywords": ["cukup", "!!"]}, ("opt_out_keywords",)),
        ({"opt_out_keywords": ["Sudah cukup", "sudah  CUKUP!"]}, ("opt_out_keywords",)),
        ({"opt_out_keywords": [f"k{n}" for n in range(51)]}, ("opt_out_keywords",)),
    ],
)
def test_settings_that_cannot_work_are_refused_by_field(
    overrides: dict[str, Any], field: tuple[object, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        WorkspaceSettings.model_validate(overrides)
    assert [e["loc"] for e in refused.value.errors()] == [field]


def test_what_was_stored_before_these_checks_still_reads_back() -> None:
    # Given a rule and settings saved before the bounds existed
    stored_rule = {
        "id": "old",
        "name": "Old",
        "trigger": {"idle": TWO_DAYS.model_dump()},
        "steps": [{**WAIT, "wait": TOO_LONG}],
        "send_window": {"hours": {}},
    }
    stored_settings = {
        "stages": [],
        "send_window": {"hours": {}},
        "expire_after": TOO_LONG,
        "trigger_lookback": {"amount": 0, "unit": "hours"},
        "gating": {"frequency_cap": {"per": {"amount": 0, "unit": "hours"}}},
        "opt_out_keywords": ["", "Cukup", "cukup"],
    }

    # When they are read back from the store / Then they load as they were
    rule = Rule.model_validate(stored_rule, context=STORED)
    settings = WorkspaceSettings.model_validate(stored_settings, context=STORED)
    assert (rule.send_step(0).wait.amount, rule.send_window and rule.send_window.hours) == (
        100_000,
        {},
    )
    assert (settings.stages, settings.expire_after.amount) == ([], 100_000)
    assert (settings.trigger_lookback.amount, settings.gating.frequency_cap.per.amount) == (0, 0)
    assert settings.opt_out_keywords == ["", "Cukup", "cukup"]


# --- IdleTrigger.matches --------------------------------------------------------------------


def test_trigger_without_stages_matches_any_stage() -> None:
    trigger = IdleTrigger(idle=TWO_DAYS)
    assert trigger.matches(a_contact(stage="new"))
    assert trigger.matches(a_contact(stage="paid"))


def test_trigger_matches_only_its_stages() -> None:
    # Given a trigger for qualified and applied leads
    trigger = IdleTrigger(idle=TWO_DAYS, stages=["qualified", "applied"])

    # Then a qualified lead matches, a new one does not
    assert trigger.matches(a_contact(stage="qualified"))
    assert not trigger.matches(a_contact(stage="new"))


def test_closed_conversations_are_excluded_unless_included() -> None:
    # Given a contact whose conversation was closed by an agent
    closed = a_contact(conversation_open=False)

    # Then a default trigger ignores them and one with include_closed reaches them
    assert not IdleTrigger(idle=TWO_DAYS).matches(closed)
    assert IdleTrigger(idle=TWO_DAYS, include_closed=True).matches(closed)


@pytest.mark.parametrize(
    ("wanted", "actual", "matches"),
    [
        (LastSpeaker.ANY, None, True),
        (LastSpeaker.ANY, Speaker.AGENT, True),
        (LastSpeaker.CONTACT, Speaker.CONTACT, True),
        (LastSpeaker.CONTACT, Speaker.AGENT, False),
        (LastSpeaker.AGENT, Speaker.AGENT, True),
        (LastSpeaker.AGENT, Speaker.SYSTEM, False),
        (LastSpeaker.SYSTEM, Speaker.SYSTEM, True),
        (LastSpeaker.CONTACT, None, False),
    ],
)
def test_trigger_can_require_who_spoke_last(
    wanted: LastSpeaker, actual: Speaker | None, matches: bool
) -> None:
    # Given e.g. "the lead went quiet after our agent asked something" (last speaker: agent)
    trigger = IdleTrigger(idle=TWO_DAYS, last_speaker=wanted)

    # Then only contacts whose last message came from that side match
    assert trigger.matches(a_contact(last_speaker=actual)) is matches


# --- Conditions.hold ------------------------------------------------------------------------


def test_empty_conditions_hold_for_everyone() -> None:
    assert Conditions().hold(a_contact(), NOW, JAKARTA)


def test_score_condition_holds_only_for_listed_scores() -> None:
    conditions = Conditions(scores=[Score.WARM, Score.COLD])
    assert conditions.hold(a_contact(score=Score.WARM), NOW, JAKARTA)
    assert not conditions.hold(a_contact(score=Score.HOT), NOW, JAKARTA)


def test_tag_condition_needs_all_tags() -> None:
    # Given a rule for contacts tagged both "webinar" and "scholarship"
    conditions = Conditions(tags=["webinar", "scholarship"])

    # Then a contact with both (and more) qualifies, one with only one does not
    assert conditions.hold(a_contact(tags=["scholarship", "vip", "webinar"]), NOW, JAKARTA)
    assert not conditions.hold(a_contact(tags=["webinar"]), NOW, JAKARTA)


def test_attribute_condition_needs_equal_values() -> None:
    conditions = Conditions(attributes={"program": "MBA"})
    assert conditions.hold(
        a_contact(attributes={"program": "MBA", "city": "Bandung"}), NOW, JAKARTA
    )
    assert not conditions.hold(a_contact(attributes={"program": "mba"}), NOW, JAKARTA)
    assert not conditions.hold(a_contact(attributes={}), NOW, JAKARTA)


@pytest.mark.parametrize(
    ("agent_wrote_ago", "holds"),
    [
        (None, True),
        (timedelta(hours=1), False),
        (timedelta(hours=23, minutes=59), False),
        (timedelta(hours=24), True),
        (timedelta(days=3), True),
    ],
)
def test_no_agent_message_within_a_period(agent_wrote_ago: timedelta | None, holds: bool) -> None:
    # Given "no agent message within 1 day" and an agent who wrote some time ago (or never)
    conditions = Conditions(no_agent_message_within=Duration.of(1, "days"))
    last_agent = None if agent_wrote_ago is None else NOW - agent_wrote_ago

    # Then the automation stays out of a conversation a person is handling
    assert conditions.hold(a_contact(last_agent_at=last_agent), NOW, JAKARTA) is holds


def test_all_conditions_must_hold_together() -> None:
    conditions = Conditions(
        scores=[Score.WARM],
        tags=["webinar"],
        no_agent_message_within=Duration.of(1, "days"),
    )
    good = {"score": Score.WARM, "tags": ["webinar"], "last_agent_at": NOW - timedelta(days=2)}
    assert conditions.hold(a_contact(**good), NOW, JAKARTA)
    assert not conditions.hold(a_contact(**{**good, "score": Score.COLD}), NOW, JAKARTA)
    assert not conditions.hold(a_contact(**{**good, "tags": []}), NOW, JAKARTA)
    assert not conditions.hold(a_contact(**{**good, "last_agent_at": NOW}), NOW, JAKARTA)
