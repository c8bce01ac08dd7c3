from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from followup.domain.lookahead import horizon, queue_delay, redrive_passed
from followup.wiring.config import Config

NOW = datetime(2026, 3, 6, 9, 0, tzinfo=UTC)


def test_the_horizon_is_the_next_tick_plus_the_margin() -> None:
    assert horizon(NOW, timedelta(minutes=15), timedelta(minutes=2)) == NOW + timedelta(minutes=17)


def test_a_delay_rounds_up_so_the_message_never_arrives_early() -> None:
    assert queue_delay(NOW + timedelta(seconds=41, milliseconds=200), NOW) == 42
    assert queue_delay(NOW + timedelta(seconds=41), NOW) == 41


def test_a_follow_up_already_due_goes_at_once() -> None:
    assert queue_delay(NOW, NOW) == 0
    assert queue_delay(NOW - timedelta(minutes=5), NOW) == 0


def test_a_delay_stops_at_what_sqs_can_hold() -> None:
    assert queue_delay(NOW + timedelta(seconds=900), NOW) == 900
    assert queue_delay(NOW + timedelta(hours=1), NOW) == 900


def test_the_tick_and_margin_come_from_the_configuration() -> None:
    config = Config.model_validate(
        {"FOLLOWUP_TICK_MINUTES": "15", "FOLLOWUP_LOOKAHEAD_SECONDS": "30"}
    )
    assert config.timings().horizon(NOW) == NOW + timedelta(minutes=15, seconds=30)


@pytest.mark.parametrize(
    "wrong", [{"FOLLOWUP_TICK_MINUTES": "0"}, {"FOLLOWUP_LOOKAHEAD_SECONDS": "901"}]
)
def test_a_tick_or_margin_out_of_range_is_refused(wrong: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Config.model_validate(wrong)


def test_a_redrive_comes_once_each_period_past_the_due_time_whatever_the_ticks() -> None:
    every, due = timedelta(minutes=30), NOW
    minute = timedelta(minutes=1)
    # not before a whole period has passed since it was due
    assert not redrive_passed(due, due - minute, due + 29 * minute, every)
    # the tick that crosses due + 30 min, and no later one until due + 60 min
    assert redrive_passed(due, due + 29 * minute, due + 30 * minute, every)
    assert not redrive_passed(due, due + 30 * minute, due + 59 * minute, every)
    assert redrive_passed(due, due + 59 * minute, due + 61 * minute, every)
    # hourly ticks across several periods: one each
    assert redrive_passed(due, due - 10 * minute, due + 50 * minute, every)
    assert redrive_passed(due, due + 50 * minute, due + 110 * minute, every)
