"""Rules as marketing edits them: checked against the workspace, versioned on every save."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import chain

from pydantic import BaseModel, ValidationError

from followup.domain.channels import SMS_MAX_CHARACTERS, sms_parts
from followup.domain.conditions import Condition
from followup.domain.enrollment import EnrollmentState
from followup.domain.errors import (
    Conflict,
    DomainError,
    NotFound,
    Problem,
    limits,
    problem_message,
)
from followup.domain.followup import Reason, Status
from followup.domain.messaging import (
    Miswritten,
    is_field,
    miswritten,
    placeholders,
    typical_text,
    undefaulted,
)
from followup.domain.rule import BranchStep, Rule, SetStage, Step, WaitStep, field_path
from followup.domain.settings import WorkspaceSettings
from followup.domain.templates import rule_problems
from followup.domain.triggers import DateTrigger
from followup.services import date_triggers, holds, optout_watch
from followup.services.deps import Deps
from followup.services.number_pause import held_names
from followup.services.planning import COUNTED_WITHIN
from followup.services.ports import Authorship, CommitRejected, EnrollmentChange, Phase, RuleError
from followup.services.preview import busiest_day, preview
from followup.services.preview_gates import EMAIL_PAUSED, NUMBER_PAUSED
from followup.services.settle import end_enrollment, end_unsent

_EVERYTHING = timedelta(days=3650)


class InvalidRule(DomainError):
    """Everything wrong with a rule, listed at once."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


class DuplicateRule(Conflict):
    """A rule of that id exists already."""

    code = "rule_exists"


class DeletedRuleId(Conflict):
    """The id of a deleted rule: it stays with that rule's versions and its sends."""

    code = "deleted_rule_id"

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        self.message = (
            f"{rule_id!r} belonged to a rule that was deleted; its sends stay counted under"
            " it: choose another id"
        )
        super().__init__(f"id: {self.message}")


@dataclass(frozen=True)
class Toggled:
    """A rule after a switch: whether this request switched it (a repeated request finds it
    switched already), and how many unsent follow-ups it canceled."""

    rule: Rule
    switched: bool
    canceled: int = 0


def review(rule: Rule, settings: WorkspaceSettings) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) a user can fix before the rule runs."""
    errors = [
        Problem(field, f"unknown stage {stage!r}", "unknown_stage", {"stage": stage})
        for field, stage in _unknown_stages(rule, settings.stages)
    ]
    warnings: list[Problem] = []
    there = _always_there(rule)
    for n, step in enumerate(rule.steps):
        if not isinstance(step, Step):
            continue
        texts = {f"steps.{n}.text": step.text}
        if step.email:
            texts |= {
                f"steps.{n}.email.subject": step.email.subject,
                f"steps.{n}.email.body": step.email.body,
            }
        for field, text in texts.items():
            errors += [_not_a_placeholder(field, m) for m in miswritten(text or "")]
            for name in placeholders(text or ""):
                if not is_field(name):
                    errors.append(
                        Problem(
                            field,
                            f"{{{name}}} names no contact field",
                            "unknown_contact_field",
                            {"contact_field": name},
                        )
                    )
            warnings += [
                Problem(
                    field,
                    f"{{{name}}} has no default: a lead without it reads a gap there",
                    "no_default",
                    {"placeholder": name},
                )
                for name in undefaulted(text or "")
                if is_field(name) and name not in there
            ]
        if "sms" in step.chain and step.text and len(step.text) > SMS_MAX_CHARACTERS:
            errors.append(
                Problem(
                    f"steps.{n}.text",
                    f"an SMS takes at most {SMS_MAX_CHARACTERS:,} characters; this text has "
                    f"{len(step.text):,}",
                    "sms_too_long",
                    limits={"max_length": SMS_MAX_CHARACTERS},
                )
            )
        sms = sms_parts(typical_text(step.text or "")) if "sms" in step.chain else None
        if sms is not None and sms.parts > sms.gsm7_parts:
            named = [
                c if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}" for c in sms.unicode
            ]
            more = " …" if len(named) > 3 else ""
            filled_in = len(placeholders(step.text or ""))
            filled = "; names and fields filled in may add more" if filled_in else ""
            warnings.append(
                Problem(
                    f"steps.{n}.text",
                    f"goes as Unicode ({' '.join(named[:3])}{more}): {sms.parts} SMS per "
                    f"message instead of {sms.gsm7_parts}{filled}",
                    "sms_unicode",
                    {
                        "characters": " ".join(named[:3]),
                        "others": len(named[3:]),
                        "parts": sms.parts,
                        "gsm7_parts": sms.gsm7_parts,
                        "placeholders": filled_in,
                    },
                )
            )
        if step.template:
            for p, param in enumerate(step.template.params):
                written_by_ai = param.ai and step.ai is not None
                if param.text is not None and not param.text.strip() and not written_by_ai:
                    errors.append(
                        Problem(
                            f"steps.{n}.template.params.{p}.text",
                            "a fixed text parameter is empty: WhatsApp refuses an empty one",
                            "empty_param",
                        )
                    )
                if param.field is not None and not is_field(param.field):
                    errors.append(
                        Problem(
                            f"steps.{n}.template.params.{p}.field",
                            f"{param.field!r} names no contact field",
                            "unknown_contact_field",
                            {"contact_field": param.field},
                        )
                    )
        elif step.text and step.chain == ["whatsapp"]:
            warnings.append(
                Problem(
                    f"steps.{n}",
                    "free text only: skipped when the contact has not "
                    "written in the last 24 hours; add an approved template",
                    "free_text_only",
                )
            )
    return errors, warnings


_PLACEHOLDER_FORM = (
    "a placeholder is a contact field in one pair of braces, {first_name} or "
    "{attributes.program}, with a default after a bar if you like, {first_name|there}; "
    "for brackets in the message itself, use ( ) or [ ]"
)


def _not_a_placeholder(field: str, found: Miswritten) -> Problem:
    """What is wrong with `found`, written in `field`, and how to write it."""
    fragment = found.fragment
    if found.meant is not None:
        return Problem(
            field,
            f"{fragment!r} is not a placeholder: write {found.meant}",
            "placeholder_meant",
            {"fragment": fragment, "meant": found.meant},
        )
    if not found.closed:
        return Problem(
            field,
            f"{fragment!r} opens a brace it never closes: {_PLACEHOLDER_FORM}",
            "placeholder_unclosed",
            {"fragment": fragment},
        )
    return Problem(
        field,
        f"{fragment!r} is not a placeholder: {_PLACEHOLDER_FORM}",
        "not_a_placeholder",
        {"fragment": fragment},
    )


def _unknown_stages(rule: Rule, stages: list[str]) -> list[tuple[str, str]]:
    """(field, stage) for each stage the rule names that the funnel does not have."""
    named = [
        ("trigger", rule.trigger_stages),
        ("exit", rule.exit.stages),
        ("goal", rule.goal.stages),
    ]
    found = [
        (f"{part}.stages.{n}", stage) for part, listed in named for n, stage in enumerate(listed)
    ]
    for n, condition in enumerate(rule.conditions.match):
        found += _condition_stages(f"conditions.match.{n}", condition)
    for n, step in enumerate(rule.steps):
        if isinstance(step, SetStage):
            found.append((f"steps.{n}.stage", step.stage))
        elif isinstance(step, BranchStep) and step.if_ is not None:
            found += _condition_stages(f"steps.{n}.if", step.if_)
    return [(field, stage) for field, stage in found if stage not in stages]


def _condition_stages(path: str, condition: Condition) -> list[tuple[str, str]]:
    if condition.not_ is not None:
        return _condition_stages(f"{path}.not", condition.not_)
    return [(f"{path}.stage.{n}", stage) for n, stage in enumerate(condition.stage or [])]


class StagesInUse(InvalidRule):
    """New settings would drop stages that current rules name, or that contacts are in."""


def check_settings(deps: Deps, settings: WorkspaceSettings) -> None:
    """Refuse settings under which a current rule would name a stage the funnel lacks, or
    a contact would stand in one: the funnel would rank them nowhere, and the import, the
    API and the events would refuse their stage as unknown."""
    problems = [
        Problem(
            "stages",
            f"rule {rule.id!r} uses stage {stage!r} ({field})",
            "stage_in_use",
            {"rule": rule.id, "stage": stage, "rule_field": field},
        )
        for rule in listing(deps)
        for field, stage in _unknown_stages(rule, settings.stages)
    ]
    dropped = [s for s in deps.catalog.settings().stages if s not in settings.stages]
    problems += [
        Problem(
            "stages",
            f"contacts are in stage {stage!r}: move them to another stage first (an import"
            " with a stage column, a stage_changed event, or each contact's page)",
            "stage_has_contacts",
            {"stage": stage},
        )
        for stage in dropped
        if deps.contacts.contacts_in(stage, 1, None).items
    ]
    if problems:
        raise StagesInUse(problems)


def _always_there(rule: Rule) -> set[str]:
    """The contact fields every lead the rule sends to has: the stage, and the attributes
    its date trigger, its conditions or its waits need (without one, no send)."""
    needed = set(rule.conditions.attributes)
    needed |= {c.attribute for c in rule.conditions.match if c.attribute is not None}
    needed |= {
        s.until_attribute for s in rule.steps if isinstance(s, WaitStep) and s.until_attribute
    }
    if isinstance(rule.trigger, DateTrigger):
        needed.add(rule.trigger.attribute)
    return {"stage", *(f"attributes.{name}" for name in needed)}


def create(
    deps: Deps, rule: Rule, confirmed: bool = False, by: str | None = None
) -> tuple[Rule, list[Problem]]:
    """Save a new rule (version 1), noting `by` as who saved it; refuses an id in use, also
    by a save that came first while this one was checked, and the id of a deleted rule (its
    versions stay): the stats count sends by rule id, so a new rule under it would take
    the deleted rule's sends and versions as its own. Its first version is read before its
    head: a version is saved with a listed head at once, so one found whose head is not
    listed after it is a deleted rule's, not that of a create saved between the reads."""
    saved_before = deps.rules.rule(rule.id, 1) is not None
    if deps.rules.rule_head(rule.id) is not None:
        raise DuplicateRule(f"rule {rule.id!r} already exists")
    if saved_before:
        raise DeletedRuleId(rule.id)
    return _save(deps, rule, confirmed, by, over=0)


def update(
    deps: Deps, rule_id: str, rule: Rule, confirmed: bool = False, by: str | None = None
) -> tuple[Rule, list[Problem], bool]:
    """Save as the next version: new enrollments use it, running ones keep theirs. The rule,
    its warnings, and False when it is the current version already (a save sent again):
    then nothing is saved.

    A body that does not name `active` leaves the rule on or off as it is now: a switch is
    no new version, so an editor that opened the rule before someone switched it would
    otherwise switch it back. A switch made while this save is checked refuses it
    (SwitchedMeanwhile): sent again, it keeps the rule as switched.

    The new version reads back over the lookback (its watermark restarts), so an active
    edit passes the mass-send check like an activation.
    """
    found = current(deps, rule_id)
    kept = {} if "active" in rule.model_fields_set else {"active": found.active}
    edited = rule.model_copy(update={"id": rule_id, **kept})
    if edited.model_copy(update={"version": found.version}) == found:
        return found, problems(deps, found)[1], False
    if "version" in rule.model_fields_set and rule.version != found.version:
        raise StaleRule(rule_id, rule.version, found.version)
    try:
        return (*_save(deps, edited, confirmed, by, over=found.version, replaced=found), True)
    except CommitRejected:
        _refuse_if_switched(deps, found)
        raise


def _refuse_if_switched(deps: Deps, read: Rule) -> None:
    """SwitchedMeanwhile when the rule is still at the version a refused save read, but
    switched on or off since."""
    head = deps.rules.rule_head(read.id)
    if head is not None and head.version == read.version and head.active != read.active:
        raise SwitchedMeanwhile(read.id, head.active)


class SwitchedMeanwhile(Conflict):
    """The rule was switched on or off after the save read it, before it was written."""

    code = "switched_meanwhile"

    def __init__(self, rule_id: str, active: bool) -> None:
        now = "on" if active else "off"
        super().__init__(
            f"rule {rule_id} was switched {now} by someone else while your edit was being "
            "saved, so nothing was saved: send it again to save it on the rule as it is now"
        )


class StaleRule(Conflict):
    """The rule was saved as a newer version after the one the editor read."""

    code = "stale"

    def __init__(self, rule_id: str, read: int, stored: int) -> None:
        super().__init__(
            f"rule {rule_id} was saved by someone else since you opened it (you edited "
            f"version {read}, version {stored} is current): open it again and make your "
            "change on what is saved now"
        )
        self.read, self.stored = read, stored


def current(deps: Deps, rule_id: str) -> Rule:
    """The rule's current version as stored now: an edit saved a moment ago included."""
    head = deps.rules.rule_head(rule_id)
    found = deps.rules.rule(rule_id, head.version) if head else None
    if head is None or found is None:
        raise NotFound("rule", rule_id)
    return found.model_copy(update={"active": head.active})


def versions(deps: Deps, rule_id: str) -> list[Rule]:
    latest = current(deps, rule_id).version
    found = (deps.rules.rule(rule_id, v) for v in range(1, latest + 1))
    return [rule for rule in found if rule is not None]


def listing(deps: Deps) -> list[Rule]:
    return [current(deps, head.rule_id) for head in deps.rules.rule_heads()]


def deleted_names(deps: Deps, rule_ids: Iterable[str]) -> dict[str, str]:
    """The last name of each of `rule_ids` that was deleted (its counters still count)."""
    wanted = set(rule_ids)
    if not wanted:
        return {}
    found = {}
    for head in deps.rules.deleted_rule_heads():
        last = deps.rules.rule(head.rule_id, head.version) if head.rule_id in wanted else None
        if last is not None:
            found[head.rule_id] = last.name
    return found


def indexing(deps: Deps, rule_id: str) -> bool:
    """True while the contacts of an active date rule are still being indexed: the save
    (or switch) that started it ran out of time, and the enqueue ticks carry on."""
    head = deps.rules.rule_head(rule_id)
    return head is not None and head.active and head.backfill is not None


def last_errors(deps: Deps) -> dict[str, RuleError]:
    """The latest error each rule met in a tick, for rules showing one."""
    return {h.rule_id: h.last_error for h in deps.rules.rule_heads() if h.last_error}


def _switch(deps: Deps, rule_id: str, active: bool) -> Toggled:
    current(deps, rule_id)
    switched = deps.rules.set_active(rule_id, active)
    deps.catalog.invalidate()
    rule = current(deps, rule_id)
    date_triggers.backfill(deps, rule)  # its dates still to come, dropped while it was off
    return Toggled(rule, switched)


class MassSend(DomainError):
    """Activation would message more contacts at once than the workspace allows unconfirmed:
    `count` of them (or more, not `complete`: the check ran out of time), and for a date
    rule on `day`, when their `attribute` comes round."""

    def __init__(
        self,
        count: int,
        limit: int,
        complete: bool,
        day: date | None = None,
        attribute: str | None = None,
    ) -> None:
        more = "" if complete else " or more (the check could not read every lead in time)"
        if attribute is None:
            said = f"activating would message {count} contacts{more} at once (limit {limit})"
        elif day is None:  # no date still to come among the leads read in time
            said = (
                f"activating may message more than {limit} contacts on one day, when their "
                f"{attribute} comes round: the check could not read every lead in time"
            )
        else:
            said = (
                f"activating would message {count} contacts{more} on {day.isoformat()}, when "
                f"their {attribute} comes round (limit {limit})"
            )
        super().__init__(f"{said}; mass sends get WhatsApp numbers banned: confirm to go ahead")
        self.count, self.limit, self.complete = count, limit, complete
        self.day, self.attribute = day, attribute


def activate(deps: Deps, rule_id: str, confirmed: bool) -> Toggled:
    """Switch a rule on, unless it would start a mass send nobody confirmed; the sequences
    it held resume from their current step. A rule on already is answered as it is: a
    request repeated neither asks again nor starts its dates' indexing over."""
    rule = current(deps, rule_id)
    if rule.active:
        return Toggled(rule, switched=False)
    _check_mass_send(deps, rule, confirmed)
    switched = _switch(deps, rule_id, True)
    holds.resume(deps, rule_id, deps.clock.now())
    return switched


def held(deps: Deps, rule_id: str) -> int:
    """How many contacts the rule holds (their sequences wait for it to be on again)."""
    return deps.followups.held_count(rule_id)


def runnable(deps: Deps, rule: Rule) -> None:
    """Refuse, by field, a rule or settings (stored before today's checks) that cannot work."""
    settings = deps.catalog.settings()
    problems = [
        *_today(rule, ""),
        *review(rule, settings)[0],
        *_today(settings, "settings."),
    ]
    if problems:
        raise InvalidRule(problems)


def _today(model: BaseModel, prefix: str) -> list[Problem]:
    """What today's checks refuse in `model`, by field."""
    try:
        type(model).model_validate(model.model_dump(mode="json"))
    except ValidationError as exc:
        return [
            Problem(prefix + field_path(e["loc"]), problem_message(e), e["type"], limits=limits(e))
            for e in exc.errors()
        ]
    return []


def _check_mass_send(deps: Deps, rule: Rule, confirmed: bool, replaced: Rule | None = None) -> None:
    """Refuse, unless `confirmed`, to switch on (or save active over `replaced`) a rule that
    would message more than the workspace's mass-send limit at once: the leads whose
    sequences it held while off, whose steps all resume at once, with an idle rule's leads
    it enrolls on the spot, those a pause holds included (each lead once: one held in the
    silence it enrolls is both); a date rule, the leads its date reaches on the busiest day
    to come (a class start, a fair). A check that could not read every lead in time asks
    too. A date rule saved active over an active version with the same trigger and
    conditions reaches the same leads: it was checked when it was switched on."""
    runnable(deps, rule)
    if confirmed:
        return
    limit = deps.catalog.settings().mass_send_limit
    held = {e.item.contact_id for e in deps.followups.held_enrollments(rule.id)}
    if rule.idle is not None:
        seen = preview(deps, rule, sample=sys.maxsize, excluded_sample=sys.maxsize)
        # A lead a pause holds is enrolled now and messaged with the others on resume.
        paused = {e.contact_id for e in seen.excluded if e.reason in (NUMBER_PAUSED, EMAIL_PAUSED)}
        count = len(held | paused | {planned.contact_id for planned in seen.planned})
        if count <= limit and seen.complete:
            return
        raise MassSend(count, limit, seen.complete)
    if len(held) > limit:
        raise MassSend(len(held), limit, complete=True)
    if not isinstance(rule.trigger, DateTrigger):
        return  # the other triggers reach contacts one occurrence at a time
    if replaced is not None and replaced.active and _reaches_the_same(replaced, rule):
        return
    crowd = busiest_day(deps, rule, rule.trigger)
    if crowd.count <= limit and crowd.complete:
        return
    raise MassSend(crowd.count, limit, crowd.complete, crowd.day, rule.trigger.attribute)


def _reaches_the_same(replaced: Rule, rule: Rule) -> bool:
    return (replaced.trigger, replaced.conditions) == (rule.trigger, rule.conditions)


def deactivate(deps: Deps, rule_id: str, cancel_queued: bool) -> Toggled:
    """Stop new entries and hold running sequences at their next step; queued follow-ups
    still go out unless `cancel_queued`, which also ends the sequences (of a rule off
    already too)."""
    switched = _switch(deps, rule_id, False)
    canceled = cancel_waiting(deps, rule_id) if cancel_queued else 0
    return replace(switched, canceled=canceled)


def delete(deps: Deps, rule_id: str) -> int:
    """Remove a rule: nothing new, its queued follow-ups and running enrollments end."""
    current(deps, rule_id)
    deps.rules.delete_rule(rule_id)
    deps.catalog.invalidate()
    return cancel_waiting(deps, rule_id, Reason.RULE_DELETED)


def cancel_waiting(deps: Deps, rule_id: str, reason: str = "rule_deactivated") -> int:
    """Cancel the rule's unsent follow-ups (those a paused number holds too, under any name
    it went by) and end its enrollments; returns how many."""
    now = deps.clock.now()
    horizon = now + _EVERYTHING
    canceled = 0
    held = (f for name in held_names(deps) for f in deps.followups.held_for(name))
    unsent = chain(
        *(
            deps.followups.waiting(phase, horizon)
            for phase in (Phase.QUEUED, Phase.DISPATCHED, Phase.WAITING_TEMPLATE)
        ),
        held,
    )
    for followup in unsent:
        if followup.rule_id == rule_id:
            canceled += end_unsent(deps, followup, Status.CANCELED, reason, now)
    due = (e for e in deps.followups.due_enrollments(horizon) if e.item.rule_id == rule_id)
    for enrollment_v in chain(due, deps.followups.held_enrollments(rule_id)):
        exited = enrollment_v.item.end(reason, EnrollmentState.EXITED)
        with suppress(CommitRejected):
            deps.commit([EnrollmentChange(exited, enrollment_v.revision, enrollment_v.item)], now)
    # A sequence whose step is being sent, or was sent moments ago, waits for that send's
    # bookkeeping (from the follow-up stream) to move on: in no index read above. Ended
    # here, it is not moved on, held, and sent on when the rule is turned on again.
    going = chain(
        deps.followups.waiting(Phase.SENDING, horizon),
        deps.followups.sent_between(now - COUNTED_WITHIN, now),
    )
    for followup in going:
        if followup.rule_id == rule_id and followup.enrollment_id is not None:
            end_enrollment(deps, followup.enrollment_id, reason, now)
    return canceled


def problems(deps: Deps, rule: Rule) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) saving `rule` would meet: errors refuse it, warnings go with it."""
    errors, warnings = review(rule, deps.catalog.settings())
    catalogue = deps.templates.templates().item
    errors += rule_problems(rule, catalogue)
    errors += [
        Problem(
            f"numbers.{index}",
            f"{name!r} is no configured sending number",
            "unknown_number",
            {"number": name},
        )
        for index, name in enumerate(rule.numbers)
        if deps.numbers.configured_as(name) is None
    ]
    return errors, warnings


def _save(
    deps: Deps,
    rule: Rule,
    confirmed: bool,
    by: str | None,
    over: int,
    replaced: Rule | None = None,
) -> tuple[Rule, list[Problem]]:
    """Save `rule` over version `over` (0: a new rule; else `replaced`, on or off as it
    was read); CommitRejected if another save, or a switch, came first (the request
    answers 409: try again)."""
    errors, warnings = problems(deps, rule)
    if errors:
        raise InvalidRule(errors)
    if rule.active:
        _check_mass_send(deps, rule, confirmed, replaced)
    authored = Authorship(by, deps.clock.now()) if by else None
    before = deps.rules.rule_head(rule.id) if over else None
    was_active = replaced.active if replaced else None
    saved = deps.rules.save_rule(rule, authored, over=over, was_active=was_active)
    if before is not None and before.last_error is not None and optout_watch.kept(before):
        # A new version clears the rule's note; the opt-out check's stays, so the spike it
        # noted is not judged, and the rule paused, a second time.
        deps.rules.note_rule_error(rule.id, before.last_error)
    deps.catalog.invalidate()
    date_triggers.backfill(deps, saved, replaced, before)
    return saved, warnings
