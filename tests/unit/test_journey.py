"""One rule meeting one contact: the exit check and the first-send planner that enqueue,
the sender and the preview share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact, Score
from followup.domain.enrollment import enroll
from followup.domain.followup import Reason
from followup.domain.journey import Stop, must_stop, send_at
from followup.domain.policy import SendWindow
from followup.domain.rule import IdleTrigger, Rule
from followup.domain.settings import Gating, WorkspaceSettings
from tests.support.builders import contact_at, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 3, 6, 10, 0, tzinfo=JAKARTA)  # a Friday, inside office hours
SILENCE_BEGAN = NOW - timedelta(days=2)
SILENCE = SILENCE_BEGAN.astimezone(UTC).isoformat()
SETTINGS = WorkspaceSettings()
RULE = rule()


def stop(contact: Mapping[str, object], of: Rule = RULE, *, manual: bool = False) -> Stop | None:
    return must_stop(contact_at(NOW, **contact), of, SILENCE, SETTINGS, NOW, manual=manual)


# --- the exit check ------------------------------------------------------------------------


def test_a_quiet_warm_contact_may_get_the_step() -> None:
    assert stop({"last_inbound_at": SILENCE_BEGAN}) is None


@pytest.mark.parametrize("manual", [False, True])
def test_an_opted_out_contact_exits_even_for_a_manual_send(manual: bool) -> None:
    assert stop({"opted_out": True}, manual=manual) == Stop(Reason.OPTED_OUT, gated=False)


def test_a_closed_conversation_exits_unless_the_rule_sends_into_closed_ones() -> None:
    closed = {"conversation_open": False}
    into_closed = rule(trigger={"stages": ["new"], "idle": {"amount": 24, "unit": "hours"},
                                "include_closed": True})  # fmt: skip

    assert stop(closed) == Stop(Reason.CONVERSATION_CLOSED, gated=False)
    assert stop(closed, into_closed) is None


def test_a_reply_since_the_silence_began_exits_a_rule_that_exits_on_reply() -> None:
    replied = {"last_inbound_at": NOW - timedelta(hours=1)}

    assert stop(replied) == Stop(Reason.REPLIED, gated=False)
    assert stop(replied, rule(exit={"on_reply": False})) is None


def test_a_reply_before_the_silence_began_does_not_exit() -> None:
    assert stop({"last_inbound_at": SILENCE_BEGAN - timedelta(minutes=1)}) is None


def test_a_silence_that_ended_before_it_lasted_the_idle_time_never_fired() -> None:
    # The silence began 2 days ago and the rule waits 24 h: it crossed a day ago.
    keeps_going = rule(exit={"on_reply": False})
    spoke = {"last_activity_at": SILENCE_BEGAN + timedelta(hours=23)}

    assert stop(spoke, keeps_going) == Stop(Reason.SILENCE_BROKEN, gated=False)
    assert stop(spoke, keeps_going, manual=True) is None


def test_a_silence_that_ended_after_it_crossed_the_idle_time_fired() -> None:
    keeps_going = rule(exit={"on_reply": False})

    assert stop({"last_activity_at": NOW - timedelta(hours=1)}, keeps_going) is None


def test_an_exit_stage_exits() -> None:
    assert stop({"stage": "paid"}) == Stop(Reason.EXIT_STAGE, gated=False)


def test_a_hot_lead_is_left_to_the_counsellor_unless_the_counsellor_sends() -> None:
    assert stop({"score": Score.HOT}) == Stop(Reason.HOT, gated=True)
    assert stop({"score": Score.HOT}, manual=True) is None


def test_caps_pass_the_send_by() -> None:
    capped_cold = {"score": Score.COLD, "followups_sent": Gating().cold_max_followups}
    recent = [NOW - timedelta(minutes=m) for m in range(1, 10)]

    assert stop(capped_cold) == Stop(Reason.COLD_CAP, gated=True)
    assert stop({"recent_sends": recent}) == Stop(Reason.FREQUENCY_CAP, gated=True)


def test_exit_conditions_come_before_gating() -> None:
    hot_and_replied = {"score": Score.HOT, "last_inbound_at": NOW - timedelta(hours=1)}

    assert stop({"score": Score.HOT, "opted_out": True}) == Stop(Reason.OPTED_OUT, gated=False)
    assert stop(hot_and_replied) == Stop(Reason.REPLIED, gated=False)
    assert stop({"score": Score.HOT, "stage": "paid"}) == Stop(Reason.EXIT_STAGE, gated=False)


# --- the first-send planner ----------------------------------------------------------------


def quiet_since(moment: datetime, zone: str = "Asia/Jakarta") -> Contact:
    return contact_at(NOW, last_activity_at=moment, timezone=zone)


def idle(of: Rule) -> IdleTrigger:
    assert of.idle is not None
    return of.idle


def waiting(wait: dict[str, object]) -> Rule:
    return rule(steps=[{"wait": wait, "text": "Hi {first_name|there}"}])


def first_due(of: Rule, contact: Contact) -> datetime | None:
    """When the first step is due for the contact enrolled for its current silence."""
    return enroll(of, idle(of), contact, JAKARTA, NOW).next_due_at


def test_the_first_step_is_due_its_wait_after_the_silence_crossed_the_idle_time() -> None:
    contact = quiet_since(NOW - timedelta(hours=30))
    hours = waiting({"amount": 2, "unit": "hours"})

    assert first_due(hours, contact) == NOW - timedelta(hours=4)


def test_a_wait_in_days_follows_the_contacts_calendar() -> None:
    silence = datetime(2026, 3, 4, 9, 30, tzinfo=JAKARTA)
    days = waiting({"amount": 1, "unit": "days"})

    due = first_due(days, quiet_since(silence))

    assert isinstance(due, datetime)
    assert due.astimezone(JAKARTA) == datetime(2026, 3, 6, 9, 30, tzinfo=JAKARTA)


def test_a_step_due_inside_the_window_goes_when_due_and_never_before_now() -> None:
    contact = quiet_since(NOW - timedelta(days=2))

    assert send_at(NOW + timedelta(hours=1), NOW, contact, RULE, SETTINGS) == NOW + timedelta(
        hours=1
    )
    assert send_at(NOW - timedelta(hours=5), NOW, contact, RULE, SETTINGS) == NOW


def test_a_step_due_after_hours_waits_for_the_next_business_morning_in_the_contacts_zone() -> None:
    evening = datetime(2026, 3, 6, 18, 0, tzinfo=JAKARTA)
    in_sao_paulo = quiet_since(NOW - timedelta(days=2), "America/Sao_Paulo")

    in_jakarta = send_at(evening, evening, quiet_since(NOW), RULE, SETTINGS)
    there = send_at(evening, evening, in_sao_paulo, RULE, SETTINGS)

    assert in_jakarta.astimezone(JAKARTA) == datetime(2026, 3, 9, 8, 0, tzinfo=JAKARTA)
    assert there == evening  # Friday 08:00 in Sao Paulo: open


def test_holidays_and_the_rules_own_window_move_the_send() -> None:
    friday_evening = datetime(2026, 3, 6, 18, 0, tzinfo=JAKARTA)
    monday_off = SETTINGS.model_copy(
        update={"send_window": SendWindow(custom_holidays=[date(2026, 3, 9)])}
    )
    anytime = rule(send_anytime=True)

    opening = send_at(friday_evening, friday_evening, quiet_since(NOW), RULE, monday_off)

    assert opening.astimezone(JAKARTA) == datetime(2026, 3, 10, 8, 0, tzinfo=JAKARTA)
    assert send_at(friday_evening, NOW, quiet_since(NOW), anytime, monday_off) == friday_evening


def test_the_first_send_is_planned_past_the_wait_then_the_window() -> None:
    # Quiet since Thursday 16:00: the 24 h idle time passed Friday 16:00, and a 2 h wait
    # lands at 18:00, after hours, so it goes Monday 08:00.
    contact = quiet_since(datetime(2026, 3, 5, 16, 0, tzinfo=JAKARTA))
    waits = waiting({"amount": 2, "unit": "hours"})
    friday_noon = datetime(2026, 3, 6, 12, 0, tzinfo=JAKARTA)

    due = first_due(waits, contact)
    assert due is not None
    planned = send_at(due, friday_noon, contact, waits, SETTINGS)

    assert planned.astimezone(JAKARTA) == datetime(2026, 3, 9, 8, 0, tzinfo=JAKARTA)
