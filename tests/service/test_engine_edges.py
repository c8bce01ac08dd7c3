"""The journey engine at its edges: two ticks on one action, an exit by event in the
stats, and dates a CRM writes as placeholders (year 1, year 9999)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup.services import crm_events
from followup.services.journey_stats import journey_stats
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
JAKARTA = ZoneInfo("Asia/Jakarta")
DAY = timedelta(days=1)


def send(name: str, wait: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "wait": wait or {"amount": 0, "unit": "minutes"},
        "template": {"name": name, "language": "en"},
    }


def test_an_exit_event_counts_as_an_exit_in_the_journey_stats(engine: MemoryEngine) -> None:
    # Given a two-step journey that ends when the lead cancels their booking
    engine.deps.rules.save_rule(
        rule(
            "nurture",
            steps=[send("a"), send("b", {"amount": 1, "unit": "days"})],
            exit={"events": ["booking_cancelled"]},
        )
    )
    lead = quiet_contact(engine.deps, "6281100000951", engine.clock.now() - 25 * HOUR)
    engine.tick()
    # When the booking tool reports the cancellation
    event = {"type": "custom", "name": "booking_cancelled", "contact": lead.wa_id}
    crm_events.apply(engine.deps, crm_events.Event.model_validate(event).root)
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert (enrollment.item.state, enrollment.item.exit_reason) == (
        EnrollmentState.EXITED,
        "exit_event",
    )
    # Then the journey's stats show one exit by an exit condition, as README lists
    today = engine.clock.now().date()
    stats = journey_stats(engine.deps, "nurture", today, today)
    assert stats.exited_by == {"exit": 1}


class OtherTickFirst:
    """The tasks repository, except that another enqueue tick (an overlapping invocation)
    runs to its end just before this tick's first task write lands: a race made
    deterministic."""

    def __init__(self, engine: MemoryEngine) -> None:
        self._engine, self._real = engine, engine.deps.tasks
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def add_task(self, task: Any) -> bool:
        if not self.raced:
            self.raced = True
            self._engine.scheduled("enqueue")
        return bool(self._real.add_task(task))


CALL = {
    "kind": "action",
    "do": "create_task",
    "title": "Call the lead",
    "assignee": "sari@example.com",
    "due": {"amount": 2, "unit": "hours"},
}


def test_two_overlapping_ticks_on_an_action_never_skip_the_send_after_it(
    engine: MemoryEngine,
) -> None:
    # Given a journey: a task for the counsellor, then a message a day later, then another
    engine.deps.rules.save_rule(
        rule(
            "unpaid",
            steps=[
                CALL,
                send("day_one", {"amount": 1, "unit": "days"}),
                send("day_two", {"amount": 1, "unit": "days"}),
            ],
            exit={"on_reply": False},
        )
    )
    lead = quiet_contact(engine.deps, "6281100000952", engine.clock.now() - 25 * HOUR)
    # When two enqueue ticks overlap on the task step (the other one ends first)
    racing = OtherTickFirst(engine)
    engine.deps.tasks = racing
    engine.tick()
    assert racing.raced
    engine.deps.tasks = racing._real
    # And the days go by with a tick every hour
    start = engine.clock.now()
    for hour in range(1, 3 * 24 + 1):
        engine.run_until(start + hour * HOUR)
        engine.tick()
    # Then one task was made, and the lead got both messages, in order
    assert len(engine.deps.tasks.tasks_of(lead.id)) == 1
    sent = [r.body["template"]["name"] for r in engine.sandbox.sent() if r.body]
    assert sent == ["day_one", "day_two"]


RENEWAL_WAIT = {
    "kind": "wait",
    "until_attribute": "renewal_date",
    "offset": {"amount": 7, "unit": "days"},
    "before": True,
}


def test_a_placeholder_date_ends_one_journey_and_keeps_no_one_else_out(
    engine: MemoryEngine,
) -> None:
    # Given a renewal journey: wait until a week before the renewal, then remind
    engine.deps.rules.save_rule(rule("renewal", steps=[RENEWAL_WAIT, send("renewal_reminder")]))
    now = engine.clock.now()
    # And leads whose silence crosses the idle time within the hour: Ana's CRM wrote its
    # "no date" placeholder (.NET's DateTime.MinValue), eight others renew in a week
    ana = quiet_contact(
        engine.deps,
        "6281100000953",
        now - 23 * HOUR - 30 * timedelta(minutes=1),
        name="Ana",
        attributes={"renewal_date": "0001-01-01T00:00:00"},
    )
    in_a_week = (now + 7 * DAY).astimezone(JAKARTA).date().isoformat()
    others = [
        quiet_contact(
            engine.deps,
            f"62811000010{n:02d}",
            now - 23 * HOUR,
            name=f"Lead {n}",
            attributes={"renewal_date": in_a_week},
        )
        for n in range(8)
    ]
    # When the ticks run for a day
    for _ in range(24):
        engine.tick()
        engine.clock.advance(HOUR)
    # Then every other lead got the reminder, and Ana's journey ended as unreadable
    # ("a missing or unreadable attribute ... ends the journey", README)
    reached = sorted(str((r.body or {}).get("to")) for r in engine.sandbox.sent())
    assert reached == sorted(str(lead.wa_id) for lead in others)
    [ana_journey] = engine.deps.followups.enrollments_of(ana.id)
    assert ana_journey.item.exit_reason == "attribute_invalid:renewal_date"


def test_a_branch_on_a_placeholder_date_takes_else_and_the_journey_goes_on(
    engine: MemoryEngine,
) -> None:
    # Given a journey that branches on whether the renewal is within a week
    engine.deps.rules.save_rule(
        rule(
            "renewal",
            steps=[
                {
                    "kind": "branch",
                    "if": {
                        "attribute": "renewal_date",
                        "op": "lte",
                        "type": "date",
                        "offset": {"amount": 7, "unit": "days"},
                    },
                    "then": 1,
                    "else": 2,
                },
                send("renews_soon"),
                send("general_news"),
            ],
        )
    )
    # And a lead whose CRM stores "never expires" as 9999-12-31 (a lead in Sao Paulo)
    lead = quiet_contact(
        engine.deps,
        "6281100000955",
        engine.clock.now() - 25 * HOUR,
        timezone="America/Sao_Paulo",
        attributes={"renewal_date": "9999-12-31T23:59:59"},
    )
    # When the ticks run for an hour
    for _ in range(4):
        engine.tick()
        engine.clock.advance(timedelta(minutes=15))
    # Then a date that is no usable date fails the test (README): the lead's journey takes
    # the else arm, whose message waits for the send window in Sao Paulo
    [journey] = engine.deps.followups.enrollments_of(lead.id)
    assert journey.item.step_index == 2
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert (queued.step_index, queued.status) == (2, Status.QUEUED)
