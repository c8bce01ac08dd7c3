"""What a reply's intent does, by the workspace settings (domain only)."""

from __future__ import annotations

from followup.domain.intents import Detected, Intent
from followup.domain.replies import read_reply
from followup.domain.settings import IntentSettings, WorkspaceSettings

SURE_DONE = Detected(Intent.DONE, 0.9)


def test_done_suggests_paid_when_the_funnel_has_it() -> None:
    reading = read_reply(SURE_DONE, WorkspaceSettings(), "applied")
    assert (reading.ends, reading.record.suggested_stage) == ("done", "paid")


def test_done_suggests_the_last_stage_of_a_funnel_without_paid() -> None:
    settings = WorkspaceSettings(stages=["lead", "visit", "booked"])
    assert read_reply(SURE_DONE, settings, "lead").record.suggested_stage == "booked"


def test_done_suggests_nothing_to_a_contact_already_there() -> None:
    reading = read_reply(SURE_DONE, WorkspaceSettings(), "enrolled")
    assert reading.record.suggested_stage is None
    assert reading.record.effect == "ended the follow-ups; already at stage enrolled"
    assert reading.ends == "done"


def test_a_question_is_recorded_and_ends_nothing() -> None:
    reading = read_reply(Detected(Intent.QUESTION, 0.7), WorkspaceSettings(), "new")
    assert (reading.ends, reading.follow_up_rule, reading.record.effect) == (None, None, "")


def test_busy_names_the_busy_rule_only_when_set() -> None:
    busy = Detected(Intent.BUSY, 0.8)
    unset = read_reply(busy, WorkspaceSettings(), "new")
    assert (unset.follow_up_rule, unset.record.effect) == (None, "no busy rule set")
    settings = WorkspaceSettings(intents=IntentSettings(busy_rule="nudge"))
    assert read_reply(busy, settings, "new").follow_up_rule == "nudge"
