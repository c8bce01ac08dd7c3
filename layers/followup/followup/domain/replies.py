"""What a reply's intent does: always recorded on the message, acted on when sure enough.

Below `intents.min_confidence` (or for a question, or nothing recognised) the intent is
only recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup.domain.conversation import MessageIntent
from followup.domain.intents import Detected, Intent
from followup.domain.settings import WorkspaceSettings

_NO_ACTION = frozenset({Intent.QUESTION, Intent.OTHER})


@dataclass(frozen=True)
class Reading:
    """The record kept with the message, and what the inbound path must do."""

    record: MessageIntent


def read_reply(detected: Detected, settings: WorkspaceSettings) -> Reading:
    """What `detected` means for this contact's follow-ups under the workspace settings."""
    record = MessageIntent(
        intent=detected.intent,
        confidence=detected.confidence,
        source=detected.source,
        at=detected.at,
        local=detected.local,
    )
    threshold = settings.intents.min_confidence
    if detected.intent in _NO_ACTION:
        return Reading(record)
    if detected.confidence < threshold:
        effect = f"recorded only: confidence {detected.confidence:.2f} is below {threshold:.2f}"
        return Reading(record.model_copy(update={"effect": effect}))
    return Reading(record)
