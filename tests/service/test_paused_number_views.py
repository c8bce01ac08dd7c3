"""Every view of what a paused WhatsApp number holds agrees with the sender: a number's
pause holds only what goes by WhatsApp (an SMS or email step goes on, a paused workspace
still holds everything), and what it held under the name it went by before
`D360_PHONE_NUMBER_ID` was set is still the number's, for the rule's cancel and delete
and for the move to a rule's new version."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.followup import Reason, Status
from followup.domain.numbers import DEFAULT_NUMBER
from followup.domain.rule import Rule
from followup.services import manual, rules, versions
from followup.services.preview import preview
from followup.services.upcoming import upcoming
from followup.services.webhook import resume_number
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.service.test_held_old_number_name import (
    DISPLAY,
    NUMBER_ID,
    configure_its_id,
    held_while_flagged,
)
from tests.service.test_paused_number_channels import (
    EMAIL,
    TEXT,
    one_step,
    pause_the_number,
    quiet_lead,
)
from tests.support.builders import rule, sends_a_day
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)


def pause_the_workspace(engine: MemoryEngine) -> None:
    """An admin pauses all sending."""
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"paused": True}))
    engine.deps.catalog.invalidate()


def journey(*channels: str) -> Rule:
    """A rule sending one step on each of `channels` in turn, an hour apart, to leads quiet
    for a day."""
    steps: list[dict[str, Any]] = [
        {
            "wait": {"amount": 0 if n == 0 else 1, "unit": "hours"},
            "channel": channel,
            "text": TEXT,
            "template": {"name": "apply_reminder", "language": "en"},
            "email": EMAIL,
        }
        for n, channel in enumerate(channels)
    ]
    return rule(steps=steps)


def the_contact(engine: MemoryEngine, lead: Contact) -> Contact:
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    return found.item


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_the_preview_promises_an_sms_or_email_rule_while_the_whatsapp_number_is_paused(
    engine: MemoryEngine, outbox: Outbox, channel: str
) -> None:
    # Given a rule sending by SMS (or email), and the lead's WhatsApp number paused
    sending = one_step(channel)
    engine.deps.rules.save_rule(sending)
    lead = quiet_lead(engine, "6281100000311")
    pause_the_number(engine)
    # When marketing previews the rule
    seen = preview(engine.deps, sending)
    # Then it promises the lead a message now, and leaves no one out for the number
    assert seen.skipped == {}
    assert [p.contact_id for p in seen.planned] == [lead.id]
    assert seen.due_now == 1
    # And the tick sends it, as promised
    engine.tick()
    assert len(outbox.sent) == 1


def test_the_preview_still_says_a_whatsapp_rule_waits_for_the_paused_number(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a rule sending by WhatsApp, and the lead's number paused
    sending = one_step("whatsapp", ["sms"])
    engine.deps.rules.save_rule(sending)
    quiet_lead(engine, "6281100000312")
    pause_the_number(engine)
    # When marketing previews the rule
    seen = preview(engine.deps, sending)
    # Then the lead is left out: the paused number holds the message
    assert seen.skipped == {"number_paused": 1}


def test_the_preview_says_a_paused_workspace_holds_an_sms_rule(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a rule sending by SMS, and all sending paused
    sending = one_step("sms")
    engine.deps.rules.save_rule(sending)
    quiet_lead(engine, "6281100000313")
    pause_the_workspace(engine)
    # When marketing previews the rule
    seen = preview(engine.deps, sending)
    # Then the lead is left out: nothing goes while the workspace is paused
    assert seen.skipped == {"number_paused": 1}


def test_the_contact_page_marks_held_only_the_whatsapp_steps_of_a_paused_number(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a journey of a WhatsApp message, then an SMS, then WhatsApp again, an hour
    # apart (three follow-ups a day allowed), its first message sent, and then the lead's
    # WhatsApp number paused
    sends_a_day(engine.deps, 3)
    engine.deps.rules.save_rule(journey("whatsapp", "sms", "whatsapp"))
    lead = quiet_lead(engine, "6281100000314")
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    pause_the_number(engine)
    # When the contact page lists what comes next
    shown = upcoming(engine.deps, the_contact(engine, lead))
    # Then the SMS is promised as going, and only the WhatsApp message after it as held
    assert [(u.step + 1, u.does, u.paused) for u in shown] == [
        (2, "sms", False),
        (3, "whatsapp", True),
    ]
    # And the SMS goes when due, while the number is still paused
    engine.clock.advance(HOUR)
    engine.tick()
    assert outbox.sent == [("sms", "+6281100000314")]


def test_the_contact_page_marks_an_sms_step_held_while_the_workspace_is_paused(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a journey of a WhatsApp message then an SMS, its first message sent, and then
    # all sending paused
    engine.deps.rules.save_rule(journey("whatsapp", "sms"))
    lead = quiet_lead(engine, "6281100000315")
    engine.tick()
    pause_the_workspace(engine)
    # When the contact page lists what comes next
    shown = upcoming(engine.deps, the_contact(engine, lead))
    # Then the SMS is shown held
    assert [(u.step + 1, u.paused) for u in shown] == [(2, True)]


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_send_now_of_an_sms_or_email_rule_goes_at_once_while_the_whatsapp_number_is_paused(
    engine: MemoryEngine, outbox: Outbox, channel: str
) -> None:
    # Given a rule sending by SMS (or email), and the lead's WhatsApp number paused
    engine.deps.rules.save_rule(one_step(channel))
    lead = quiet_lead(engine, "6281100000316")
    pause_the_number(engine)
    # When a counsellor sends it now
    followup = manual.send_now(engine.deps, lead.id, "apply-remind-24h")
    goes = manual.when(engine.deps, followup)
    # Then they are told it goes now, not that sending is paused
    assert (goes.now, goes.why_code) == (True, "window_open")
    # And it goes
    engine.drain()
    assert len(outbox.sent) == 1


def test_send_now_says_a_paused_workspace_holds_an_sms(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a rule sending by SMS, and all sending paused
    engine.deps.rules.save_rule(one_step("sms"))
    lead = quiet_lead(engine, "6281100000317")
    pause_the_workspace(engine)
    # When a counsellor sends it now
    followup = manual.send_now(engine.deps, lead.id, "apply-remind-24h")
    goes = manual.when(engine.deps, followup)
    # Then they are told it waits for sending to resume
    assert (goes.now, goes.why_code) == (False, "paused")


@pytest.fixture(params=[DISPLAY, DEFAULT_NUMBER], ids=["by its display number", "unnamed"])
def named_the_old_way(request: pytest.FixtureRequest) -> Iterator[MemoryEngine]:
    """The one number configured without `D360_PHONE_NUMBER_ID`: it goes by `D360_NUMBER`
    (its display number), or by the default name when that is not given either."""
    settings = {"D360_PHONE_NUMBER_ID": "", "D360_NUMBER": request.param}
    with memory_engine(TUESDAY_9AM_JAKARTA, settings) as running:
        yield running


@pytest.mark.parametrize("ending", ["deleted", "switched off with its queue canceled"])
def test_a_follow_up_held_under_the_old_name_ends_with_its_rule(
    named_the_old_way: MemoryEngine, ending: str
) -> None:
    engine = named_the_old_way
    # Given a follow-up held while the number, not yet configured by its id, was flagged
    held = held_while_flagged(engine, "6281100000318")
    # And a deploy that configures the number's id, the number still paused
    configure_its_id(engine)
    # When marketing deletes the rule (or switches it off, canceling what it queued)
    if ending == "deleted":
        canceled = rules.delete(engine.deps, held.rule_id)
    else:
        canceled = rules.deactivate(engine.deps, held.rule_id, cancel_queued=True).canceled
    # Then the held follow-up is canceled with it, and its journey ends
    assert canceled == 1
    found = engine.deps.followups.followup(held.id)
    assert found is not None
    assert found.status is Status.CANCELED
    reason = Reason.RULE_DELETED if ending == "deleted" else "rule_deactivated"
    assert found.reason == reason
    [enrollment] = engine.deps.followups.enrollments_of(held.contact_id)
    assert enrollment.item.state.value == "exited"
    # And resuming the number sends nothing
    assert resume_number(engine.deps, NUMBER_ID, engine.clock.now())
    engine.tick()
    assert engine.sandbox.sent() == []


def test_a_journey_held_under_the_old_name_moves_to_the_rules_new_version(
    named_the_old_way: MemoryEngine,
) -> None:
    engine = named_the_old_way
    # Given a follow-up held while the number, not yet configured by its id, was flagged
    held = held_while_flagged(engine, "6281100000319")
    # And a deploy that configures the number's id, the number still paused
    configure_its_id(engine)
    # When marketing saves a new version of the rule and moves running journeys onto it
    saved, _, new = rules.update(engine.deps, held.rule_id, rule(name="Apply reminder v2"))
    assert new
    moved = versions.migrate(engine.deps, saved)
    # Then the held lead's journey is moved too
    assert moved.moved == 1
    [enrollment] = engine.deps.followups.enrollments_of(held.contact_id)
    assert enrollment.item.rule_version == saved.version
