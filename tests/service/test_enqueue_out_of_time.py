"""An enqueue tick that cannot plan everything before Lambda stops it plans the steps due
now first: a new rule's first tick reading a long lookback of silences leaves what it
has no time for to the next tick, and holds back no step due this hour."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from itertools import pairwise
from typing import Any

from followup.domain.contact import Contact
from followup.domain.rule import Rule
from followup.services import enqueue
from followup.services.deadline import Deadline
from followup.services.ports import ContactChange
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import follow_up_rule
from tests.support.builders import quiet_contact, rule

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
STORES = ("contacts", "followups", "rules", "transactions")


class Stopped(BaseException):
    """Lambda stopped the invocation: its time limit came before the tick ended."""


class Budget:
    """An invocation's time, counted in store calls."""

    def __init__(self, calls: int) -> None:
        self.left = calls

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise Stopped


class Timed:
    """A store whose every call takes a turn of the invocation's budget."""

    def __init__(self, inner: Any, budget: Budget) -> None:
        self._inner, self._budget = inner, budget

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._inner, name)
        if not callable(found):
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            self._budget.spend()
            return found(*args, **kwargs)

        return call


def enqueue_within(engine: MemoryEngine, calls: int, reserve: int, attempts: int = 3) -> None:
    """The tick workflow's enqueue step: each invocation may make `calls` store calls
    before Lambda stops it, keeping `reserve` of them in hand, and it is tried
    `attempts` times in all."""
    deps = engine.deps
    kept = {name: getattr(deps, name) for name in STORES}
    for _ in range(attempts):
        budget = Budget(calls)
        for name in STORES:
            setattr(deps, name, Timed(kept[name], budget))
        try:
            engine.pump_stream()
            deadline = Deadline(lambda: budget.left, reserve)  # noqa: B023 (this attempt's)
            enqueue.run_tick(deps, engine.clock.now(), deadline)
        except Stopped:
            continue
        finally:
            for name in STORES:
                setattr(deps, name, kept[name])
        return


def test_a_step_due_this_hour_goes_on_time_while_a_new_rules_lookback_outgrows_the_tick(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks from Tuesday 16:00 in Jakarta (the window closes at 17:00), 60
    # leads on `new` who fell quiet over the last days, and a nudge 40 minutes after "busy"
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    engine.clock.advance(7 * HOUR)
    for n in range(60):
        quiet_contact(engine.deps, f"62812{n:07d}", engine.clock.now() - (30 + n) * HOUR)
    follow_up_rule(engine, "busy-nudge", "busy", 40)
    engine.deps.catalog.invalidate()
    wa_id, said_at = "6281100000977", engine.clock.now()
    engine.sandbox.record_inbound(wa_id, said_at)
    said = envelopes.text_message(wa_id, "lagi sibuk", said_at, "wamid.R4-1")
    assert engine.deliver(said) == 200
    # When a new 24 h idle rule on `new` is turned on, whose first tick reads a lookback
    # longer than one invocation can plan
    engine.deps.rules.save_rule(rule("welcome-back"))
    engine.deps.catalog.invalidate()
    first = engine.clock.now()
    for hour in range(3):
        engine.run_until(first + hour * HOUR)
        enqueue_within(engine, calls=40, reserve=15)
        engine.scheduled("dispatch")
        engine.drain()
    engine.run_until(first + 3 * HOUR)
    # Then the lead who said "busy" had the nudge at 16:40, as due
    contact_v = engine.deps.contacts.contact_by_wa_id(wa_id)
    assert contact_v is not None
    nudged = [
        f.sent_at
        for f in engine.deps.followups.followups_of(contact_v.item.id)
        if f.rule_id == "busy-nudge"
    ]
    assert nudged == [said_at + 40 * MINUTE]


def tick_near_after(engine: MemoryEngine, calls: int) -> enqueue.EnqueueReport:
    """One enqueue tick whose deadline is near once it has made `calls` store calls (the
    invocation's time, counted in calls: looking at the time takes none)."""
    deps = engine.deps
    kept = {name: getattr(deps, name) for name in STORES}
    budget = Budget(10 * calls + 1_000)
    for name in STORES:
        setattr(deps, name, Timed(kept[name], budget))
    try:
        engine.pump_stream()
        left = budget.left
        deadline = Deadline(lambda: budget.left - (left - calls), 0)
        return enqueue.run_tick(deps, engine.clock.now(), deadline)
    finally:
        for name in STORES:
            setattr(deps, name, kept[name])


def test_a_rule_left_for_the_next_tick_is_reported_once(engine: MemoryEngine) -> None:
    # Given hourly ticks, a 30-minute idle rule, and 20 leads whose silences cross it
    # over the coming hour, one a minute
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    for n in range(20):
        quiet_contact(engine.deps, f"62812{n:07d}", engine.clock.now() - (29 - n) * MINUTE)
    idle = {"stages": ["new"], "idle": {"amount": 30, "unit": "minutes"}}
    engine.deps.rules.save_rule(rule("welcome-back", trigger=idle))
    engine.deps.catalog.invalidate()
    # When a tick runs out of time as its first crossing comes to be planned
    report = tick_near_after(engine, 1)
    # Then the one rule is reported left for the next tick, once, and not as an error
    assert report.as_dict()["left_for_next_tick"] == 1
    assert report.failed_rules == {}


def test_a_time_out_keeps_the_error_of_a_rule_it_did_not_get_to_check(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks, 20 leads on `new` quiet long enough, and after them (crossing
    # last) one stored with a time zone this runtime does not know
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    now = engine.clock.now()
    for n in range(20):
        quiet_contact(engine.deps, f"62812{n:07d}", now - (40 - n) * HOUR)
    bad = quiet_contact(engine.deps, "6281299999999", now - 25 * HOUR)
    stored = engine.deps.contacts.contact(bad.id)
    assert stored is not None
    elsewhere = bad.model_copy(update={"timezone": "Mars/Olympus_Mons"})
    engine.deps.commit([ContactChange(elsewhere, stored.revision)], now)
    engine.deps.rules.save_rule(rule("welcome-back"))
    engine.deps.catalog.invalidate()
    # When a tick with time enough meets the bad lead and the rule shows its error, and
    # the next tick, which reads on from the bad lead, runs out of time before it reads it
    assert "welcome-back" in enqueue.run_tick(engine.deps, engine.clock.now()).failed_rules
    engine.clock.advance(HOUR)
    assert tick_near_after(engine, 0).as_dict()["left_for_next_tick"] == 1
    # Then the rule, whose bad lead is still there, still shows its error
    head = engine.deps.rules.rule_head("welcome-back")
    assert head is not None
    assert head.last_error is not None
    assert "Mars/Olympus_Mons" in head.last_error.message


def enrolled_in(engine: MemoryEngine, rule_id: str, contact_id: str) -> int:
    return sum(e.item.rule_id == rule_id for e in engine.deps.followups.enrollments_of(contact_id))


def sixty_leads_and_a_new_rule(engine: MemoryEngine) -> list[Contact]:
    """Hourly ticks, 60 leads on `new` who fell quiet 30 to 89 hours ago, and a 24 h idle
    rule just turned on, whose first tick reads all of them."""
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    now = engine.clock.now()
    leads = [quiet_contact(engine.deps, f"62812{n:07d}", now - (89 - n) * HOUR) for n in range(60)]
    engine.deps.rules.save_rule(rule("welcome-back"))
    engine.deps.catalog.invalidate()
    return leads


def test_a_lookback_longer_than_one_tick_is_planned_over_the_next_ticks(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks and 60 leads on `new` who fell quiet 30 to 89 hours ago
    # When a new 24 h idle rule is turned on, and each tick has time for about a third of
    # the silences it crossed
    leads = sixty_leads_and_a_new_rule(engine)
    reports = []
    for _ in range(4):
        reports.append(tick_near_after(engine, 80))
        engine.clock.advance(HOUR)
    # Then the ticks read on where the one before stopped: every lead is enrolled once, and
    # the last tick had nothing left
    assert [enrolled_in(engine, "welcome-back", lead.id) for lead in leads] == [1] * 60
    assert [r.as_dict()["left_for_next_tick"] for r in reports][-1] == 0


def test_leads_planned_before_a_tick_stopped_are_not_planned_again_as_the_next_reads_on(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks, a lead in New York (21:00 there, its window opens at 08:00) quiet
    # longest, and after it two leads in Jakarta (09:00) whose silences crossed already
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    now = engine.clock.now()
    far = quiet_contact(engine.deps, "12125550100", now - 40 * HOUR, timezone="America/New_York")
    near = [quiet_contact(engine.deps, f"62812000000{n}", now - (30 - n) * HOUR) for n in (1, 2)]
    engine.deps.rules.save_rule(rule("welcome-back"))
    engine.deps.catalog.invalidate()
    # When the rule's first tick plans the first Jakarta lead and stops before the New York
    # one and the other, that follow-up goes, and the next tick has time enough
    first = tick_near_after(engine, 6)
    assert first.as_dict()["left_for_next_tick"] == 1
    assert [enrolled_in(engine, "welcome-back", c.id) for c in (far, *near)] == [0, 1, 0]
    engine.scheduled("dispatch")
    engine.drain()
    engine.clock.advance(HOUR)
    engine.pump_stream()
    slot = engine.deps.contacts.slot(near[0].id)
    second = enqueue.run_tick(engine.deps, engine.clock.now())
    # Then the two others are enrolled, and the Jakarta lead, read again, had its one
    # follow-up and cost no write (its one-pending slot is as the send left it)
    assert [enrolled_in(engine, "welcome-back", c.id) for c in (far, *near)] == [1, 1, 1]
    assert second.enrolled == 2
    assert sum(second.outcomes.values()) == 2
    sent = [f.status.value for f in engine.deps.followups.followups_of(near[0].id)]
    assert sent == ["sent"]
    assert engine.deps.contacts.slot(near[0].id) == slot


class SavesAsTheTickReads:
    """The contacts store, where an editor saves `rule` again as the tick first reads the
    quiet index."""

    def __init__(self, inner: Any, engine: MemoryEngine, rule: Rule) -> None:
        self._inner, self._engine = inner, engine
        self._rule: Rule | None = rule

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def quiet_contacts(self, *args: Any) -> Any:
        if self._rule is not None:
            self._engine.deps.rules.save_rule(self._rule)
            self._rule = None
        return self._inner.quiet_contacts(*args)


def test_a_version_saved_while_a_tick_cut_short_runs_reads_its_whole_lookback(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks, 60 leads on `new` quiet 30 to 89 hours, and a new 24 h idle rule
    leads = sixty_leads_and_a_new_rule(engine)
    # When its first tick, with time for a third of the silences, runs while an editor
    # saves the rule again with a 12 h idle time, and the next ticks have time enough
    twelve = {"stages": ["new"], "idle": {"amount": 12, "unit": "hours"}}
    contacts = engine.deps.contacts
    engine.deps.contacts = SavesAsTheTickReads(
        contacts, engine, rule("welcome-back", trigger=twelve)
    )
    try:
        tick_near_after(engine, 80)
    finally:
        engine.deps.contacts = contacts
    engine.deps.catalog.invalidate()
    for _ in range(3):
        engine.clock.advance(HOUR)
        engine.pump_stream()
        enqueue.run_tick(engine.deps, engine.clock.now())
    # Then the new version read back over its lookback: every lead is enrolled, once
    assert [enrolled_in(engine, "welcome-back", lead.id) for lead in leads] == [1] * 60


RULES_AND_STAGES = (("welcome-back", "new"), ("check-in", "contacted"))


def test_two_new_rules_catching_up_together_each_plan_their_oldest_silences_first(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks, 30 leads on `new` and 30 on `contacted` who fell quiet 28.5 to
    # 57.5 hours ago, and two 24 h idle rules just turned on, one per stage, that enroll a
    # silence up to 59 hours old by the next tick (the oldest pass it in an hour)
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    now = engine.clock.now()
    leads = {
        stage: [
            quiet_contact(engine.deps, f"628{k}{n:08d}", now - (57.5 - n) * HOUR, stage=stage)
            for n in range(30)
        ]
        for k, stage in enumerate(("new", "contacted"))
    }
    for rule_id, stage in RULES_AND_STAGES:
        trigger = {
            "stages": [stage],
            "idle": {"amount": 24, "unit": "hours"},
            "max_idle": {"amount": 59, "unit": "hours"},
        }
        engine.deps.rules.save_rule(rule(rule_id, trigger=trigger))
    engine.deps.catalog.invalidate()
    # When each tick has time for about a third of the silences the two rules crossed
    first = tick_near_after(engine, 80)
    oldest = [enrolled_in(engine, r, leads[s][0].id) for r, s in RULES_AND_STAGES]
    for _ in range(3):
        engine.clock.advance(HOUR)
        tick_near_after(engine, 80)
    # Then the first tick planned the oldest silence of each rule, and in the end every
    # lead is enrolled once in its stage's rule (one rule took all of the first tick, and
    # the other's oldest leads passed its 59 hours unplanned)
    assert first.enrolled > 0
    assert oldest == [1, 1]
    for rule_id, stage in RULES_AND_STAGES:
        assert [enrolled_in(engine, rule_id, lead.id) for lead in leads[stage]] == [1] * 30


def test_a_new_rules_lookback_across_time_zones_is_planned_at_a_steady_pace(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks from Tuesday 09:00 in Jakarta, and 60 leads on `new` who fell quiet
    # 30 to 89 hours ago, every third in New York (21:00 there: its window opens at 08:00,
    # eleven ticks on)
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    now = engine.clock.now()
    leads = [
        quiet_contact(
            engine.deps,
            f"62812{n:07d}",
            now - (89 - n) * HOUR,
            timezone="America/New_York" if n % 3 == 0 else "Asia/Jakarta",
        )
        for n in range(60)
    ]
    engine.deps.rules.save_rule(rule("welcome-back"))
    engine.deps.catalog.invalidate()
    # When the new 24 h idle rule's ticks each have time for about a sixth of them
    enrolled = []
    for _ in range(6):
        tick_near_after(engine, 50)
        enrolled.append(sum(enrolled_in(engine, "welcome-back", lead.id) for lead in leads))
        engine.scheduled("dispatch")
        engine.drain()
        engine.clock.advance(HOUR)
    # Then each tick plans as many as the first did, the New York leads it reads among them
    # (queued for their morning) as well: none holds the rule's watermark back for the next
    # tick to read again what it planned after them, and all are enrolled once by the sixth
    first = enrolled[0]
    assert first >= 10
    assert all(later - before >= first - 2 for before, later in pairwise(enrolled[:5]))
    assert [enrolled_in(engine, "welcome-back", lead.id) for lead in leads] == [1] * 60
