"""A journey's goal and exits end it; its re-entry policy says whether a contact who was in it
may start it again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from followup.domain.enrollment import Enrollment, EnrollmentState, reentry_refused
from followup.domain.followup import Reason
from followup.domain.journey import Stop, event_ends, must_stop
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from tests.support.builders import contact_at, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=JAKARTA)
SILENCE = (NOW - timedelta(days=2)).astimezone(UTC).isoformat()
GOAL_RULE = rule(
    goal={"stages": ["paid"], "events": ["booking_completed"]},
    exit={"stages": ["applied", "paid"], "events": ["booking_cancelled"]},
)


def stop(stage: str, of: Rule = GOAL_RULE) -> Stop | None:
    contact = contact_at(NOW, stage=stage, last_inbound_at=NOW - timedelta(days=2))
    return must_stop(contact, of, SILENCE, WorkspaceSettings(), NOW)


# --- goals and exits -----------------------------------------------------------------------


def test_a_goal_stage_ends_the_journey_as_a_goal_even_when_it_is_an_exit_stage_too() -> None:
    assert stop("paid") == Stop(Reason.GOAL, gated=False)


def test_an_exit_stage_that_is_no_goal_still_exits() -> None:
    assert stop("applied") == Stop(Reason.EXIT_STAGE, gated=False)


def test_a_goal_stage_alone_ends_the_journey() -> None:
    assert stop("paid", rule(goal={"stages": ["paid"]}, exit={"stages": []})) == Stop(
        Reason.GOAL, gated=False
    )


def test_a_stage_the_rule_does_not_name_goes_on() -> None:
    assert stop("new") is None


def test_goal_and_exit_events_end_the_journey_each_with_its_reason() -> None:
    assert event_ends(GOAL_RULE, "booking_completed") is Reason.GOAL
    assert event_ends(GOAL_RULE, "booking_cancelled") is Reason.EXIT_EVENT
    assert event_ends(GOAL_RULE, "payment_failed") is None


def test_a_rule_stored_before_goals_and_re_entry_reads_back_with_todays_behaviour() -> None:
    stored = rule().model_dump(mode="json")
    for name in ("goal", "reentry"):
        stored.pop(name, None)
    stored["exit"].pop("events", None)
    loaded = Rule.model_validate(stored)
    assert (loaded.goal.stages, loaded.goal.events, loaded.exit.events) == ([], [], [])
    assert loaded.reentry.policy == "always"


# --- re-entry ------------------------------------------------------------------------------


def enrollment(
    occurrence: str,
    enrolled_at: datetime,
    rule_id: str = "apply-remind-24h",
    state: EnrollmentState = EnrollmentState.COMPLETED,
) -> Enrollment:
    return Enrollment(
        id=f"{rule_id}:c-1:{occurrence}",
        rule_id=rule_id,
        rule_version=1,
        contact_id="c-1",
        silence_key=enrolled_at.astimezone(UTC).isoformat(),
        enrolled_at=enrolled_at,
        state=state,
    )


def with_reentry(**reentry: Any) -> Rule:
    return rule(reentry=reentry)


CANDIDATE = enrollment("second", NOW)
EARLIER = enrollment("first", NOW - timedelta(days=3))


def test_always_lets_a_contact_in_again() -> None:
    assert reentry_refused(CANDIDATE, with_reentry(policy="always"), [EARLIER]) is None


def test_a_rule_that_fires_on_idle_takes_a_contact_once_at_a_time() -> None:
    running = enrollment("first", NOW - timedelta(days=1), state=EnrollmentState.ACTIVE)
    assert reentry_refused(CANDIDATE, with_reentry(policy="always"), [running]) == "in_journey"
    on_event = rule(trigger={"kind": "event", "name": "booking_completed"})
    assert reentry_refused(CANDIDATE, on_event, [running]) is None


def test_never_keeps_out_a_contact_who_was_in_the_rule() -> None:
    assert reentry_refused(CANDIDATE, with_reentry(policy="never"), [EARLIER]) == "reentry_never"


def test_never_lets_in_a_contact_who_was_only_in_other_rules() -> None:
    other = enrollment("first", NOW - timedelta(days=3), rule_id="pay-remind")
    assert reentry_refused(CANDIDATE, with_reentry(policy="never"), [other]) is None


def test_the_same_occurrence_seen_again_is_not_a_re_entry() -> None:
    assert reentry_refused(CANDIDATE, with_reentry(policy="never"), [CANDIDATE]) is None


@pytest.mark.parametrize(
    ("days_since", "refused"), [(3, "reentry_cooldown"), (6, "reentry_cooldown"), (7, None)]
)
def test_cooldown_counts_from_the_latest_entry(days_since: int, refused: str | None) -> None:
    policy = with_reentry(policy="cooldown", cooldown={"amount": 7, "unit": "days"})
    past = [
        enrollment("old", NOW - timedelta(days=30)),
        enrollment("last", NOW - timedelta(days=days_since)),
    ]
    assert reentry_refused(CANDIDATE, policy, past) == refused


@pytest.mark.parametrize(
    ("reentry", "field", "message"),
    [
        ({"policy": "cooldown"}, "reentry.cooldown", "needs a cooldown"),
        (
            {"policy": "never", "cooldown": {"amount": 1, "unit": "days"}},
            "reentry.cooldown",
            "only with policy",
        ),
        ({"policy": "sometimes"}, "reentry.policy", "always"),
    ],
)
def test_a_re_entry_policy_that_cannot_work_is_refused_by_field(
    reentry: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        with_reentry(**reentry)
    [error] = raised.value.errors()
    assert ".".join(str(part) for part in error["loc"]) == field
    assert message in error["msg"]
