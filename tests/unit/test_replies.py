"""What a reply's intent does, by the workspace settings (domain only)."""

from __future__ import annotations

import json

from followup.domain.conversation import MessageIntent
from followup.domain.intent import Detected, Intent
from followup.domain.replies import read_reply
from followup.domain.settings import IntentSettings, WorkspaceSettings
from followup.domain.stored import STORED

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
    assert reading.record.at_stage == "enrolled"  # for the admin app's words
    assert reading.ends == "done"


def test_a_reading_stored_before_its_effects_facts_were_kept_gives_them_from_its_sentence() -> None:
    two = (
        "follow-up call-back at 2026-11-30 08:00 Asia/Jakarta; "
        "follow-up visit-day at 2026-12-01 09:30 Asia/Makassar"
    )
    stored = {"intent": "call_back_at", "confidence": 0.9, "effect_code": "follow_up_scheduled"}
    read = MessageIntent.model_validate(stored | {"effect": two})
    assert [s.model_dump() for s in read.scheduled] == [
        {"rule_id": "call-back", "local": "2026-11-30T08:00", "zone": "Asia/Jakarta"},
        {"rule_id": "visit-day", "local": "2026-12-01T09:30", "zone": "Asia/Makassar"},
    ]
    done = {"intent": "done", "confidence": 0.9, "effect_code": "ended_done_already_at_stage"}
    effect = "ended the follow-ups; already at stage paid in full"
    assert MessageIntent.model_validate(done | {"effect": effect}).at_stage == "paid in full"


def test_a_question_is_recorded_and_ends_nothing() -> None:
    reading = read_reply(Detected(Intent.QUESTION, 0.7), WorkspaceSettings(), "new")
    assert (reading.ends, reading.follow_up, reading.record.effect) == (None, None, "")


def test_a_sure_busy_or_call_back_asks_for_a_follow_up_an_unsure_one_does_not() -> None:
    settings = WorkspaceSettings(intents=IntentSettings(min_confidence=0.8))
    for intent in (Intent.BUSY, Intent.CALL_BACK_AT):
        assert read_reply(Detected(intent, 0.8), settings, "new").follow_up is intent
        assert read_reply(Detected(intent, 0.79), settings, "new").follow_up is None


def test_settings_stored_with_the_former_intent_rules_still_load() -> None:
    stored = {"intents": {"min_confidence": 0.9, "busy_rule": "nudge", "call_back_rule": "cb"}}
    settings = WorkspaceSettings.model_validate_json(json.dumps(stored), context=STORED)
    assert settings.intents.min_confidence == 0.9
    assert "busy_rule" not in settings.model_dump()["intents"]
