"""The sending numbers through the handlers: the API lists each with its quality, status,
since when and why it is paused, pace and the portfolio's messaging-limit use; a rule
names only configured numbers; and a number is kept under its phone_number_id however
WhatsApp or the sender name it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from followup_local.engine import LOCAL_API_KEY, LocalEngine, local_engine
from followup_local.envelopes import BUSINESS_NUMBER, SECOND_NUMBER
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.numbers import SECOND_KEY, configured, flagged
from tests.support.webhook import payload, post

FIRST, OTHER = BUSINESS_NUMBER["phone_number_id"], SECOND_NUMBER["phone_number_id"]
NUMBERS = [
    {**BUSINESS_NUMBER, "api_key": LOCAL_API_KEY, "sends_per_second": 80},
    {**SECOND_NUMBER, "api_key": SECOND_KEY, "sends_per_second": 20},
]


@pytest.fixture
def two_numbers() -> Iterator[LocalEngine]:
    settings = configured(NUMBERS)
    with local_engine(TUESDAY_9AM_JAKARTA, settings=settings) as running:
        yield running


def test_the_api_lists_every_number_with_quality_status_pace_and_the_shared_limit(
    two_numbers: LocalEngine,
) -> None:
    engine = two_numbers
    # When Meta's agent takes over the first number
    assert post(engine, payload("standby.json"))["statusCode"] == 200
    # Then the API lists both numbers, the first paused with its reason, the other active
    status, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert status == 200
    shown = {
        n["phone_number_id"]: (n["status"], n["sends_per_second"], n["default"])
        for n in listed["numbers"]
    }
    assert shown == {FIRST: ("paused", 80, True), OTHER: ("active", 20, False)}
    first, other = listed["numbers"]
    assert "Meta Business Agent" in first["paused_reason"]
    assert other["paused_reason"] is None
    # And each shows the portfolio's one messaging limit; nothing stops all sending
    assert first["messaging_limit"] == other["messaging_limit"] == listed["messaging_limit"]
    assert listed["sending_paused"] is None


def test_the_api_says_since_when_a_number_is_paused_however_often_whatsapp_reports_it(
    engine: LocalEngine,
) -> None:
    # Given WhatsApp flagged the number
    flagged_at = engine.clock.now()
    assert post(engine, flagged(BUSINESS_NUMBER))["statusCode"] == 200
    # When it reports the number still flagged an hour later
    engine.clock.advance(timedelta(hours=1))
    assert post(engine, flagged(BUSINESS_NUMBER))["statusCode"] == 200
    # Then the API says it is paused since it was flagged, with the quality as its code,
    # and its last report an hour later
    status, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert status == 200
    [number] = listed["numbers"]
    assert number["paused_at"] == flagged_at.isoformat()
    assert number["paused_code"] == "quality:FLAGGED"
    assert number["updated_at"] == engine.clock.now().isoformat()
    # When an admin resumes it, the API says it is paused since no time, for nothing
    assert call(engine, "POST", f"/api/numbers/{FIRST}/resume")[0] == 200
    [number] = call(engine, "GET", "/api/numbers", role="counselor")[1]["numbers"]
    assert (number["paused"], number["paused_at"], number["paused_code"]) == (False, None, None)


def test_a_rule_may_name_only_configured_numbers(two_numbers: LocalEngine) -> None:
    engine = two_numbers
    unknown = rule(numbers=[OTHER, "123"]).model_dump(mode="json")
    status, answer = call(engine, "POST", "/api/rules", unknown, role="marketing")
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["numbers.1"]
    assert "123" in answer["error"]["details"][0]["message"]
    known = rule(numbers=[OTHER]).model_dump(mode="json")
    status, saved = call(engine, "POST", "/api/rules", known, role="marketing")
    assert (status, saved["rule"]["numbers"]) == (201, [OTHER])


def test_a_send_error_and_a_webhook_about_one_number_list_it_once(engine: LocalEngine) -> None:
    # Given a due lead and WhatsApp refusing the number for spam
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100000970", engine.clock.now() - timedelta(hours=25))
    engine.sandbox.fail_next(status=400, code=131048)
    engine.tick()
    # When WhatsApp then reports on the same number by its phone_number_id
    assert post(engine, payload("standby.json"))["statusCode"] == 200
    # Then the API lists the one number, once, by its phone_number_id
    status, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert status == 200
    assert [(n["phone_number_id"], n["paused"]) for n in listed["numbers"]] == [(FIRST, True)]
