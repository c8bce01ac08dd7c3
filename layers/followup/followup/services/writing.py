"""AI-written messages at send time: the step's instructions and the contact's context go
to the writer, its text through the guardrails; the static content goes whenever any of
it fails, and the follow-up records why.

Inside the 24 h window the AI writes the free text (the step's `text` is the fallback);
outside it, only the template parameter marked `ai: true` (its field or text is the
fallback). Contact attributes named `deal.<key>` are shown to the model as the deal.

The writer is called after the follow-up is claimed (`sending`) and before the provider:
a crash in between leaves it `sending` until its deadline marks the outcome unknown, so a
text, whatever it was, goes out at most once. A send retried after a provider error
reuses the text its follow-up kept from the attempt before, without a call; when it has
none (the static content went), the new call's usage is added to what was spent before.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from followup.domain.ai import AiRequest, AiUnavailable, Unavailable, Usage
from followup.domain.ai_prompt import build_request, context_for
from followup.domain.conversation import Direction, Message
from followup.domain.followup import AiWriting, FollowUp, Reason, RenderedMessage, Status
from followup.domain.guardrails import Target, check_written
from followup.domain.messaging import compose
from followup.services.timeline import conversation

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import AiMessage, Rule, Step
    from followup.domain.settings import AiSettings
    from followup.services.deps import Deps

DEAL_PREFIX = "deal."
HISTORY = 50
TEXT_MAX_CHARS = 1000
PARAMETER_MAX_CHARS = 200
_ONE_LINE = (
    "Write a single short line without line breaks: it fills one parameter of an "
    "approved template, the rest of the template is fixed."
)


class Fallback(StrEnum):
    """Why the static content went, besides the writer's own reasons (`Unavailable`)."""

    AI_DISABLED = "ai_disabled"
    GUARDRAIL = "guardrail"
    OTHER_CHANNEL = "other_channel"  # written for WhatsApp, which could not take it


DUPLICATE = "duplicate"
"""The guardrail a text fails when this contact was already sent the very same text."""


@dataclass(frozen=True)
class Written:
    """The message to send and, for an AI step, what the AI did for the follow-up (with
    the usage of earlier attempts added); `attempt` is what this attempt alone did and
    spent, None when it made no call and reused the text written before."""

    message: RenderedMessage
    ai: AiWriting | None
    attempt: AiWriting | None = None


def personalise(
    deps: Deps,
    step: Step,
    rule: Rule,
    contact: Contact,
    static: RenderedMessage,
    before: AiWriting | None = None,
) -> Written:
    """The AI's version of `static` when the step asks for one and it passes, else `static`;
    `before` is what earlier attempts of the same follow-up did."""
    if step.ai is None:
        return Written(static, None)
    slot = _slot(step, static)
    if static.kind == "template" and slot is None:
        # outside the window with no parameter for the AI: a text an earlier try wrote
        # inside it does not go
        return Written(static, window_closed(before))
    settings = deps.catalog.settings().ai
    if not settings.enabled:
        off = AiWriting(used=False, fallback_reason=Fallback.AI_DISABLED.value)
        return _written(static, off, before)
    target = Target.TEXT if slot is None else Target.TEMPLATE_PARAMETER
    if before is not None and before.text is not None and before.target == target.value:
        return Written(_with(static, slot, before.text), before)
    if deps.writer is None:
        fallback = AiWriting(used=False, fallback_reason=Unavailable.NO_API_KEY.value)
        return _written(static, fallback, before)
    followups = deps.followups.followups_of(contact.id)
    history = conversation(deps, contact.id, HISTORY, followups)
    request = _request(step.ai, rule, contact, history, settings, target)
    result = deps.writer.write(request)
    if isinstance(result, AiUnavailable):
        unavailable = _record(result.usage, result.model, fallback_reason=result.reason.value)
        return _written(static, unavailable, before)
    refusal = check_written(
        result.text, request, target=target, forbidden=settings.forbidden_phrases
    )
    if refusal is not None:
        guardrail = refusal.guardrail.value
    elif result.text in _sent_before(followups, history):
        guardrail = DUPLICATE
    else:
        used = _record(result.usage, result.model, text=result.text, target=target)
        return _written(_with(static, slot, result.text), used, before)
    refused = _record(
        result.usage, result.model, fallback_reason=Fallback.GUARDRAIL.value, guardrail=guardrail
    )
    return _written(static, refused, before)


def sample(deps: Deps, rule: Rule, step_index: int, contact: Contact) -> Written | None:
    """What the step would send `contact` now, written but not sent; None when it cannot
    send (outside the 24 h window without a template)."""
    step = rule.send_step(step_index)
    static = compose(step, contact, deps.clock.now())
    return None if static is None else personalise(deps, step, rule, contact, static)


def _slot(step: Step, static: RenderedMessage) -> int | None:
    """Where the AI text goes: None for the free text, else the template parameter index."""
    if static.kind == "text" or step.template is None:
        return None
    return step.template.ai_param


def _request(
    ai: AiMessage,
    rule: Rule,
    contact: Contact,
    history: Sequence[Message],
    settings: AiSettings,
    target: Target,
) -> AiRequest:
    """The request for `contact`; `deal.<key>` attributes are shown as the deal's."""
    own, deal = {}, {}
    for key, value in contact.attributes.items():
        if key.startswith(DEAL_PREFIX):
            deal[key.removeprefix(DEAL_PREFIX)] = value
        else:
            own[key] = value
    context = context_for(
        contact.model_copy(update={"attributes": own}),
        history,
        language=settings.language,
        tone=settings.tone,
        rule_purpose=rule.name,
        deal_attributes=deal,
    )
    if target is Target.TEXT:
        return build_request(
            context, ai.instructions, max_chars=TEXT_MAX_CHARS, extra=ai.extra or ""
        )
    extra = "\n".join(part for part in (ai.extra or "", _ONE_LINE) if part)
    return build_request(context, ai.instructions, max_chars=PARAMETER_MAX_CHARS, extra=extra)


def _sent_before(followups: Sequence[FollowUp], history: Sequence[Message]) -> set[str]:
    """Every text and template parameter this contact was sent; not one whose send failed
    (WhatsApp reported it failed after taking it: the lead never saw it)."""
    texts = {message.text for message in history if message.direction is Direction.OUTBOUND}
    for followup in followups:
        if followup.rendered is not None and followup.status is not Status.FAILED:
            texts.update(_parts(followup.rendered))
    return texts


def _parts(rendered: RenderedMessage) -> Iterable[str]:
    if rendered.text:
        yield rendered.text
    yield from rendered.params


def _with(static: RenderedMessage, slot: int | None, text: str) -> RenderedMessage:
    if slot is None:
        return static.model_copy(update={"text": text})
    params = list(static.params)
    params[slot] = text
    return static.model_copy(update={"params": params})


def window_closed(ai: AiWriting | None) -> AiWriting | None:
    """`ai` when the free text it wrote cannot go after all, the window closed (the step's
    template goes in its place): its record says so, keeping what the writing cost."""
    if ai is None or not ai.used or ai.target != Target.TEXT.value:
        return ai
    unused = {"used": False, "fallback_reason": Reason.WINDOW_CLOSED.value, "text": None}
    return ai.model_copy(update={**unused, "target": None})


def _written(message: RenderedMessage, attempt: AiWriting, before: AiWriting | None) -> Written:
    """`attempt` for the follow-up with what `before` spent added: usage adds up, never lost."""
    if before is None:
        return Written(message, attempt, attempt)
    total = attempt.model_copy(
        update={
            "model": attempt.model or before.model,
            "input_tokens": before.input_tokens + attempt.input_tokens,
            "output_tokens": before.output_tokens + attempt.output_tokens,
            "cached_tokens": before.cached_tokens + attempt.cached_tokens,
            "cost_usd": before.cost_usd + attempt.cost_usd,
        }
    )
    return Written(message, total, attempt)


def _record(
    usage: Usage | None,
    model: str | None = None,
    *,
    fallback_reason: str | None = None,
    guardrail: str | None = None,
    text: str | None = None,
    target: Target | None = None,
) -> AiWriting:
    spent = usage or Usage(0, 0, 0, 0, 0.0)
    return AiWriting(
        used=fallback_reason is None,
        fallback_reason=fallback_reason,
        guardrail=guardrail,
        text=text,
        target=None if target is None else target.value,
        model=model,
        input_tokens=spent.input_tokens + spent.cache_creation_input_tokens,
        output_tokens=spent.output_tokens,
        cached_tokens=spent.cache_read_input_tokens,
        cost_usd=spent.cost_usd,
    )
