"""An email SES took, its answer lost on the way back (the follow-up ends failed, its
outcome unknown), then hard-bounced: the bounce still keeps the address from being emailed
again, as for any email that bounced."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.channels import OutboundEmail
from followup.domain.followup import Reason, Status
from followup.domain.whatsapp import OutcomeUnknown
from followup.services import email_feedback
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.events import load
from tests.support.outbox import Outbox

Engine = MemoryEngine | LocalEngine

HOUR = timedelta(hours=1)
ADDRESS = "rudi@example.com"


class _AnswerLostOnce(Outbox):
    """SES taking every email; its answer about the first never comes back."""

    def send(self, *message: Any) -> str:
        sent = super().send(*message)
        if isinstance(message[0], OutboundEmail) and len(self.sent) == 1:
            raise OutcomeUnknown("ses: read timeout")
        return sent


def test_a_bounce_of_an_email_whose_answer_was_lost_keeps_the_address_from_email(
    either: Engine,
) -> None:
    # Given an email step sent to a lead, SES's answer about it lost
    ses = either.deps.email = _AnswerLostOnce()
    either.deps.rules.save_rule(rule(steps=[channel_step("email")]))
    lead = quiet_contact(
        either.deps, "6281100007101", either.clock.now() - 25 * HOUR, email=ADDRESS
    )
    either.tick()
    [lost] = either.deps.followups.followups_of(lead.id)
    assert (lost.status, lost.reason) == (Status.FAILED, Reason.OUTCOME_UNKNOWN)
    # When SES reports the address does not exist
    bounce = load("eventbridge-ses-bounce.json")["detail"]
    bounce["mail"]["tags"]["followup_id"] = [lost.id]
    bounce["bounce"]["timestamp"] = either.clock.now().isoformat()
    feedback = email_feedback.EmailFeedback.model_validate(bounce)
    assert email_feedback.apply(either.deps, feedback) == "bounce"
    # Then the contact shows the address bounced
    found = either.deps.contacts.contact(lead.id)
    assert found is not None
    assert found.item.email_bounce is not None
    assert found.item.email_bounce.address == ADDRESS
    # And another email rule due for them sends no second email: it is skipped for it
    either.deps.rules.save_rule(
        rule(steps=[channel_step("email")]).model_copy(update={"id": "again"})
    )
    either.clock.advance(HOUR)
    either.tick()
    assert ses.sent == [("email", ADDRESS)]
    [second] = [f for f in either.deps.followups.followups_of(lead.id) if f.rule_id == "again"]
    assert (second.status, second.skipped_channels) == (Status.SKIPPED, ["bounced:email"])
