"""What a reply's intent does: always recorded on the message, acted on when sure enough.

- `not_interested` ends every follow-up of the contact (enrollments exit with reason
  `not_interested`, queued sends are canceled) and, if `intents.
  not_interested_suppresses_marketing`, stops marketing templates to them;
- `wrong_number` ends every follow-up the same way (reason `wrong_number`) and stops all
  messages to the number (`WRONG_NUMBER_BY` marks who stopped them: an admin may allow it
  again, once the contact's number is right);
- `done` ends every follow-up the same way (reason `done`) and suggests a stage for staff
  to confirm: `paid` when the funnel has it, else its last stage; none when the contact is
  already there or further;
- `call_back_at` and `busy` enroll the contact in the active rules whose intent trigger
  names that intent (see `services.callbacks`); with none, recorded only;
- below `intents.min_confidence`, a question, or nothing recognised: recorded only.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup.domain.conversation import MessageIntent
from followup.domain.intent import Detected, Intent
from followup.domain.settings import WorkspaceSettings

_NO_ACTION = frozenset({Intent.QUESTION, Intent.OTHER})
PAID_STAGE = "paid"
WRONG_NUMBER_BY = "wrong_number"
"""Who stopped all messages to a contact whose number reached someone else (`opted_out_by`)."""
ENDED = "ended the follow-ups"


@dataclass(frozen=True)
class Reading:
    """The record kept with the message, and what the inbound path must do."""

    record: MessageIntent
    ends: str | None = None
    """End every follow-up of the contact, with this reason."""
    suppress_marketing: bool = False
    follow_up: Intent | None = None
    """Enroll the contact in the rules that follow this intent up (a call back, a nudge
    after busy)."""
    stops_all: bool = False
    """Stop all messages to the contact: the number reached someone else."""

    @property
    def keeps_call_back(self) -> bool:
        """Whether a call back still to come stands through this reply: it does unless the
        reply ends the follow-ups or asks for another time, which replaces it. A line that
        only thanks, agrees or says why ("lagi sibuk soalnya") leaves it in place."""
        return self.ends is None and self.follow_up is not Intent.CALL_BACK_AT


def read_reply(detected: Detected, settings: WorkspaceSettings, stage: str) -> Reading:
    """What `detected` means for the follow-ups of a contact now in `stage`."""
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
        return Reading(
            record.model_copy(update={"effect": effect, "effect_code": "low_confidence"})
        )
    if detected.intent is Intent.NOT_INTERESTED:
        suppress = settings.intents.not_interested_suppresses_marketing
        effect = f"{ENDED}: not interested" + ("; marketing suppressed" if suppress else "")
        code = "ended_not_interested" + ("_suppressed" if suppress else "")
        return Reading(
            record.model_copy(update={"effect": effect, "effect_code": code}),
            Intent.NOT_INTERESTED,
            suppress,
        )
    if detected.intent is Intent.WRONG_NUMBER:
        effect = f"{ENDED}: wrong number; all messages stopped"
        said = {"effect": effect, "effect_code": "ended_wrong_number"}
        return Reading(record.model_copy(update=said), Intent.WRONG_NUMBER, stops_all=True)
    if detected.intent is Intent.DONE:
        suggested = suggested_stage(settings, stage)
        effect = f"{ENDED}; " + (
            f"suggested stage: {suggested} (confirm)" if suggested else f"already at stage {stage}"
        )
        code = "ended_done_" + ("suggested_stage" if suggested else "already_at_stage")
        at_stage = None if suggested else stage
        update = {
            "effect": effect,
            "effect_code": code,
            "suggested_stage": suggested,
            "at_stage": at_stage,
        }
        return Reading(record.model_copy(update=update), Intent.DONE)
    return Reading(record, follow_up=detected.intent)


def suggested_stage(settings: WorkspaceSettings, stage: str) -> str | None:
    """The stage a lead who says they paid or booked probably reached, unless already past."""
    if not settings.stages:
        return None
    target = PAID_STAGE if PAID_STAGE in settings.stages else settings.stages[-1]
    return target if settings.stage_rank(stage) < settings.stage_rank(target) else None
