"""A journey played for one contact on a virtual clock, sending nothing.

The real services run on an in-memory store holding only the workspace's settings and
template catalogue, the rule and the contact (a real one, copied with its recent messages,
or a test contact given inline). Time jumps from one moment that matters to the next (a
step falling due, a send window opening, a wait ending, a simulated reply or event), so a
month plays in a few hundred service calls. What the sender would hand to WhatsApp is
recorded, not sent.

The result is the timeline a user reads: each send with its local time and content, each
step passed by and why, each simulated reply and event, and how the journey ended. A real
contact's history in the rule is weighed as the tick weighs it: when its re-entry policy,
the journey the contact is in now, or a journey of this very silence that already ended
keeps it out, the journey still plays, and the run says the tick would not enroll the
contact, and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from followup.domain.channels import OutboundEmail
from followup.domain.contact import Contact, Score, Speaker
from followup.domain.durations import Duration
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.errors import NotFound
from followup.domain.followup import RenderedMessage, Status
from followup.domain.ids import manual_followup_id
from followup.domain.limits import Attributes, Labels
from followup.domain.localtime import Moment, ZoneName
from followup.domain.rule import BranchStep, Rule, Step, WaitStep
from followup.domain.whatsapp import OutboundMessage
from followup.loading import loading
from followup.services import date_triggers, dispatch, enqueue, expire, reentry, sent_stream
from followup.services.contacts import new_contact
from followup.services.crm_events import AnyEvent, Event, apply
from followup.services.deps import Deps
from followup.services.inbound import record_inbound
from followup.services.other_form import with_other_form_stops
from followup.services.planning import tries_by_hand
from followup.services.ports import (
    Change,
    ContactChange,
    Delayed,
    EnrollmentChange,
    NewFollowUp,
    Phase,
    sent_on_time,
)
from followup.services.send import send_one
from followup.services.timeline import conversation

if TYPE_CHECKING:
    from followup.adapters.memory import MemoryStore

MAX_MOMENTS = 2_000
"""Moments played at most: far more than a year of any journey needs."""
TEST_WA_ID = "447700900100"
"""The inline test contact's number, in Ofcom's range kept for drama: nothing is ever sent
to it, and it is not a +1 number, to which Meta refuses marketing templates."""


class TestContact(BaseModel):
    """A contact that exists only for the dry run."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    name: str = Field(default="Test Contact", max_length=200)
    email: str | None = Field(default=None, max_length=254, description="for email steps")
    stage: str | None = Field(default=None, description="default: the funnel's first stage")
    score: Score | None = None
    timezone: ZoneName | None = Field(default=None, description="default: the workspace's")
    tags: Labels = Field(default_factory=list)
    attributes: Attributes = Field(default_factory=dict)
    last_message_at: Moment | None = Field(
        default=None, description="when the conversation last moved (default: the start)"
    )
    last_speaker: Literal["contact", "agent"] = Field(
        default="contact", description="who wrote last: the contact, or a counsellor"
    )


class Simulated(BaseModel):
    """Something the contact or another system does during the run: a reply or an event."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    after: Duration = Field(description="from the start of the run")
    reply: str | None = Field(default=None, min_length=1, max_length=4096)
    event: Event | None = Field(
        default=None, description="as `POST /api/events` takes it; `contact` is ignored"
    )

    @model_validator(mode="after")
    def _one_thing(self) -> Simulated:
        if (self.reply is None) == (self.event is None):
            raise ValueError("give either a reply or an event")
        return self


class DryRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    contact_id: str | None = Field(
        default=None, min_length=1, max_length=256, description="a real contact (copied)"
    )
    contact: TestContact | None = Field(default=None, description="or a test contact")
    start: Moment | None = Field(default=None, description="default: now")
    days: StrictInt = Field(default=30, ge=1, le=400, description="how long to play")
    simulate: list[Simulated] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _one_contact(self) -> DryRunRequest:
        if (self.contact_id is None) == (self.contact is None):
            raise ValueError("give either contact_id or contact")
        return self


Kind = Literal[
    "reply",
    "event",
    "entered",
    "waited",
    "branch",
    "action",
    "send",
    "held",
    "skipped",
    "stopped",
    "replied",
    "expired",
    "ended",
]
_PASSED = ("waited", "branch", "action")


def _rank(kind: Kind) -> int:
    """At the same moment: what the contact did, then what the journey did about it (the
    steps passed keep the order they were passed in)."""
    return get_args(Kind).index("waited" if kind in _PASSED else kind)


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: Kind
    local: str = ""
    step: int | None = None
    channel: str | None = None
    message: RenderedMessage | None = None
    reason: str | None = None
    detail: str | None = None
    effect: str | None = None
    """What a reply made the engine do (a follow-up scheduled, sequences ended)."""


@dataclass
class DryRun:
    zone: str
    start: datetime
    end: datetime
    entries: list[Entry] = field(default_factory=list)
    finished: bool = False
    """The journey ended within the run (completed or exited)."""
    not_enrolled: str | None = None
    """Why the tick would not enroll the real contact when the run enrolls it (the code
    of its `not_enrolled:` reason: `reentry_never`, `reentry_cooldown`, `in_journey`, or
    `silence_played` when this very silence's journey already ended), or None: its
    history in the rule keeps it out, and the journey played would not go."""


def as_json(run: DryRun) -> dict[str, object]:
    """The timeline as the API answers it (fields without a value left out)."""
    entries = []
    for entry in run.entries:
        shown: dict[str, object] = {"at": entry.at.isoformat(), "local": entry.local}
        shown["kind"] = entry.kind
        for name in ("step", "channel", "reason", "detail", "effect"):
            value = getattr(entry, name)
            if value is not None:
                shown[name] = value
        if entry.message is not None:
            shown["message"] = entry.message.model_dump(mode="json", exclude_none=True)
        entries.append(shown)
    answer: dict[str, object] = {
        "zone": run.zone,
        "start": run.start.isoformat(),
        "end": run.end.isoformat(),
        "finished": run.finished,
    }
    if run.not_enrolled is not None:
        answer["not_enrolled"] = run.not_enrolled
    answer["timeline"] = entries
    return answer


class _Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class _Recorder:
    """Takes what the sender would hand to WhatsApp, SMS or email; sends nothing."""

    def __init__(self) -> None:
        self.sent = 0

    def send(self, outbound: OutboundMessage) -> str:
        self.sent += 1
        return f"wamid.dry-run.{self.sent}"


class _SmsRecorder:
    def __init__(self) -> None:
        self.sent = 0

    def opted_out(self, number: str) -> bool:
        return False

    def send(self, number: str, text: str) -> str:
        self.sent += 1
        return f"sms.dry-run.{self.sent}"


class _EmailRecorder:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, outbound: OutboundEmail) -> str:
        self.sent += 1
        return f"email.dry-run.{self.sent}"


@dataclass(frozen=True)
class _Hop:
    at: datetime
    step: int
    to: int | None
    """The step moved to; None when the journey completed there."""


def _bookkeeping(deps: Deps, followup_id: str) -> None:
    """A send's contact and enrollment moves, as the follow-up stream brings them on AWS
    (applying them again changes nothing)."""
    found = deps.followups.followup(followup_id)
    if found is not None and found.sent_at is not None:
        sent_stream.record(deps, found)


class _Watched:
    """The in-memory store's transactions, noting every step an enrollment moves past
    (each step that sends nothing moves in its own commit)."""

    def __init__(self, store: MemoryStore, clock: _Clock) -> None:
        self._store, self._clock = store, clock
        self.hops: list[_Hop] = []

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        moving = [c.enrollment for c in changes if isinstance(c, EnrollmentChange)]
        before = {e.id: self._store.enrollment(e.id) for e in moving}
        self._store.commit(changes, at)
        for enrollment in moving:
            found = before[enrollment.id]
            if found is None or found.item.state is not EnrollmentState.ACTIVE:
                continue
            step = found.item.step_index
            if enrollment.state is EnrollmentState.EXITED:
                continue  # an exit, not a step passed: the timeline's "ended" says why
            to = enrollment.step_index if enrollment.state is EnrollmentState.ACTIVE else None
            if to != step:
                self.hops.append(_Hop(self._clock.now(), step, to))


class _Queue:
    """The send queue, held on the virtual clock."""

    def __init__(self, clock: _Clock) -> None:
        self._clock = clock
        self.held: list[tuple[datetime, Delayed]] = []

    def enqueue(self, followup_ids: Iterable[str], delay_seconds: int = 0) -> None:
        self.enqueue_each(Delayed(fid, delay_seconds) for fid in followup_ids)

    def enqueue_each(self, messages: Iterable[Delayed]) -> None:
        now = self._clock.now()
        self.held.extend((now + timedelta(seconds=max(m.delay_seconds, 0)), m) for m in messages)

    def take_due(self) -> list[Delayed]:
        now = self._clock.now()
        ready = [message for due, message in self.held if due <= now]
        self.held = [(due, message) for due, message in self.held if due > now]
        return ready


def dry_run(deps: Deps, rule: Rule, request: DryRunRequest) -> DryRun:
    """Play `rule` for the requested contact from `start` for `days`, sending nothing."""
    with loading():  # the table models load with it: only a dry run needs them
        from followup.adapters.memory import MemoryStore

    start = (request.start or deps.clock.now()).astimezone(UTC)
    end = start + timedelta(days=request.days)
    clock = _Clock(start)
    queue = _Queue(clock)
    store = MemoryStore()
    watched = _Watched(store, clock)
    inner = Deps.over(
        store,
        queue=queue,
        whatsapp=_Recorder(),
        sms=_SmsRecorder(),
        email=_EmailRecorder(),
        clock=clock,
        timings=deps.timings,
        numbers=deps.numbers,
    )
    inner.transactions = watched
    settings = deps.catalog.settings()
    inner.rules.save_settings(settings)
    inner.templates.save_templates(deps.catalog.templates(), 0)
    inner.rules.save_rule(rule.model_copy(update={"active": True}))
    contact = _contact(deps, inner, request, start)
    by_hand = _sent_by_hand(deps, inner, rule, contact, start) if request.contact_id else set()
    date_triggers.reindex(inner, None, contact)
    zone = contact.zone(settings.zone)
    planned = sorted(
        ((start + item.after.approx(), n, item) for n, item in enumerate(request.simulate)),
        key=lambda found: (found[0], found[1]),
    )
    run = DryRun(zone=zone.key, start=start, end=end)
    enrollments_seen: dict[str, EnrollmentState] = {}
    for _ in range(MAX_MOMENTS):
        now = clock.now()
        while planned and planned[0][0] <= now:
            at, _, item = planned.pop(0)
            run.entries.append(_simulate(inner, contact, item, at))
        enqueue.run_tick(inner, now)
        dispatch.run_tick(inner, now)
        for message in queue.take_due():
            send_one(inner, message.followup_id, message.due)
            _bookkeeping(inner, message.followup_id)
        expire.run_tick(inner, now)
        run.entries.extend(_journey(inner, contact.id, enrollments_seen, now))
        following = _next_moment(inner, contact.id, rule, queue, planned, now, end)
        if following is None:
            break
        clock.at = following
    run.entries.extend(_followup_entries(inner, contact.id, by_hand))
    run.entries.extend(_step_entries(rule, watched.hops))
    run.entries.sort(key=lambda entry: (entry.at, _rank(entry.kind)))
    if request.contact_id is not None:
        run.not_enrolled = _kept_out(deps, inner, rule, contact.id)
        _mark_entered(run, run.not_enrolled)
    run.entries = [_localised(entry, zone) for entry in run.entries if start <= entry.at <= end]
    run.finished = bool(enrollments_seen) and all(
        state is not EnrollmentState.ACTIVE for state in enrollments_seen.values()
    )
    return run


def _contact(deps: Deps, inner: Deps, request: DryRunRequest, start: datetime) -> Contact:
    if request.contact_id is not None:
        found = deps.contacts.contact(request.contact_id)
        if found is None:
            raise NotFound("contact", request.contact_id)
        # Stopped as the contact under the other form of its number is: the same person.
        contact = with_other_form_stops(deps, found.item)
        inner.commit([ContactChange(contact, 0)], start)
        for message in conversation(deps, contact.id, 50):
            inner.contacts.add_message(message)
        return contact
    given = request.contact or TestContact()
    wrote = given.last_message_at or start
    fields: dict[str, object] = {
        "stage": given.stage,
        "tags": given.tags,
        "attributes": given.attributes,
        "last_activity_at": wrote,
        "last_speaker": Speaker(given.last_speaker),
        "last_inbound_at" if given.last_speaker == "contact" else "last_agent_at": wrote,
    }
    if given.score is not None:
        fields["score"] = given.score
    if given.email is not None:
        fields["email"] = given.email
    if given.timezone is not None:
        fields["timezone"] = given.timezone
    contact = new_contact(inner, at=wrote, wa_id=TEST_WA_ID, name=given.name, extra=fields)
    inner.commit([ContactChange(contact, 0)], start)
    return contact


def _sent_by_hand(
    deps: Deps, inner: Deps, rule: Rule, contact: Contact, start: datetime
) -> set[str]:
    """The rule's sends by hand to the real contact in its current silence, copied into the
    run (their ids): the tick passes over a first step a counsellor sent (`sent_by_hand`),
    and so does the run, which shows them no more than the contact's other history."""
    tries, newest = tries_by_hand(deps, rule.id, contact.id, contact.silence_key)
    copied: set[str] = set()
    for attempt in range(tries + 1 if newest is not None else 0):
        found = deps.followups.followup(
            manual_followup_id(rule.id, contact.id, contact.silence_key, attempt)
        )
        if found is not None:
            inner.commit([NewFollowUp(found)], start)
            copied.add(found.id)
    return copied


def _kept_out(deps: Deps, inner: Deps, rule: Rule, contact_id: str) -> str | None:
    """Why the tick would not make the run's first enrollment of the contact in `rule`,
    judged on the contact's real enrollments as the tick judges it (`reentry.History`).
    The same enrollment already stored (this very silence or occurrence, enrolled ahead by
    the contact's own write or by a tick) is the tick's own journey (`enrollment.served`):
    while it has sent nothing it is the one the run plays, so nothing keeps the contact
    out; once a step went it is the journey the contact is in (`in_journey`), and once it
    ended the tick never plays that silence again (`silence_played`). None when the run
    enrolls it nowhere, or the tick would too."""
    played = [
        e.item for e in inner.followups.enrollments_of(contact_id) if e.item.rule_id == rule.id
    ]
    if not played:
        return None
    first: Enrollment = min(played, key=lambda enrollment: enrollment.enrolled_at)
    history = reentry.History(deps, contact_id)
    if history.holds(first):
        return history.served(first)
    return history.refused(rule, first)


def _mark_entered(run: DryRun, refused: str | None) -> None:
    """The first `entered` of the timeline says why the tick would not enroll, as the
    tick's report counts a refusal (`not_enrolled:reentry_never`)."""
    if refused is None:
        return
    for n, entry in enumerate(run.entries):
        if entry.kind == "entered":
            run.entries[n] = replace(entry, reason=f"not_enrolled:{refused}")
            return


def _simulate(inner: Deps, contact: Contact, item: Simulated, at: datetime) -> Entry:
    if item.reply is not None:
        record_inbound(inner, contact.wa_id or TEST_WA_ID, item.reply, at)
        [heard] = inner.contacts.recent_messages(contact.id, 1)
        read = heard.intent
        if read is None:
            return Entry(at, "reply", detail=item.reply)
        effect = read.effect or None
        return Entry(at, "reply", detail=item.reply, reason=read.intent.value, effect=effect)
    assert item.event is not None
    event: AnyEvent = item.event.root.model_copy(update={"contact": contact.id, "at": at})
    apply(inner, event)
    return Entry(at, "event", detail=event.type, reason=getattr(event, "name", None))


def _journey(
    inner: Deps, contact_id: str, seen: dict[str, EnrollmentState], now: datetime
) -> list[Entry]:
    found: list[Entry] = []
    for enrollment_v in inner.followups.enrollments_of(contact_id):
        enrollment = enrollment_v.item
        before = seen.get(enrollment.id)
        seen[enrollment.id] = enrollment.state
        if before is None:
            found.append(Entry(enrollment.enrolled_at, "entered"))
        if enrollment.state is not EnrollmentState.ACTIVE and before is not enrollment.state:
            reason = enrollment.exit_reason or enrollment.state.value
            found.append(Entry(now, "ended", reason=reason, detail=enrollment.state.value))
    return found


def _next_moment(
    inner: Deps,
    contact_id: str,
    rule: Rule,
    queue: _Queue,
    planned: list[tuple[datetime, int, Simulated]],
    now: datetime,
    end: datetime,
) -> datetime | None:
    """The first moment after `now` when something may happen, or None after `end`."""
    candidates = [at for at, _, _ in planned]
    candidates += [due for due, _ in queue.held]
    for enrollment_v in inner.followups.due_enrollments(end):
        if enrollment_v.item.next_due_at is not None:
            candidates.append(enrollment_v.item.next_due_at)
    for phase in Phase:
        candidates += [f.wake_at for f in inner.followups.waiting(phase, end) if f.wake_at]
    expire_after = inner.catalog.settings().expire_after.approx()
    candidates += [
        max(f.sent_at, f.scheduled_at) + expire_after
        for f in inner.followups.followups_of(contact_id)
        if f.sent_at is not None and f.status.outbound and sent_on_time(f)
    ]
    candidates += [entry.due_at for entry in inner.contacts.due_dates(end)]
    found = inner.contacts.contact(contact_id)
    if found is not None and rule.idle is not None:
        candidates.append(found.item.quiet_since + rule.idle.idle.approx())
    later = [at for at in candidates if now < at <= end]
    return min(later) if later else None


def _step_entries(rule: Rule, hops: list[_Hop]) -> list[Entry]:
    """The steps that send nothing, as they were passed: a wait ending, a branch taken,
    an action done."""
    found: list[Entry] = []
    for hop in hops:
        step = rule.steps[hop.step]
        target = len(rule.steps) if hop.to is None else hop.to
        where = "the end" if target >= len(rule.steps) else f"step {target + 1}"
        if isinstance(step, WaitStep):
            found.append(Entry(hop.at, "waited", step=hop.step + 1))
        elif isinstance(step, BranchStep):
            taken = "then" if step.if_ is None or target == step.then else "else"
            found.append(Entry(hop.at, "branch", step=hop.step + 1, reason=taken, detail=where))
        elif not isinstance(step, Step):
            found.append(Entry(hop.at, "action", step=hop.step + 1, detail=_described(step)))
    return found


def _described(action: BaseModel) -> str:
    fields = action.model_dump(mode="json", exclude={"kind"})
    return " ".join(str(value) for value in fields.values() if value is not None)


_SHOWN: dict[Status, Kind] = {
    Status.WAITING_TEMPLATE: "held",
    Status.SKIPPED: "skipped",
    Status.CANCELED: "stopped",
    Status.OPTED_OUT: "stopped",
    Status.FAILED: "stopped",
    Status.RESPONDED: "replied",
    Status.EXPIRED: "expired",
}


def _followup_entries(inner: Deps, contact_id: str, copied: set[str]) -> list[Entry]:
    found: list[Entry] = []
    for followup in inner.followups.followups_of(contact_id):
        if followup.id in copied:
            continue
        step = followup.step_index + 1
        for change in followup.history:
            kind = "send" if change.status is Status.SENT else _SHOWN.get(change.status)
            if kind is None:
                continue
            found.append(
                Entry(
                    change.at,
                    kind,
                    step=step,
                    channel=followup.channel,
                    message=followup.rendered if kind == "send" else None,
                    reason=change.reason or None,
                )
            )
    return found


def _localised(entry: Entry, zone: ZoneInfo) -> Entry:
    return replace(entry, local=entry.at.astimezone(zone).strftime("%a %Y-%m-%d %H:%M"))
