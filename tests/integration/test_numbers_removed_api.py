"""A number removed from D360_NUMBERS while WhatsApp had it flagged, one number left: the
API lists the number left as active and the removed one, paused, as not configured; an
admin clears the removed one's pause without touching the number left."""

from __future__ import annotations

import copy
from collections.abc import Iterator

import pytest

from followup.domain.numbers import Numbers
from followup_local.engine import LocalEngine, local_engine
from followup_local.envelopes import BUSINESS_NUMBER, SECOND_NUMBER
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.api import call
from tests.support.numbers import TWO_NUMBERS, configured
from tests.support.webhook import payload, post

LEFT, GONE = BUSINESS_NUMBER["phone_number_id"], SECOND_NUMBER["phone_number_id"]


@pytest.fixture
def second_flagged_then_removed() -> Iterator[LocalEngine]:
    """Two numbers, WhatsApp flags the second, then a deploy lists the first only."""
    settings = configured(TWO_NUMBERS)
    with local_engine(TUESDAY_9AM_JAKARTA, settings=settings) as engine:
        flagged = copy.deepcopy(payload("quality-flagged.json"))
        value = flagged["entry"][0]["changes"][0]["value"]
        value["display_phone_number"] = SECOND_NUMBER["display_phone_number"]
        assert post(engine, flagged)["statusCode"] == 200
        engine.deps.numbers = Numbers(engine.deps.numbers.configured[:1])
        engine.deps.start_cold()
        yield engine


def listed(engine: LocalEngine) -> tuple[dict[str, tuple[str, bool, bool]], object]:
    """Each listed number's (status, paused, configured), and why nothing at all goes."""
    status, answer = call(engine, "GET", "/api/numbers", role="counselor")
    assert status == 200
    shown = {
        n["phone_number_id"]: (n["status"], n["paused"], n["configured"]) for n in answer["numbers"]
    }
    return shown, answer["sending_paused"]


def test_the_number_left_is_listed_active_the_removed_one_paused_and_not_configured(
    second_flagged_then_removed: LocalEngine,
) -> None:
    engine = second_flagged_then_removed
    shown, stopped = listed(engine)
    assert shown == {LEFT: ("active", False, True), GONE: ("paused", True, False)}
    assert stopped is None


def test_resuming_the_removed_number_clears_its_pause_and_leaves_the_number_left_alone(
    second_flagged_then_removed: LocalEngine,
) -> None:
    engine = second_flagged_then_removed
    # When an admin resumes the removed number from the list
    status, resumed = call(engine, "POST", f"/api/numbers/{GONE}/resume", role="admin")
    assert (status, resumed["sending_paused"]) == (200, None)
    # Then it is listed as not configured and no longer paused, the number left active
    shown, _ = listed(engine)
    assert shown == {LEFT: ("active", False, True), GONE: ("active", False, False)}
