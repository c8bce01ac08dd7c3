"""What a use case needs, bundled: ports plus the engine's operational timings."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.lookahead import MAX_QUEUE_DELAY, horizon
from followup.domain.numbers import NumberHealth, Numbers, sending_paused, workspace_paused
from followup.services.limit_places import Places

if TYPE_CHECKING:
    from followup.domain.rule import Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.domain.templates import TemplateCatalogue
    from followup.services.pacing import Pacer
    from followup.services.ports import (
        Change,
        Classifier,
        Clock,
        ContactRepository,
        Email,
        FollowUpRepository,
        NotificationRepository,
        Notifier,
        Pacing,
        RuleHead,
        RuleRepository,
        SendQueue,
        Sms,
        StatsRepository,
        Store,
        TaskRepository,
        TemplateRepository,
        TemplateSource,
        Transactions,
        WhatsApp,
        Writer,
    )


@dataclass(frozen=True)
class Timings:
    """Operational horizons (not user policy)."""

    sending_deadline: timedelta = timedelta(minutes=15)
    """A claimed send still unrecorded after this is marked failed: outcome unknown."""
    sender_run: timedelta = timedelta(seconds=60)
    """The longest one sender invocation runs (its Lambda timeout): a claim older than
    this has no sender left to record it, and WhatsApp's status about it is taken instead."""
    redrive_after: timedelta = timedelta(minutes=30)
    """A dispatched follow-up nobody claimed in this time is dispatched again."""
    retry_base: timedelta = timedelta(seconds=30)
    max_queue_delay: timedelta = MAX_QUEUE_DELAY
    """Longest delay SQS can hold a message back; longer backoffs wait for a dispatch tick."""
    tick: timedelta = timedelta(hours=1)
    """Time between two ticks: dispatch hands over what falls due before the next one."""
    lookahead_margin: timedelta = timedelta(minutes=2)
    """How much later than planned the next tick may run: handed over as well."""
    cache_ttl: timedelta = timedelta(seconds=60)
    template_wait: timedelta = timedelta(hours=72)
    """How long a follow-up holds for its template to be approved again before it ends
    skipped."""
    pause_ttl: timedelta = timedelta(seconds=5)
    """A pause reaches every warm container within this time."""

    def horizon(self, now: datetime) -> datetime:
        """Send steps and follow-ups due before this are queued and dispatched at `now`."""
        return horizon(now, self.tick, self.lookahead_margin)


@dataclass(frozen=True)
class _Cached:
    at: datetime
    heads: list[RuleHead]
    settings: WorkspaceSettings


@dataclass(frozen=True)
class _Templates:
    at: datetime
    catalogue: TemplateCatalogue


@dataclass(frozen=True)
class _Pause:
    at: datetime
    settings: WorkspaceSettings
    reports: list[NumberHealth]


class Catalog:
    """Rules and settings read through a cache with a TTL (60 s by default).

    Rule versions never change once written, so they are kept for the container's life;
    heads (current version, active flag) and settings are re-read after the TTL. Whether
    sending is paused is re-read after a much shorter one (5 s), with one small read.
    """

    def __init__(
        self,
        rules: RuleRepository,
        clock: Clock,
        ttl: timedelta,
        pause_ttl: timedelta,
        templates: TemplateRepository,
        numbers: Numbers,
    ) -> None:
        self._rules, self._clock, self._template_store = rules, clock, templates
        self._numbers = numbers
        self._templates: _Templates | None = None
        self._ttl, self._pause_ttl = ttl, pause_ttl
        self._cached: _Cached | None = None
        self._pause: _Pause | None = None
        self._versions: dict[tuple[str, int], Rule] = {}
        # The sender's threads share one catalog: one of them reads, the others wait for it.
        self._lock = threading.Lock()

    def _fresh(self) -> _Cached:
        with self._lock:
            now = self._clock.now()
            if self._cached is None or not _within(now, self._cached.at, self._ttl):
                self._cached = _Cached(now, self._rules.rule_heads(), self._rules.settings())
            return self._cached

    def heads(self) -> list[RuleHead]:
        return self._fresh().heads

    def settings(self) -> WorkspaceSettings:
        return self._fresh().settings

    def _pause_state(self) -> _Pause:
        """The settings and the numbers' reports, re-read after the pause TTL."""
        with self._lock:
            now = self._clock.now()
            if self._pause is None or not _within(now, self._pause.at, self._pause_ttl):
                self._pause = _Pause(now, *self._rules.sending_state())
            return self._pause

    def sending_paused(self, number: str | None = None) -> str | None:
        """Why `number` may not send now (the workspace or that number is paused); without
        a number, why none may (the workspace or every number is paused); or None."""
        pause = self._pause_state()
        return sending_paused(pause.settings, pause.reports, self._numbers, number)

    def removed_paused(self) -> list[str]:
        """Numbers WhatsApp's reports left paused that are not configured (removed from the
        configuration since, or never in it): no sender will use them again. A report kept
        under a name a configured number went by before (`former_names`) is that number's:
        what it held waits for that number to be resumed."""
        pause = self._pause_state()
        configured = set(self._numbers.ids)
        about = self._numbers.about
        return sorted(
            {r.phone_number_id for r in pause.reports if r.paused and about(r) not in configured}
        )

    def former_names(self, number: str) -> list[str]:
        """The names `number` went by before the configuration named it as now (none a
        configured number goes by), under which follow-ups it held may still be kept."""
        pause = self._pause_state()
        return self._numbers.former_names(number, pause.reports)

    def workspace_paused(self) -> str | None:
        """Why nothing at all may be sent now (the workspace is paused), or None."""
        pause = self._pause_state()
        return workspace_paused(pause.settings)

    def email_paused(self) -> str | None:
        """Why no email may go now (SES refused the whole account), or None."""
        pause = self._pause_state().settings.email_paused
        return None if pause is None else f"email paused: {pause.reason}"

    def templates(self) -> TemplateCatalogue:
        """The template catalogue, re-read after the TTL (what each send checks)."""
        with self._lock:
            now = self._clock.now()
            if self._templates is None or not _within(now, self._templates.at, self._ttl):
                self._templates = _Templates(now, self._template_store.templates().item)
            return self._templates.catalogue

    def rule(self, rule_id: str, version: int) -> Rule | None:
        key = (rule_id, version)
        if key not in self._versions:
            found = self._rules.rule(rule_id, version)
            if found is None:
                return None
            self._versions[key] = found
        return self._versions[key]

    def invalidate(self) -> None:
        with self._lock:
            self._cached = self._pause = self._templates = None


def _within(now: datetime, at: datetime, ttl: timedelta) -> bool:
    return timedelta(0) <= now - at < ttl


@dataclass
class Deps:
    """The repositories, the outside services and the clock a use case works with.

    Each use case reads only the repositories it needs and writes through `commit`, so a
    test can hand it any implementation of each (DynamoDB, memory, or one that races).
    """

    contacts: ContactRepository
    rules: RuleRepository
    followups: FollowUpRepository
    stats: StatsRepository
    transactions: Transactions
    tasks: TaskRepository
    notifications: NotificationRepository
    templates: TemplateRepository
    queue: SendQueue
    whatsapp: WhatsApp
    clock: Clock
    timings: Timings = field(default_factory=Timings)
    numbers: Numbers = field(default_factory=Numbers.single)
    """The configured sending numbers (the first is the default), by phone_number_id."""
    writer: Writer | None = None
    """Writes AI messages; None without an Anthropic API key (the static content goes)."""
    classifier: Classifier | None = None
    """Reads replies with AI; None without an Anthropic API key (the rules read them)."""
    sms: Sms | None = None
    """Sends SMS (SNS); None where SMS is not set up: steps fall back past it."""
    email: Email | None = None
    """Sends email (SES); None without a sender identity: steps fall back past it."""
    notifier: Notifier | None = None
    """Delivers journeys' notifications; None where none go out (they stay pending)."""
    pacer: Pacer | None = None
    """Paces WhatsApp sends to the number's rate and per recipient; None sends unpaced."""
    reach: Pacing | None = None
    """Counts the users the portfolio reaches outside their window (its messaging limit);
    None leaves the limit unchecked."""
    template_source: TemplateSource | None = None
    """Lists the account's templates (360dialog); None where no sync can run."""
    sleep: Callable[[float], object] = time.sleep
    """Waits this many seconds (dispatch, for an index to catch up); a virtual clock's
    own under test."""
    catalog: Catalog = field(init=False)
    places: Places = field(init=False)
    """This process's places in the portfolio's messaging limit, taken in blocks by the
    sends of a batch (`Places.batch`)."""

    @classmethod
    def over(
        cls,
        store: Store,
        *,
        queue: SendQueue,
        whatsapp: WhatsApp,
        clock: Clock,
        timings: Timings | None = None,
        numbers: Numbers | None = None,
        writer: Writer | None = None,
        classifier: Classifier | None = None,
        sms: Sms | None = None,
        email: Email | None = None,
        notifier: Notifier | None = None,
        pacer: Pacer | None = None,
        reach: Pacing | None = None,
        template_source: TemplateSource | None = None,
    ) -> Deps:
        """Every repository from one store (as the handlers and the local engine use)."""
        return cls(
            contacts=store,
            rules=store,
            followups=store,
            stats=store,
            transactions=store,
            tasks=store,
            notifications=store,
            templates=store,
            queue=queue,
            whatsapp=whatsapp,
            clock=clock,
            timings=timings or Timings(),
            numbers=numbers or Numbers.single(),
            writer=writer,
            classifier=classifier,
            sms=sms,
            email=email,
            notifier=notifier,
            pacer=pacer,
            reach=reach,
            template_source=template_source,
        )

    def __post_init__(self) -> None:
        self.start_cold()

    @property
    def sending_number(self) -> str:
        """The default sending number (contacts tied to no number are sent from it)."""
        return self.numbers.default

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        """Apply `changes` atomically; raises CommitRejected naming the changes that lost."""
        self.transactions.commit(changes, at)

    def start_cold(self) -> None:
        """Forget every cached rule and setting and every place held in the messaging
        limit, as a new container would."""
        self.places = Places(self.clock)
        self.catalog = Catalog(
            self.rules,
            self.clock,
            self.timings.cache_ttl,
            self.timings.pause_ttl,
            self.templates,
            self.numbers,
        )
