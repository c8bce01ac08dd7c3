"""Whether an import would have an active rule message a crowd: the contacts a file creates
or changes that a rule then reaches together (a stage entered, a date come round, a
silence begun), counted by rule and by day of the workspace's calendar, and held to the
mass-send limit as switching a rule on is (`rules._check_mass_send`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import date, datetime

from followup.domain.contact import Contact
from followup.domain.errors import DomainError
from followup.domain.rule import IdleTrigger, Rule
from followup.domain.settings import WorkspaceSettings
from followup.domain.triggers import DateTrigger, StageEnteredTrigger
from followup.services import date_triggers
from followup.services.deps import Deps

READ_TIME = 10.0
"""Seconds the check reads the file's contacts, at most: the import's writing waits for
it, and API Gateway gives the request 30."""

Changed = tuple[Contact | None, Contact]
"""A contact as it stands (None: the file creates it) and as its row would leave it."""


class MassImport(DomainError):
    """The import would have `rule` message `count` contacts on `day` (or more, not
    `complete`: the check could not read every row in time), past `limit`; no `rule` nor
    `day`: the rows read in time reached nobody, and those left may."""

    def __init__(
        self, rule: Rule | None, count: int, limit: int, complete: bool, day: date | None
    ) -> None:
        more = "" if complete else " or more (the check could not read every row in time)"
        if rule is None or day is None:
            said = (
                f"importing may have active rules message more than {limit} contacts on one"
                " day: the check could not read every row in time"
            )
        else:
            said = (
                f"importing would have the rule {rule.name!r} message {count} contacts{more}"
                f" on {day.isoformat()}, {_why(rule)} (limit {limit})"
            )
        super().__init__(
            f"{said}; mass sends get WhatsApp numbers banned: confirm to go ahead; nothing"
            " was imported"
        )
        self.rule, self.day = rule, day
        self.count, self.limit, self.complete = count, limit, complete


def _why(rule: Rule) -> str:
    trigger = rule.trigger
    if isinstance(trigger, DateTrigger):
        return f"when their {trigger.attribute} comes round"
    if isinstance(trigger, StageEnteredTrigger):
        return "as they enter its stage"
    return "once their silence is long enough"


def reaching(deps: Deps) -> list[Rule]:
    """The active rules an import can start at once: those whose trigger a contact's
    write fires (idle, stage entered, date)."""
    found = (
        deps.catalog.rule(head.rule_id, head.version)
        for head in deps.catalog.heads()
        if head.active
    )
    kinds = (IdleTrigger, StageEnteredTrigger, DateTrigger)
    return [rule for rule in found if rule is not None and isinstance(rule.trigger, kinds)]


def may_reach(rules: Iterable[Rule], stage: str | None, attributes: Collection[str]) -> bool:
    """Whether a row may bring its contact to one of `rules` at all, told from the row
    alone: a stage it names, a date attribute it sets; any row may, for an idle rule (a
    contact it creates starts a silence)."""
    for rule in rules:
        trigger = rule.trigger
        if isinstance(trigger, IdleTrigger):
            return True
        if isinstance(trigger, StageEnteredTrigger) and stage is not None:
            return True
        if isinstance(trigger, DateTrigger) and trigger.attribute in attributes:
            return True
    return False


def check(
    deps: Deps,
    rules: list[Rule],
    changed: Iterable[Changed],
    time_left: Callable[[], bool] | None = None,
) -> None:
    """Refuse (`MassImport`) an import that would have one of `rules` message more contacts
    on one day than the workspace's mass-send limit, or whose `changed` contacts (read as
    they are pulled, each one that may reach a rule) could not all be read while
    `time_left()` (by default for `READ_TIME`; one at least)."""
    if not rules:
        return
    settings = deps.catalog.settings()
    now = deps.clock.now()
    days: Counter[tuple[int, date]] = Counter()
    complete = _count(
        deps, rules, changed, time_left or date_triggers.for_seconds(READ_TIME), days, settings, now
    )
    limit = settings.mass_send_limit
    busiest = days.most_common(1)
    if not busiest:
        if not complete:
            raise MassImport(None, 0, limit, complete, None)
        return
    (which, day), count = busiest[0]
    if count > limit or not complete:
        raise MassImport(rules[which], count, limit, complete, day)


def _count(
    deps: Deps,
    rules: list[Rule],
    changed: Iterable[Changed],
    time_left: Callable[[], bool],
    days: Counter[tuple[int, date]],
    settings: WorkspaceSettings,
    now: datetime,
) -> bool:
    """Count in `days` the contacts each rule (by its place in `rules`) reaches, by day;
    False when time ran out before every contact was read."""
    pairs: Iterator[Changed] = iter(changed)
    read = False
    while True:
        if read and not time_left():
            return next(pairs, None) is None
        pair = next(pairs, None)
        if pair is None:
            return True
        read = True
        before, after = pair
        for which, rule in enumerate(rules):
            at = _reached_at(deps, rule, before, after, settings, now)
            if at is not None:
                days[which, at.astimezone(settings.zone).date()] += 1


def _reached_at(
    deps: Deps,
    rule: Rule,
    before: Contact | None,
    after: Contact,
    settings: WorkspaceSettings,
    now: datetime,
) -> datetime | None:
    """When `rule` starts messaging a contact the import changes from `before` (None: new)
    to `after`, as the write's own triggers would have it; None when the write starts
    nothing of the rule's: a stage it does not move into, a date it does not change (a
    time zone it sets moves the moment of a crowd the rule has already), that passed
    longer ago than the lookback or, for a reminder before it with no message for the
    date itself, that has come (`date_triggers.too_late`), a silence
    it does not begin; conditions not met then, an opt-out, or a number the rule does not
    send from."""
    if after.opted_out or deps.numbers.refusal(after.phone_number_id, rule.numbers) is not None:
        return None
    trigger, zone = rule.trigger, settings.zone
    if isinstance(trigger, StageEnteredTrigger):
        entered = before is not None and before.stage != after.stage
        if entered and trigger.fires_on_stage(after.stage):
            return now if rule.conditions.hold(after, now, zone) else None
        return None
    if isinstance(trigger, DateTrigger):
        due = date_triggers.due_for(rule, after, zone)
        if before is not None and date_triggers.same_date(trigger.attribute, before, after, zone):
            return None  # a time zone set moves the moment, not the crowd already there
        if due is None or date_triggers.too_late(rule, trigger, after, due, now, settings):
            return None  # as the tick would not enroll them
        return max(due, now) if date_triggers.lets_in(deps, rule, after, due) else None
    if isinstance(trigger, IdleTrigger):
        if before is not None and before.quiet_since == after.quiet_since:
            return None
        crosses = after.quiet_since + trigger.idle.approx()
        if not trigger.matches(after):
            return None
        if now - crosses > rule.lookback(settings.trigger_lookback.approx()):
            return None
        return max(crosses, now) if rule.conditions.hold(after, crosses, zone) else None
    return None
