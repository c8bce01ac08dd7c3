"""Free text made only of placeholders the lead has no value for would go blank, which
WhatsApp refuses and a lead would not understand: the step's template goes instead, and
with none the follow-up is skipped naming the field, as a template's empty parameter is."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import FollowUp, Status
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
WA_ID = "6281100000871"
OFFER_ONLY = "{attributes.offer}"
TEMPLATE = {"name": "apply_reminder", "language": "en"}
SOON = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}


def only_followup(engine: MemoryEngine) -> FollowUp:
    found = engine.deps.contacts.contact_by_wa_id(WA_ID)
    assert found is not None
    [followup] = engine.deps.followups.followups_of(found.item.id)
    return followup


def test_the_template_goes_when_the_free_text_would_be_blank(engine: MemoryEngine) -> None:
    # Given a step whose free text is only the lead's offer, with a template beside it
    step = {"wait": {"amount": 0, "unit": "minutes"}, "text": OFFER_ONLY, "template": TEMPLATE}
    engine.deps.rules.save_rule(rule(trigger=SOON, steps=[step]))
    # And a lead inside the 24-hour window who has no offer
    quiet_contact(engine.deps, WA_ID, engine.clock.now() - 2 * HOUR)
    # When the tick sends the step
    engine.tick()
    # Then the template goes, not an empty text
    [sent] = engine.sandbox.sent()
    assert sent.body is not None
    assert sent.body["type"] == "template"
    assert only_followup(engine).status is Status.SENT


def test_a_step_without_a_template_is_skipped_naming_the_missing_field(
    engine: MemoryEngine,
) -> None:
    # Given a step whose free text is only the lead's offer, and no template
    step = {"wait": {"amount": 0, "unit": "minutes"}, "text": OFFER_ONLY}
    engine.deps.rules.save_rule(rule(trigger=SOON, steps=[step]))
    quiet_contact(engine.deps, WA_ID, engine.clock.now() - 2 * HOUR)
    # When the tick sends the step to a lead inside the window who has no offer
    engine.tick()
    # Then nothing goes, and the queue says which field was missing
    assert engine.sandbox.sent() == []
    followup = only_followup(engine)
    assert (followup.status, followup.reason) == (
        Status.SKIPPED,
        "attribute_missing:attributes.offer",
    )


def test_an_sms_that_would_be_blank_is_not_sent(engine: MemoryEngine, outbox: Outbox) -> None:
    # Given a step by SMS whose text is only the lead's offer
    step = {"wait": {"amount": 0, "unit": "minutes"}, "channel": "sms", "text": OFFER_ONLY}
    engine.deps.rules.save_rule(rule(steps=[step]))
    quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    # When the tick sends it to a lead who has no offer
    engine.tick()
    # Then no empty SMS goes, and the queue says which field was missing
    assert outbox.sent == []
    followup = only_followup(engine)
    assert (followup.status, followup.reason) == (
        Status.SKIPPED,
        "attribute_missing:attributes.offer",
    )
