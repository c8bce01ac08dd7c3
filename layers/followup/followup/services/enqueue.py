"""The enqueue tick: enroll contacts whose silence just crossed a rule's idle time or
whose date came round, and queue the steps of enrollments that became due. Reads grow
with due work, not contacts."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import TYPE_CHECKING

from followup.domain import masking
from followup.domain.enrollment import Enrollment, EnrollmentState, enroll
from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.journey import send_at
from followup.domain.numbers import OTHER_NUMBER
from followup.domain.rule import Step
from followup.services import date_triggers, holds, notifications, optout_watch, reentry
from followup.services.planning import Outcome, moved
from followup.services.ports import (
    Change,
    CommitRejected,
    ContactChange,
    NewEnrollment,
    NewFollowUp,
    RuleError,
    RuleHead,
    Transactions,
    Versioned,
    read_by_dispatch,
)
from followup.services.steps import advance, taken_by

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import IdleTrigger, Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deadline import Deadline
    from followup.services.deps import Deps


@dataclass
class EnqueueReport:
    enrolled: int = 0
    held: int = 0
    resumed: int = 0
    notified: int = 0
    notify_failed: int = 0
    opt_out_spiking: list[str] = field(default_factory=list)
    """Rules whose opt-out rate is past the threshold (see `optout_watch`)."""
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    failed_rules: dict[str, str] = field(default_factory=dict)
    """The last error met per rule id this tick, without the lead's data it may quote (a
    contact stored with a bad field): it is logged, and shown on the rule."""
    unfinished: set[str] = field(default_factory=set)
    """Rules whose silences the tick had no time to plan: left for the next tick."""

    def count(self, outcome: Outcome, reason: str | None) -> None:
        self.outcomes[outcome.value] += 1
        if reason:
            self.reasons[f"{outcome.value}:{reason}"] += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "enrolled": self.enrolled,
            "held": self.held,
            "resumed": self.resumed,
            "notified": self.notified,
            "notify_failed": self.notify_failed,
            "opt_out_spikes": len(self.opt_out_spiking),
            "opt_out_spiking": list(self.opt_out_spiking),
            "rule_errors": len(self.failed_rules),
            "left_for_next_tick": len(self.unfinished),
            **self.outcomes,
            "reasons": dict(self.reasons),
            "failed_rules": dict(self.failed_rules),
        }


@contextmanager
def _isolated(
    report: EnqueueReport, rule_id: str, broken: set[str] | None = None
) -> Iterator[None]:
    """Bad data in one rule ends that piece of its work, never the tick; the rule is added
    to `broken` then."""
    try:
        yield
    except RULE_DATA_ERRORS as exc:
        report.failed_rules[rule_id] = masking.error(exc)
        if broken is not None:
            broken.add(rule_id)


class _Planning:
    """The store's transactions during one enqueue tick, counting the follow-ups it plans
    that the dispatch tick at the same time reads (queued, due by its horizon)."""

    def __init__(self, inner: Transactions, at: datetime, horizon: datetime) -> None:
        self.inner, self._at, self._horizon = inner, at, horizon
        self.planned = 0
        self.touched: set[str] = set()
        """The contacts this tick changed (a journey's action): their copies read before
        are stale."""

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        self.inner.commit(changes, at)
        self.touched.update(c.contact.id for c in changes if isinstance(c, ContactChange))
        self.planned += sum(
            1
            for change in changes
            if isinstance(change, NewFollowUp)
            and change.followup.created_at == self._at
            and read_by_dispatch(change.followup, self._horizon)
        )


@contextmanager
def _counting_plans(deps: Deps, now: datetime) -> Iterator[_Planning]:
    """Count what the tick plans for dispatch, and record it in one write (even when the
    tick fails part way: a retry adds what it plans beside it)."""
    planning = _Planning(deps.transactions, now, deps.timings.horizon(now))
    deps.transactions = planning
    try:
        yield planning
    finally:
        deps.transactions = planning.inner
        if planning.planned:
            deps.followups.count_planned(now, planning.planned)


def run_tick(deps: Deps, now: datetime, deadline: Deadline | None = None) -> EnqueueReport:
    """One enqueue tick at `now`. It counts the follow-ups it plans for the dispatch tick
    at the same time, which reads them from an index that may lag behind (see
    `dispatch.run_tick`). The indexing of date rules' contacts a save left under way walks
    on, and it and notifications stop when the `deadline` is near."""
    with _counting_plans(deps, now) as planning:
        return _run(deps, now, deadline, planning.touched)


def _run(deps: Deps, now: datetime, deadline: Deadline | None, touched: set[str]) -> EnqueueReport:
    report = EnqueueReport()
    settings = deps.catalog.settings()
    # Heads are read fresh: their watermarks must not come from a cache.
    heads = deps.rules.rule_heads()
    report.opt_out_spiking, heads = optout_watch.check(deps, heads, now)
    for head in heads:
        with _isolated(report, head.rule_id):
            if head.active and deps.catalog.rule(head.rule_id, head.version) is not None:
                # Catches holds that raced with turning the rule on; normally reads nothing.
                report.resumed += holds.resume(deps, head.rule_id, now)
    # Before the due dates are read: entries it writes for this tick are read by it.
    date_triggers.walk_on(deps, heads, deadline)
    report.enrolled += date_triggers.fire_due(deps, heads, now, report.reasons)
    _plan_in_due_order(deps, heads, settings, now, report, touched, deadline)
    _show_errors(deps, heads, report, now)
    deliveries = notifications.deliver_due(deps, now, deadline)
    report.notified, report.notify_failed = deliveries.delivered, deliveries.failed
    return report


def _plan_in_due_order(
    deps: Deps,
    heads: list[RuleHead],
    settings: WorkspaceSettings,
    now: datetime,
    report: EnqueueReport,
    touched: set[str],
    deadline: Deadline | None,
) -> None:
    """The steps due by the next tick and the silences crossing an idle rule's time by then,
    planned in the order they go, whichever rule and index each comes from (of those going
    at once, the silence that crossed first): a contact holds one queued follow-up at a
    time, and one going later must not keep out one going sooner. A due step is placed at
    its due time, and one the send window puts off past the next tick (after hours, a
    holiday) is planned after all else, its contact read again; a crossing at the time its
    first step would be sent, its send window applied (its contact is at hand). Each source
    is read page by page and merged as it is read. A rule's watermark moves once all it read
    is planned; bad data in a rule ends its part of the tick there, and leaves its watermark
    where it was. A contact `touched` by the tick (a journey's action) is read again before
    its crossing is judged. Near the `deadline`, the rules' silences are left to the next
    tick, watermarks kept, and the due steps planned: a rule's first tick reading a long
    lookback holds back no step due now. A rule's reading stops earlier, while there is time
    to plan the silences it read and holds back (`_Pace`): a watermark moves only past
    silences planned, and one left unplanned would have the next tick read again all the
    rule read after it."""
    horizon = deps.timings.horizon(now)
    pace = _Pace(deadline)
    off = {head.rule_id for head in heads if not head.active}
    due: Iterator[tuple[_Order, Versioned[Enrollment] | _Crossing]] = (
        ((enrollment_v.item.next_due_at or now, _FIRST), enrollment_v)
        for enrollment_v in deps.followups.due_enrollments(horizon)
    )
    broken: set[str] = set()
    windows = list(_idle_windows(deps, heads, settings, now, report))
    crossings = [
        _crossings(deps, window, settings, now, report, broken, pace) for window in windows
    ]
    put_off: list[Versioned[Enrollment]] = []
    for _, item in heapq.merge(due, *crossings, key=itemgetter(0)):
        if isinstance(item, _Crossing):
            pace.held -= 1
            if item.window.rule.id not in broken and pace.out_of_time():
                _leave_for_next_tick(report, item.window.rule.id, broken)
            if item.window.rule.id not in broken:
                with _isolated(report, item.window.rule.id, broken), pace.planning():
                    crossing = _as_it_stands(deps, item, settings, now, touched)
                    if crossing is not None:
                        _enroll_crossing(deps, crossing, horizon, now, report)
                    item.window.reading.planned(item.read)
            continue
        with _isolated(report, item.item.rule_id), pace.planning():
            if item.item.rule_id in off:
                if _due_by(item.item, now):
                    report.held += holds.hold(deps, item, now)
                continue
            contact_v = deps.contacts.contact(item.item.contact_id)
            if contact_v is not None and _goes_later(deps, item.item, contact_v.item, now):
                put_off.append(item)
            else:
                _advance(deps, item, now, report, read=contact_v)
    for enrollment_v in put_off:
        with _isolated(report, enrollment_v.item.rule_id), pace.planning():
            _advance(deps, enrollment_v, now, report)
    for window in windows:
        to = horizon if window.rule.id not in broken else window.planned_through()
        if to is not None:
            deps.rules.advance_watermark(
                window.rule.id, window.head.watermark, to, window.head.version
            )


_Order = tuple[datetime, datetime]
"""Where a due step or a crossing goes in the tick: when it goes, then, of those going at
once (a new rule's silences that crossed already go now), the one whose silence crossed
first; a step due then goes before them, as it would have been planned before they
crossed."""
_FIRST = datetime.min.replace(tzinfo=UTC)


REORDER_ROOM = 1000
"""Crossings of one rule held back at most, to hand them over in the order they go: past
it, the soonest goes on (a rule's first tick reading its whole lookback may cross more)."""


STAMP_STEP = timedelta(microseconds=1)
"""The finest step between two stored times."""


@dataclass
class _Pace:
    """The tick's time as it plans: how long planning a crossing or a due step has taken
    on average, and how many crossings the rules' readings have read and not handed on
    yet. Without a `deadline`, time never runs out."""

    deadline: Deadline | None
    held: int = 0
    """Crossings read and judged, not planned yet, across the rules."""
    planned: int = 0
    took: float = 0.0
    """Seconds the `planned` turns took in all."""

    def out_of_time(self) -> bool:
        """Another turn might not finish before the invocation ends."""
        return self.deadline is not None and self.deadline.near()

    def reading_out_of_time(self) -> bool:
        """Reading one more silence might leave the tick without time to plan all it holds:
        each held crossing as long as the turns so far took on average (before any was
        timed, only the reserve counts), and the reserve kept after."""
        if self.deadline is None:
            return False
        turn = self.took / self.planned if self.planned else 0.0
        return self.deadline.time_left() < self.deadline.reserve + (self.held + 1) * turn

    @contextmanager
    def planning(self) -> Iterator[None]:
        """Time one turn of planning."""
        if self.deadline is None:
            yield
            return
        before = self.deadline.time_left()
        try:
            yield
        finally:
            self.took += max(before - self.deadline.time_left(), 0.0)
            self.planned += 1


@dataclass
class _Reading:
    """How far a tick got through an idle rule's silences: those it read and judged to
    enroll but has not planned yet (by their place in the reading), the silence read
    last, and whether it read them all."""

    open: dict[int, datetime] = field(default_factory=dict)
    last: datetime | None = None
    done: bool = False

    def planned(self, read: int) -> None:
        self.open.pop(read, None)

    def first_open(self) -> datetime | None:
        """The start of the first silence the tick may have left unplanned: the earliest
        of those read and not planned and, when the reading stopped short, the last one
        read (those not read begin with it or after)."""
        open_ = list(self.open.values())
        if not self.done and self.last is not None:
            open_.append(self.last)
        return min(open_, default=None)


@dataclass(frozen=True)
class _IdleWindow:
    """The silences an idle rule enrolls this tick: those beginning in (after, until]."""

    head: RuleHead
    rule: Rule
    trigger: IdleTrigger
    after: datetime
    until: datetime
    reading: _Reading = field(default_factory=_Reading, compare=False)

    def planned_through(self) -> datetime | None:
        """The rule's watermark after a tick that did not plan all of its window (out of
        time, or bad data met): just short of the first silence it may have left, so the
        next tick reads on from there, not from the window's start again (a lookback
        longer than one invocation plans is planned over several ticks). Those read again
        and planned already are enrolled once (their enrollment's id). None when the tick
        planned nothing of it."""
        first = self.reading.first_open()
        if first is None or first - STAMP_STEP <= self.after:
            return None
        return first - STAMP_STEP + self.trigger.idle.approx()


@dataclass(frozen=True)
class _Crossing:
    """A contact whose silence crosses `window`'s idle time by the horizon, enrolled."""

    window: _IdleWindow
    contact_v: Versioned[Contact]
    enrollment: Enrollment
    read: int
    """Its place in the window's reading."""

    @property
    def crosses(self) -> datetime:
        """When the contact's silence crosses the rule's idle time."""
        return self.contact_v.item.quiet_since + self.window.trigger.idle.approx()


def _idle_windows(
    deps: Deps,
    heads: list[RuleHead],
    settings: WorkspaceSettings,
    now: datetime,
    report: EnqueueReport,
) -> Iterator[_IdleWindow]:
    """Each active idle rule's window of silences for this tick: those crossing its idle
    time between its last tick and the next one (the horizon), no further back than the
    lookback, also for a rule turned on again after a long pause (the silences that
    crossed while it was off stay as the preview counted them). Other triggers enroll
    when their occurrence arrives. A rule whose window is empty keeps its watermark."""
    horizon = deps.timings.horizon(now)
    for head in heads:
        with _isolated(report, head.rule_id):
            rule = deps.catalog.rule(head.rule_id, head.version)
            if not head.active or rule is None or rule.idle is None:
                continue
            idle = rule.idle.idle.approx()
            until = horizon - idle
            after = until - rule.lookback(settings.trigger_lookback.approx())
            if head.watermark is not None:
                after = max(after, head.watermark - idle)
            if rule.idle.max_idle is not None:
                after = max(after, now - rule.idle.max_idle.approx())
            if after < until:
                yield _IdleWindow(head, rule, rule.idle, after, until)


def _crossings(
    deps: Deps,
    window: _IdleWindow,
    settings: WorkspaceSettings,
    now: datetime,
    report: EnqueueReport,
    broken: set[str],
    pace: _Pace,
) -> Iterator[tuple[_Order, Versioned[Enrollment] | _Crossing]]:
    """The contacts whose silence crosses the rule's idle time in its window and whom it
    enrolls, each with the time its first step would be sent, in that order. They are
    read in the order their silences cross (its stages' indexes merged), and no step goes
    before its silence crosses, nor before now (one crossed already goes at once, in the
    order read): one is handed on once the reading has passed its time (at most
    `REORDER_ROOM` are held back). Bad data met in the reading ends it there: the
    crossings read before still go, and the rule is `broken` after them. When the `pace`
    leaves time only to plan what the readings hold, the reading stops there and hands on
    what it holds; the rest is left for the next tick. The window's `reading` keeps how
    far it got."""
    rule, trigger = window.rule, window.trigger
    stages = trigger.stages or settings.stages
    quiet = (deps.contacts.quiet_contacts(stage, window.after, window.until) for stage in stages)
    horizon = deps.timings.horizon(now)
    held: list[tuple[datetime, int, _Crossing]] = []
    failed: set[str] = set()
    reading = window.reading
    with _isolated(report, rule.id, failed):
        for read, contact_v in enumerate(
            heapq.merge(*quiet, key=lambda found: found.item.quiet_since)
        ):
            if pace.reading_out_of_time():
                _leave_for_next_tick(report, rule.id, failed)
                break
            reading.last = contact_v.item.quiet_since
            # No silence read after this one has a first send going before then.
            passed = max(contact_v.item.quiet_since + trigger.idle.approx(), now)
            enrollment = _judged(deps, window, contact_v.item, settings, now, report)
            if enrollment is not None:
                goes = max(_goes_at(enrollment, contact_v.item, rule, settings, now, horizon), now)
                reading.open[read] = contact_v.item.quiet_since
                crossing = _Crossing(window, contact_v, enrollment, read)
                heapq.heappush(held, (goes, read, crossing))
                pace.held += 1
            while held and (held[0][0] <= passed or len(held) > REORDER_ROOM):
                goes, _, crossing = heapq.heappop(held)
                yield (goes, crossing.crosses), crossing
        else:
            reading.done = True
    while held:
        goes, _, crossing = heapq.heappop(held)
        yield (goes, crossing.crosses), crossing
    broken |= failed


def _leave_for_next_tick(report: EnqueueReport, rule_id: str, broken: set[str]) -> None:
    """The rule's silences not planned yet wait for the next tick: its watermark stays,
    and so does the error it showed (the tick did not get to check it again)."""
    broken.add(rule_id)
    report.unfinished.add(rule_id)


def _judged(
    deps: Deps,
    window: _IdleWindow,
    contact: Contact,
    settings: WorkspaceSettings,
    now: datetime,
    report: EnqueueReport | None,
) -> Enrollment | None:
    """The contact's enrollment in the window's rule, or None when the rule's conditions,
    as they stand when the silence crosses, or its numbers keep it out (a wait like "no
    agent message within 25 h" may only come true then); those kept out by its numbers
    are counted in the `report`'s reasons."""
    rule, trigger = window.rule, window.trigger
    crosses = contact.quiet_since + trigger.idle.approx()
    if not (trigger.matches(contact) and rule.conditions.hold(contact, crosses, settings.zone)):
        return None
    if deps.numbers.refusal(contact.phone_number_id, rule.numbers) is not None:
        if report is not None:
            report.reasons[f"not_enrolled:{OTHER_NUMBER}"] += 1
        return None
    return enroll(rule, trigger, contact, contact.zone(settings.zone), now)


def _goes_at(
    enrollment: Enrollment,
    contact: Contact,
    rule: Rule,
    settings: WorkspaceSettings,
    now: datetime,
    horizon: datetime,
) -> datetime:
    """When the enrollment's first send would go: past the steps before it that send
    nothing, as the planner passes them (`steps.taken_by`; a branch read on the contact
    as it is), at its due
    time in the rule's send window. A step the planner stops at places it at that step's
    due time: nothing is queued for it this tick. Data the planner would fail on (a
    window that never opens) places it at its due time: it fails as it is planned, and
    shows the rule's error."""
    zone = contact.zone(settings.zone)
    at = enrollment
    try:
        for _ in range(len(rule.steps)):
            if at.state is not EnrollmentState.ACTIVE:
                return at.next_due_at or now
            step = rule.steps[at.step_index]
            due = at.next_due_at or now
            if isinstance(step, Step):
                return send_at(due, now, contact, rule, settings)
            if due > taken_by(step, now, horizon):
                return due
            at = at.passed(rule, contact, zone, now)
    except RULE_DATA_ERRORS:
        pass
    return enrollment.next_due_at or now


def _as_it_stands(
    deps: Deps,
    crossing: _Crossing,
    settings: WorkspaceSettings,
    now: datetime,
    touched: set[str],
) -> _Crossing | None:
    """The crossing judged again on its contact read anew, when the tick changed the
    contact after its copy was read (a journey's action set a field the rule's conditions
    read, or moved its stage); None when the rule no longer enrolls it, or its silence
    broke."""
    contact_id = crossing.contact_v.item.id
    if contact_id not in touched:
        return crossing
    fresh = deps.contacts.contact(contact_id)
    if fresh is None or fresh.item.quiet_since != crossing.contact_v.item.quiet_since:
        return None
    enrollment = _judged(deps, crossing.window, fresh.item, settings, now, None)
    if enrollment is None:
        return None
    return _Crossing(crossing.window, fresh, enrollment, crossing.read)


def _enroll_crossing(
    deps: Deps, crossing: _Crossing, horizon: datetime, now: datetime, report: EnqueueReport
) -> None:
    """Enroll the contact whose silence crosses, its re-entry policy letting it in; its
    first send due by the next tick is planned in the same writes. A silence broken
    before it crosses sends nothing (`journey.must_stop`)."""
    rule, enrollment, contact_v = crossing.window.rule, crossing.enrollment, crossing.contact_v
    history = reentry.History(deps, contact_v.item.id)
    if history.holds(enrollment):
        return  # enrolled for this silence already (a tick before read on from it)
    refused = history.refused(rule, enrollment)
    if refused is not None:
        report.reasons[f"not_enrolled:{refused}"] += 1
        return
    sends_first = isinstance(rule.steps[enrollment.step_index], Step)
    if _due_by(enrollment, horizon) and sends_first:
        # Its first send is due by the next tick: enrolled in the commit that queues it
        # (one write of the enrollment, never on the due index).
        planned: bool | None = None
        with _isolated(report, rule.id):
            planned = _advance(deps, Versioned(enrollment, 0), now, report, contact_v)
        if planned is not None:
            report.enrolled += int(planned)
            return
        # The rule's data kept its step from being planned: enrolled alone and due, for
        # a tick after the rule is fixed.
    try:
        deps.commit([NewEnrollment(enrollment)], now)
    except CommitRejected:
        return  # enrolled for this silence already (an overlapping tick)
    report.enrolled += 1
    if _due_by(enrollment, horizon) and not sends_first:
        with _isolated(report, rule.id):
            _advance(deps, Versioned(enrollment, 1), now, report, contact_v)


def _show_errors(deps: Deps, heads: list[RuleHead], report: EnqueueReport, now: datetime) -> None:
    """Each rule shows the error it met this tick; an active rule that ran clean, none."""
    for head in heads:
        message = report.failed_rules.get(head.rule_id)
        if message is not None:
            deps.rules.note_rule_error(head.rule_id, RuleError(now, message))
        elif (
            head.last_error is not None
            and head.active
            and head.rule_id not in report.unfinished
            and not optout_watch.kept(head)
        ):
            deps.rules.note_rule_error(head.rule_id, None)


def _goes_later(deps: Deps, enrollment: Enrollment, contact: Contact, now: datetime) -> bool:
    """Whether the enrollment's due step is a send the send window puts off past the
    next tick."""
    rule = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
    if rule is None or not isinstance(rule.steps[enrollment.step_index], Step):
        return False
    due = max(enrollment.next_due_at or now, now)
    return send_at(due, now, contact, rule, deps.catalog.settings()) > deps.timings.horizon(now)


def _due_by(enrollment: Enrollment, at: datetime) -> bool:
    return enrollment.next_due_at is not None and enrollment.next_due_at <= at


def _advance(
    deps: Deps,
    enrollment_v: Versioned[Enrollment],
    now: datetime,
    report: EnqueueReport,
    known: Versioned[Contact] | None = None,
    *,
    read: Versioned[Contact] | None = None,
) -> bool:
    """Queue or take the enrollment's due steps. `read` is its contact as the tick just read
    it, not read again. `known` is its contact as the quiet index just returned it, planned
    from without reading the contact again: the queued send is written on the condition that
    the enrollment and the contact's pending slot are as read, and the sender re-reads the
    contact before sending (opt-out, reply, exits, gating), so a copy the index had not
    caught up with sends nothing it should not. A lost commit reads the contact, and its
    slot, again.

    An enrollment at revision 0 is not stored yet: it is written with its first step, and
    one already stored (an overlapping tick enrolled this silence) is left alone: a lost
    commit reads it first, so the step is not written again for it. False when nothing was
    written."""
    enrollment = enrollment_v.item
    rule = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
    if known is not None:
        outcome, reason = advance(deps, enrollment_v, known, rule, now, guess_slot=True)
        if outcome is not Outcome.LOST_RACE:
            report.count(outcome, reason)
            return True
        if enrollment_v.revision == 0 and (
            NewEnrollment.__name__ in (reason or "")
            or deps.followups.enrollment(enrollment.id) is not None
        ):
            return False
    contact_v = read or deps.contacts.contact(enrollment.contact_id)
    if contact_v is None:
        gone = enrollment.end("contact_deleted", EnrollmentState.EXITED)
        try:
            deps.commit([moved(enrollment_v, gone)], now)
        except CommitRejected:
            return False
        return True
    outcome, reason = advance(deps, enrollment_v, contact_v, rule, now)
    if enrollment_v.revision == 0 and NewEnrollment.__name__ in (reason or ""):
        return False
    report.count(outcome, reason)
    return outcome is not Outcome.LOST_RACE
