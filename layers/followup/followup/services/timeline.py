"""A contact's conversation as people read it: the lines kept as messages (what the
contact wrote, what counsellors and other systems sent) and the engine's own sends, built
from the follow-ups that carry them instead of being written a second time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from followup.domain.contact import Speaker
from followup.domain.conversation import Direction, Message
from followup.domain.followup import Status

if TYPE_CHECKING:
    from datetime import datetime

    from followup.domain.followup import FollowUp, RenderedMessage
    from followup.services.deps import Deps


def conversation(
    deps: Deps, contact_id: str, limit: int, followups: Sequence[FollowUp] | None = None
) -> list[Message]:
    """The contact's last `limit` lines, newest first; `followups` are the contact's, when
    the caller has read them already."""
    kept = deps.contacts.recent_messages(contact_id, limit)
    # Sends from before their lines were built came with a stored line: shown once.
    stored = {message.followup_id for message in kept if message.followup_id}
    if followups is None:
        followups = deps.followups.followups_of(contact_id)
    built = [sent_line(f) for f in followups if f.id not in stored]
    lines = [*kept, *(line for line in built if line is not None)]
    return sorted(lines, key=lambda line: line.placed, reverse=True)[: max(limit, 0)]


def sent_line(followup: FollowUp) -> Message | None:
    """The line a follow-up put in its conversation when it went out; None if it did not,
    or if WhatsApp then reported it failed: the lead never saw it, so neither the contact's
    page nor the AI writer's history shows it as said."""
    rendered, sent_at, wamid = followup.rendered, followup.sent_at, followup.provider_message_id
    if rendered is None or sent_at is None or wamid is None or followup.status is Status.FAILED:
        return None
    return outbound_line(followup.id, followup.contact_id, wamid, sent_at, rendered)


def outbound_line(
    followup_id: str, contact_id: str, provider_id: str, at: datetime, message: RenderedMessage
) -> Message:
    """The conversation line of one send of a follow-up."""
    return Message(
        id=provider_id,
        contact_id=contact_id,
        at=at,
        direction=Direction.OUTBOUND,
        speaker=Speaker.SYSTEM,
        text=message.text or message.body or f"[template {message.template_name}]",
        followup_id=followup_id,
    )
