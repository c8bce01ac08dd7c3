"""The template catalogue kept current: synced from 360dialog (on a schedule and on
demand) and changed by Meta's template webhooks as they arrive."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.followup import Status
from followup.domain.templates import (
    TemplateCatalogue,
    TemplateEvent,
    TemplateStatusChange,
    changed,
)
from followup.domain.whatsapp import OutboundMessage, OutcomeUnknown, ProviderRejected
from followup.services.handover import handing_over
from followup.services.ports import CommitRejected, FollowUpChange, Phase

if TYPE_CHECKING:
    from followup.domain.followup import RenderedMessage, StatusChange
    from followup.domain.rule import TemplateRef
    from followup.domain.templates import Template
    from followup.services.deps import Deps

log = logging.getLogger(__name__)

MARKETING_TERMS = 131055
"""The business has not accepted the Marketing Messages API's terms."""
NOT_MARKETING = 100
"""The Marketing Messages API's refusal of a template that is not marketing (an invalid
parameter, for it)."""
SYNC_EVERY = timedelta(hours=1)
"""The scheduled sync's period; webhooks keep the catalogue current in between."""
_TRIES = 5
HELD_AT_MOST = timedelta(days=31)
"""Longer than the longest template wait the configuration allows (720 h): every follow-up
held for its template is filed in its lane before now plus this."""


class NoTemplateSource(Exception):
    """No 360dialog client is configured: the catalogue cannot be synced."""


class CatalogueBusy(Exception):
    """Others kept changing the catalogue while this change was being written."""


@dataclass(frozen=True)
class SyncReport:
    templates: int
    newly_at_risk: int
    """Templates this sync found FLAGGED or RED that the catalogue did not hold so: one
    staying RED for weeks is reported (and alarmed) once, not at every hourly sync."""
    released: int = 0

    def as_dict(self) -> dict[str, int]:
        found = {"templates": self.templates, "templates_newly_at_risk": self.newly_at_risk}
        return found | ({"followups_released": self.released} if self.released else {})


def catalogue(deps: Deps) -> TemplateCatalogue:
    return deps.templates.templates().item


def sync(deps: Deps, now: datetime) -> SyncReport:
    """Replace the catalogue with 360dialog's list, and release the follow-ups held for a
    template that may be sent; raises ProviderRejected or OutcomeUnknown when 360dialog
    does not give it."""
    if deps.template_source is None:
        raise NoTemplateSource
    fetched = deps.template_source.fetch_templates(now)
    before, saved = _change(deps, lambda current: current.synced(fetched, now))
    # Every template that may be sent, not only those approved since the last look: a
    # sender that read the catalogue from its cache before an approval (or a webhook whose
    # release was cut short) may have held a follow-up after the template came back.
    released = release_waiting(deps, sendable(saved), now)
    return SyncReport(len(saved.templates), len(newly_at_risk(before, saved)), released)


def newly_at_risk(before: TemplateCatalogue, after: TemplateCatalogue) -> set[tuple[str, str]]:
    """The templates (name, language) FLAGGED or RED in `after` and not in `before`."""
    was = {t.key for t in before.templates if t.at_risk}
    return {t.key for t in after.templates if t.at_risk} - was


def sync_if_due(deps: Deps, now: datetime, every: timedelta = SYNC_EVERY) -> SyncReport | None:
    """Sync when the last sync is `every` old or more (or none ran); None when not due."""
    last = catalogue(deps).synced_at
    if deps.template_source is None or (last is not None and now - last < every):
        return None
    return sync(deps, now)


def scheduled_sync(deps: Deps, now: datetime) -> dict[str, int]:
    """The tick's sync when due: its counts, or `templates_sync_failed` when 360dialog did
    not give the list (the next tick tries again; the catalogue stays as it was)."""
    try:
        report = sync_if_due(deps, now)
    except (ProviderRejected, OutcomeUnknown):
        return {"templates_sync_failed": 1}
    return report.as_dict() if report is not None else {}


def apply_event(deps: Deps, event: TemplateEvent) -> str:
    """Change the template the event names: `template_at_risk` when it is now FLAGGED or
    RED (alarmed), `template_unknown` when the catalogue does not hold it (the next sync
    brings it), `template_late` when what the catalogue holds of it was told or synced
    after the event happened (Meta delivering a pause again after the template was
    approved again: it changes nothing), else `template_changed`. One approved again
    releases the follow-ups held for it."""
    found: list[Template] = []
    late: list[Template] = []

    def apply(current: TemplateCatalogue) -> TemplateCatalogue:
        found.clear()
        late.clear()
        template = current.find(event.name, event.language)
        if template is None:
            return current
        if template.updated_at > event.at:
            late.append(template)
            return current
        found.append(changed(template, event))
        return current.put(found[0])

    before, after = _change(deps, apply)
    if late:
        return "template_late"
    if not found:
        return "template_unknown"
    release_waiting(deps, approved(before, after), deps.clock.now())
    return "template_at_risk" if found[0].at_risk else "template_changed"


def refused_by_whatsapp(
    deps: Deps, name: str, language: str, status: str, why: str, sent_at: datetime
) -> bool:
    """WhatsApp refused a send of the template made at `sent_at` for its status (`status`:
    PAUSED, DISABLED) while the catalogue held it sendable: its webhook late or lost, the
    catalogue up to an hour old. The catalogue takes the status as from a webhook, so that
    the sends after this one hold without a try, until a webhook or a sync says it is
    approved; but not over what a webhook or a sync said of it since the send (approved
    again meanwhile). False when the catalogue does not hold the template (none synced
    yet, or not in that language)."""
    event = TemplateStatusChange(name, language, status, sent_at, reason=why)
    held: list[Template] = []

    def note(current: TemplateCatalogue) -> TemplateCatalogue:
        held.clear()
        template = current.find(name, language)
        if template is None:
            return current
        held.append(template)
        return current if template.updated_at > sent_at else current.put(changed(template, event))

    try:
        _change(deps, note)
    except CatalogueBusy:
        return False
    return bool(held)


def _change(
    deps: Deps, change: Callable[[TemplateCatalogue], TemplateCatalogue]
) -> tuple[TemplateCatalogue, TemplateCatalogue]:
    """Read, change and write the catalogue, again from the top when another writer won;
    the catalogue as it was read and as it was written."""
    for _ in range(_TRIES):
        current = deps.templates.templates()
        updated = change(current.item)
        if updated == current.item:
            return current.item, updated
        if deps.templates.save_templates(updated, current.revision):
            deps.catalog.invalidate()
            return current.item, updated
    raise CatalogueBusy


def waiting_key(name: str, language: str) -> str:
    """How a held follow-up names a template it waits for."""
    return f"{name}:{language}"


def approved(before: TemplateCatalogue, after: TemplateCatalogue) -> set[str]:
    """The templates (`name:language`) that may be sent now and could not be before."""
    return sendable(after) - sendable(before)


def sendable(catalogue: TemplateCatalogue) -> set[str]:
    """The templates (`name:language`) that may be sent now."""
    return {waiting_key(*t.key) for t in catalogue.templates if t.sendable}


def release_waiting(deps: Deps, templates: set[str], now: datetime) -> int:
    """Make the follow-ups held for one of `templates` due now: the next dispatch tick
    hands them to the sender, which checks their template once more. Returns how many."""
    if not templates:
        return 0
    released = 0
    for held in deps.followups.waiting(Phase.WAITING_TEMPLATE, now + HELD_AT_MOST):
        if templates.isdisjoint(held.waiting_for):
            continue
        try:
            deps.commit(
                [FollowUpChange(held.released(now, TEMPLATE_APPROVED), Status.WAITING_TEMPLATE)],
                now,
            )
        except CommitRejected:
            continue  # ended or released meanwhile
        released += 1
    if released:
        log.info(
            "follow-ups released", extra={"released": released, "templates": sorted(templates)}
        )
    return released


WAITING_TEMPLATE = "waiting_template"
"""The reason a follow-up holds while its template cannot be sent."""
TEMPLATE_APPROVED = "template_approved"
"""The reason a held follow-up is queued again: a template it waits for was approved."""
TEMPLATE_WAIT_OVER = "template_wait_over"
"""The reason a held follow-up goes back to the sender at the end of its wait."""
TEMPLATE_UNUSABLE = "template_unusable"
"""The reason it ends skipped when the template stayed unusable too long."""
MARKETING_TO_US = "marketing_to_us_number"
"""Meta refuses marketing templates to +1 numbers: such follow-ups end skipped."""


@dataclass(frozen=True)
class Waiting:
    """Why a follow-up holds, until when at most, and the templates (`name:language`)
    whose approval releases it."""

    reason: str
    until: datetime
    templates: list[str]


@dataclass(frozen=True)
class Gate:
    """What the catalogue says of a template message: send `message` (perhaps the step's
    sibling template), hold it (`waiting` says why), or end it skipped (`skipped`)."""

    message: RenderedMessage
    marketing: bool
    waiting: Waiting | None = None
    skipped: str | None = None


def gate(
    deps: Deps,
    message: RenderedMessage,
    ref: TemplateRef,
    recipient: str,
    history: list[StatusChange],
    now: datetime,
) -> Gate:
    """Check a template message against the catalogue before it goes out. Before the
    first sync nothing is held or skipped, and the rule's category stands."""
    known = deps.catalog.templates()
    template = known.find(ref.name, ref.language)
    marketing = template.marketing if template is not None else ref.category == "marketing"
    if not known.known:
        return Gate(message, marketing)
    if template is not None and template.sendable:
        return _to_us(Gate(message, marketing), recipient)
    sibling = known.find(ref.sibling, ref.language) if ref.sibling else None
    if sibling is not None and sibling.sendable:
        switched = message.model_copy(update={"template_name": sibling.name})
        return _to_us(Gate(switched, sibling.marketing), recipient)
    status = template.status if template is not None else "unknown"
    why = f"template {ref.name!r} ({ref.language}) is {status.lower()}"
    since = next((c.at for c in history if _held(c)), now)
    if now - since >= deps.timings.template_wait:
        return Gate(message, marketing, skipped=f"{TEMPLATE_UNUSABLE}: {why}")
    names = [ref.name, *([ref.sibling] if ref.sibling else [])]
    keys = [waiting_key(name, ref.language) for name in names]
    held = Waiting(f"{WAITING_TEMPLATE}: {why}", since + deps.timings.template_wait, keys)
    return Gate(message, marketing, waiting=held)


def _held(change: StatusChange) -> bool:
    """A change that held the follow-up for its template (before the status of its own,
    such follow-ups were held as queued with the reason)."""
    return change.status is Status.WAITING_TEMPLATE or (change.reason or "").startswith(
        WAITING_TEMPLATE
    )


def with_body(deps: Deps, message: RenderedMessage) -> RenderedMessage:
    """A template message with the body the contact reads, and its parameters' names when
    the template names them, when the catalogue has it."""
    if message.kind != "template" or not message.template_name or not message.language:
        return message
    template = deps.catalog.templates().find(message.template_name, message.language)
    if template is None or not template.body:
        return message
    body = template.render(message.params)
    return message.model_copy(update={"body": body, "param_names": template.param_names})


def routed(deps: Deps, outbound: OutboundMessage) -> OutboundMessage:
    """Marketing templates (by the catalogue's category) go to the Marketing Messages API,
    unless the business has not accepted its terms; everything else to `/messages`."""
    message = outbound.message
    if message.kind != "template" or not message.template_name or not message.language:
        return outbound
    known = deps.catalog.templates()
    template = known.find(message.template_name, message.language)
    marketing = template is not None and template.marketing
    return replace(outbound, marketing=marketing and known.marketing_api_refused is None)


def send_routed(deps: Deps, outbound: OutboundMessage, now: datetime) -> str:
    """Send; when the Marketing Messages API refuses us for its terms (131055), note it
    on the catalogue (logged once) and send the same message through `/messages` now:
    a refused send sent nothing. So too, without a note, when it refuses the template
    as an invalid parameter (100): the template is no longer marketing, its category's
    webhook late or lost (the next sync or webhook moves it); a parameter truly invalid
    is refused by `/messages` too."""
    try:
        return _handed(deps, outbound)
    except ProviderRejected as rejected:
        if not outbound.marketing or rejected.failure.code not in (MARKETING_TERMS, NOT_MARKETING):
            raise
        if rejected.failure.code == NOT_MARKETING:
            log.warning(
                "the Marketing Messages API refused a template: sent through /messages",
                extra={"template": outbound.message.template_name, "why": rejected.failure.reason},
            )
            return _handed(deps, replace(outbound, marketing=False))
        reason = rejected.failure.reason
    why = f"the Marketing Messages API refused us (131055, terms not accepted): {reason}"
    first: list[bool] = []

    def refused(current: TemplateCatalogue) -> TemplateCatalogue:
        first[:] = [current.marketing_api_refused is None]
        return (
            current if not first[0] else current.model_copy(update={"marketing_api_refused": why})
        )

    _change(deps, refused)
    if first[0]:
        log.warning("marketing templates fall back to /messages", extra={"reason": why})
    return _handed(deps, replace(outbound, marketing=False))


def _handed(deps: Deps, outbound: OutboundMessage) -> str:
    """The message handed to 360dialog; refused, it sent nothing."""
    with handing_over(ProviderRejected):
        return deps.whatsapp.send(outbound)


def _to_us(decided: Gate, recipient: str) -> Gate:
    if decided.marketing and recipient.lstrip("+").startswith("1"):
        why = f"{MARKETING_TO_US}: Meta refuses marketing templates to +1 numbers"
        return Gate(decided.message, decided.marketing, skipped=why)
    return decided
