"""Versions of a rule: the API shows what changed, and running sequences move onto a new
version only when marketing asks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from followup.domain.followup import Status
from followup.services.ports import Change, CommitRejected, EnrollmentChange
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

DAY = timedelta(days=1)
RULE = "apply-remind-24h"


def two_steps(second_template: str) -> dict[str, Any]:
    """Send now, then a day later the template named `second_template`."""
    body = rule(RULE).model_dump(mode="json")
    later = {**body["steps"][0], "wait": {"amount": 1, "unit": "days"}}
    later["template"] = {**later["template"], "name": second_template}
    body["steps"].append(later)
    return body


def templates_sent(engine: LocalEngine) -> list[str]:
    return [
        r.body["template"]["name"] for r in engine.sandbox.sent() if r.body and "template" in r.body
    ]


def first_step_sent(engine: LocalEngine) -> str:
    """A lead quiet for 25 h gets the first step; their sequence now waits for the second."""
    call(engine, "POST", "/api/rules", two_steps("second_v1"))
    lead = quiet_contact(engine.deps, "6281100000801", engine.clock.now() - 25 * timedelta(hours=1))
    engine.tick()
    assert templates_sent(engine) == ["apply_reminder"]
    return lead.id


def test_the_diff_names_each_changed_field_between_two_versions(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/rules", two_steps("second_v1"))
    edited = two_steps("second_v2")
    edited["steps"][1]["wait"] = {"amount": 2, "unit": "days"}
    call(engine, "PUT", f"/api/rules/{RULE}", edited, role="marketing")
    status, answer = call(engine, "GET", f"/api/rules/{RULE}/diff", role="counselor")
    assert status == 200
    assert [c["description"] for c in answer["changes"]] == [
        "steps.1.wait: 1 days → 2 days",
        "steps.1.template.name: 'second_v1' → 'second_v2'",
    ]
    assert answer["changes"][0]["before"] == {"amount": 1, "unit": "days"}
    same = call(engine, "GET", f"/api/rules/{RULE}/diff?from=2&to=1")[1]["changes"]
    assert [c["path"] for c in same] == ["steps.1.wait", "steps.1.template.name"]


def test_a_diff_with_a_version_that_does_not_exist_is_refused_naming_it(
    engine: LocalEngine,
) -> None:
    call(engine, "POST", "/api/rules", two_steps("second_v1"))
    # A rule of one version has nothing before it: no changes, and no parameter to blame
    for asked in ("", "?to=1"):
        status, answer = call(engine, "GET", f"/api/rules/{RULE}/diff{asked}")
        assert (status, answer["changes"]) == (200, [])
    status, answer = call(engine, "GET", f"/api/rules/{RULE}/diff?from=2&to=1")
    assert (status, answer["error"]["details"][0]["field"]) == (422, "from")
    status, answer = call(engine, "GET", f"/api/rules/{RULE}/diff?from=1&to=7")
    assert (status, answer["error"]["details"][0]["field"]) == (422, "to")
    assert call(engine, "GET", "/api/rules/no-such-rule/diff")[0] == 404


def test_running_sequences_finish_on_their_version_by_default(engine: LocalEngine) -> None:
    lead = first_step_sent(engine)
    status, _ = call(engine, "PUT", f"/api/rules/{RULE}", two_steps("second_v2"))
    assert status == 200
    engine.clock.advance(DAY)
    engine.tick()
    assert templates_sent(engine) == ["apply_reminder", "second_v1"]
    assert [f.rule_version for f in engine.deps.followups.followups_of(lead)] == [1, 1]


def test_migrated_sequences_continue_from_the_same_step_of_the_new_version(
    engine: LocalEngine,
) -> None:
    lead = first_step_sent(engine)
    status, answer = call(engine, "PUT", f"/api/rules/{RULE}?migrate=true", two_steps("second_v2"))
    assert (status, answer["migration"]) == (200, {"moved": 1, "kept": [], "lost": []})
    engine.clock.advance(DAY)
    engine.tick()
    assert templates_sent(engine) == ["apply_reminder", "second_v2"]
    versions = sorted(f.rule_version for f in engine.deps.followups.followups_of(lead))
    assert versions == [1, 2]


def test_a_sequence_whose_follow_up_is_on_its_way_migrates_after_it_goes(
    engine: LocalEngine,
) -> None:
    # Given a lead whose first follow-up is queued but not yet sent (the evening: it waits)
    call(engine, "POST", "/api/rules", two_steps("second_v1"))
    engine.clock.advance(timedelta(hours=10))  # 19:00 in Jakarta
    lead = quiet_contact(engine.deps, "6281100000802", engine.clock.now() - 25 * timedelta(hours=1))
    engine.tick()
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    # When marketing saves a new version and migrates
    _, answer = call(engine, "PUT", f"/api/rules/{RULE}?migrate=true", two_steps("second_v2"))
    assert answer["migration"]["moved"] == 1
    # Then the queued step goes in the morning as written, and the next from the new version
    engine.clock.advance(timedelta(hours=14))
    engine.tick()
    engine.clock.advance(DAY)
    engine.tick()
    assert templates_sent(engine) == ["apply_reminder", "second_v2"]


def test_a_sequence_standing_on_a_step_the_new_version_lacks_stays_on_its_own(
    engine: LocalEngine,
) -> None:
    lead = first_step_sent(engine)
    [enrollment] = engine.deps.followups.enrollments_of(lead)
    status, answer = call(
        engine, "PUT", f"/api/rules/{RULE}?migrate=true", rule(RULE).model_dump(mode="json")
    )
    assert (status, answer["migration"]) == (
        200,
        {"moved": 0, "kept": [enrollment.item.id], "lost": []},
    )
    engine.clock.advance(DAY)
    engine.tick()
    assert templates_sent(engine) == ["apply_reminder", "second_v1"]


def test_a_sequence_that_keeps_changing_under_the_migration_is_reported_and_left_alone(
    engine: LocalEngine,
) -> None:
    # Given a running sequence that another writer changes every time we try to move it
    lead = first_step_sent(engine)
    [enrollment] = engine.deps.followups.enrollments_of(lead)
    real = engine.deps.transactions

    class EnrollmentsAlwaysChanged:
        def commit(self, changes: Sequence[Change], at: datetime) -> None:
            moving = [c for c in changes if isinstance(c, EnrollmentChange)]
            if moving:
                raise CommitRejected(moving)
            real.commit(changes, at)

    engine.deps.transactions = EnrollmentsAlwaysChanged()
    # When marketing migrates
    status, answer = call(engine, "PUT", f"/api/rules/{RULE}?migrate=true", two_steps("second_v2"))
    engine.deps.transactions = real
    # Then the new version is saved, the request says which sequence it could not move,
    # and that sequence finishes on its own version
    assert (status, answer["rule"]["version"]) == (200, 2)
    assert answer["migration"] == {"moved": 0, "kept": [], "lost": [enrollment.item.id]}
    engine.clock.advance(DAY)
    engine.tick()
    assert templates_sent(engine) == ["apply_reminder", "second_v1"]


def test_a_sequence_whose_step_changed_kind_in_the_new_version_stays_on_its_own(
    engine: LocalEngine,
) -> None:
    # Given a sequence waiting for its second step, a send
    lead = first_step_sent(engine)
    [enrollment] = engine.deps.followups.enrollments_of(lead)
    # When the new version makes that step a wait, and marketing asks to migrate
    body = two_steps("second_v2")
    body["steps"].insert(1, {"kind": "wait", "for": {"amount": 2, "unit": "days"}})
    status, answer = call(engine, "PUT", f"/api/rules/{RULE}?migrate=true", body)
    # Then the sequence keeps its version, and its own second step goes as planned
    assert (status, answer["migration"]) == (
        200,
        {"moved": 0, "kept": [enrollment.item.id], "lost": []},
    )
    engine.clock.advance(DAY)
    engine.tick()
    assert templates_sent(engine) == ["apply_reminder", "second_v1"]
