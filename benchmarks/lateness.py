"""Due → sent lateness on the virtual clock, at 1-, 5-, 15- and 60-minute ticks.

Follow-ups fall due at random seconds (a 24 h silence rule whose step waits 3 h, leads
quiet since random moments); then the same with no wait, the step due the moment the
silence crosses the idle time (the tick before that moment enrolls the lead ahead and
plans the step for it). The engine ticks at each rate and the
send queue runs between ticks, each delayed message reaching the sender the moment its
delay ends, as SQS hands it over. Lateness is the sender's virtual time minus the due
time, so it holds on any machine; it measures the design (when a follow-up reaches the
queue and for how long the queue holds it), not SQS's own jitter of a second or so.
Plus the end-of-window case: due Friday 16:30 in Jakarta, the window closing at 17:00,
hourly ticks at :00.

Runs on the in-memory engine, which holds delayed messages in the same virtual delay
queue as the moto-backed one. Time grows with follow-ups × ticks: FOLLOWUPS leads over a
2 h spread take a few seconds per rate and case.
Run: `.venv/bin/python -m benchmarks.lateness`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from statistics import quantiles
from zoneinfo import ZoneInfo

from benchmarks.figures import Figure, at_most
from followup.domain.contact import Speaker
from followup.domain.rule import Rule
from followup.services.contacts import create_contact, update_contact
from followup.services.deps import Deps
from followup.services.ports import Delayed, SendQueue
from followup_local.memory_engine import MemoryEngine, memory_engine

FOLLOWUPS = 200
SPREAD = timedelta(hours=2)
WAIT = timedelta(hours=3)
"""Longer than two hourly ticks: the lead is enrolled before its step is due."""
TICKS = {"1-minute": 1, "5-minute": 5, "15-minute": 15, "hourly": 60}
START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 09:00 in Jakarta
JAKARTA = ZoneInfo("Asia/Jakarta")
FRIDAY_4PM = datetime(2026, 11, 27, 16, 0, tzinfo=JAKARTA).astimezone(UTC)
TARGET_P99 = 10.0


def main() -> list[Figure]:
    figures: list[Figure] = []
    for name, minutes in TICKS.items():
        late, hops = _lateness(timedelta(minutes=minutes), WAIT)
        p50, p99 = _percentiles(late)
        per_followup = round(hops / len(late), 2)
        print(
            f"{name:>9} ticks: {len(late)} follow-ups, lateness p50 {p50:.0f} s, "
            f"p99 {p99:.0f} s, max {max(late):.0f} s; {per_followup} queue messages each"
        )
        at_once, _ = _lateness(timedelta(minutes=minutes), timedelta(0))
        first_p50, first_p99 = _percentiles(at_once)
        print(
            f"{'':>9} a first step with no wait (due as the silence crosses the idle time): "
            f"p50 {first_p50:.0f} s, p99 {first_p99:.0f} s"
        )
        figures += [
            Figure(f"due → sent, {name} tick, p50", p50, "s"),
            at_most(f"due → sent, {name} tick, p99", p99, "s", TARGET_P99),
            Figure(f"due → sent, {name} tick, max", max(late), "s"),
            Figure(f"send queue messages per follow-up, {name} tick", per_followup, "msgs"),
            at_most(f"due → sent, first step with no wait, {name} tick, p99", first_p99, "s", 10),
        ]
    sent_at = _end_of_window()
    behind = (sent_at - _friday_due()).total_seconds()
    local = sent_at.astimezone(JAKARTA)
    print(f"due Fri 16:30 WIB, window closing 17:00, hourly ticks: sent {local:%a %H:%M:%S} WIB")
    figures.append(at_most("due Fri 16:30 WIB, hourly ticks: due → sent", behind, "s", TARGET_P99))
    return figures


def _rule(wait: timedelta, *, anytime: bool) -> Rule:
    return Rule.model_validate(
        {
            "id": "lateness",
            "name": "lateness",
            "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
            "steps": [
                {
                    "wait": {"amount": int(wait.total_seconds() // 60), "unit": "minutes"},
                    "template": {"name": "apply_reminder", "language": "en"},
                }
            ],
            "send_anytime": anytime,
        }
    )


class _Counted:
    """The send queue, counting each message put on it: every hop of at most 900 s from
    dispatch to due, and every copy a tick hands over again."""

    def __init__(self, inner: SendQueue) -> None:
        self._inner = inner
        self.messages = 0

    def enqueue(self, followup_ids: Iterable[str], delay_seconds: int = 0) -> None:
        ids = list(followup_ids)
        self.messages += len(ids)
        self._inner.enqueue(ids, delay_seconds)

    def enqueue_each(self, messages: Iterable[Delayed]) -> None:
        batch = list(messages)
        self.messages += len(batch)
        self._inner.enqueue_each(batch)


def _lateness(tick: timedelta, wait: timedelta) -> tuple[list[float], int]:
    """Seconds from due to sent of each follow-up whose step waits `wait` after the idle
    time, the engine ticking every `tick`; and the send queue messages they took."""
    picks = random.Random(7)  # noqa: S311  # the same due times every run, not a secret
    with memory_engine(START) as engine:
        engine.deps.timings = replace(engine.deps.timings, tick=tick)
        counted = _Counted(engine.deps.queue)
        engine.deps.queue = counted
        engine.deps.rules.save_rule(_rule(wait, anytime=True))
        due: dict[str, datetime] = {}
        for n in range(FOLLOWUPS):
            offset = timedelta(seconds=picks.randrange(int(SPREAD.total_seconds())))
            quiet = START - timedelta(hours=24) + offset
            lead = _quiet_lead(engine.deps, f"62812{n:08d}", quiet)
            due[lead] = quiet + timedelta(hours=24) + wait
        _tick_until(engine, tick, START + wait + SPREAD + 2 * tick)
        late = []
        for contact_id, when in due.items():
            [followup] = engine.deps.followups.followups_of(contact_id)
            assert followup.sent_at is not None, followup.status
            late.append((followup.sent_at - when).total_seconds())
        return late, counted.messages


def _friday_due() -> datetime:
    return FRIDAY_4PM + timedelta(minutes=30)


def _end_of_window() -> datetime:
    """When a follow-up due Friday 16:30 in Jakarta goes, on hourly ticks."""
    with memory_engine(FRIDAY_4PM) as engine:
        engine.deps.rules.save_rule(_rule(timedelta(minutes=31), anytime=False))
        quiet = FRIDAY_4PM - timedelta(hours=24, minutes=1)
        lead = _quiet_lead(engine.deps, "6281299999999", quiet)
        hour = timedelta(hours=1)
        _tick_until(engine, hour, FRIDAY_4PM + timedelta(days=3, hours=17))
        [followup] = engine.deps.followups.followups_of(lead)
        assert followup.sent_at is not None, followup.status
        return followup.sent_at


def _quiet_lead(deps: Deps, wa_id: str, since: datetime) -> str:
    """A lead in stage `new` who last wrote at `since`; its id."""
    lead = create_contact(deps, wa_id=wa_id, at=since, timezone="Asia/Jakarta", name="Rudi")
    update = {"last_inbound_at": since, "last_activity_at": since, "last_speaker": Speaker.CONTACT}
    update_contact(deps, lead.id, lambda c: c.model_copy(update=update), since)
    return lead.id


def _tick_until(engine: MemoryEngine, tick: timedelta, end: datetime) -> None:
    """Tick every `tick` from the clock's time to `end`, the queue running between."""
    while engine.clock.now() <= end:
        engine.tick()
        engine.run_until(engine.clock.now() + tick)


def _percentiles(values: list[float]) -> tuple[float, float]:
    cuts = quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98]


if __name__ == "__main__":
    main()
