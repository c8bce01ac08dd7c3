"""Differences between two rule versions read as a person would say them."""

from __future__ import annotations

from followup.domain.versions import Kind, differences
from tests.support.builders import rule


def test_identical_versions_differ_in_nothing_not_even_their_number() -> None:
    first = rule()
    assert differences(first, first.model_copy(update={"version": 2, "active": False})) == []


def test_a_changed_wait_reads_as_one_duration() -> None:
    first = rule()
    body = first.model_dump(mode="json")
    body["steps"][0]["wait"] = {"amount": 2, "unit": "days"}
    [found] = differences(first, type(first).model_validate(body))
    assert (found.path, found.kind) == ("steps.0.wait", Kind.CHANGED)
    assert found.describe() == "steps.0.wait: 0 minutes → 2 days"


def test_an_added_step_is_one_difference_and_a_renamed_rule_another() -> None:
    first = rule()
    body = first.model_dump(mode="json")
    body["name"] = "gentler reminder"
    body["steps"].append({**body["steps"][0], "text": "Last call!"})
    found = differences(first, type(first).model_validate(body))
    assert [d.describe() for d in found] == [
        "name: 'apply remind 24h' → 'gentler reminder'",
        "steps.1: added",
    ]


def test_a_cleared_optional_field_reads_as_removed() -> None:
    body = rule().model_dump(mode="json")
    body["max_sends"] = 3
    with_cap = type(rule()).model_validate(body)
    [found] = differences(with_cap, rule())
    assert (found.path, found.kind, found.describe()) == (
        "max_sends",
        Kind.REMOVED,
        "max_sends: 3 removed",
    )
