"""The admin views judge whether an SMS reaches a lead without asking SNS: the rule
preview, the mass-send check on turning a rule on and the contact page run in the API
function, which may not read SNS's opt-out list (only the sender may, before it sends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

from followup.services import rules
from followup.services.preview import preview
from followup.services.upcoming import upcoming
from followup_local.memory_engine import MemoryEngine
from tests.service.test_paused_number_channels import one_step, pause_the_number, quiet_lead
from tests.service.test_paused_number_views import journey, the_contact
from tests.support.outbox import Outbox

RULE = "apply-remind-24h"
HOUR = timedelta(hours=1)


class SnsAsTheApiSeesIt(Outbox):
    """SNS called with the API function's role: it may not check the opt-out list."""

    def __init__(self) -> None:
        super().__init__()
        self.checks = 0

    def opted_out(self, number: str) -> bool:
        self.checks += 1
        error = {"Error": {"Code": "AuthorizationError", "Message": "not authorized"}}
        raise ClientError(error, "CheckIfPhoneNumberIsOptedOut")


@pytest.fixture
def sns(engine: MemoryEngine) -> SnsAsTheApiSeesIt:
    refusing = SnsAsTheApiSeesIt()
    engine.deps.sms = refusing
    return refusing


def test_the_preview_of_an_sms_rule_counts_its_leads_without_asking_sns(
    engine: MemoryEngine, sns: SnsAsTheApiSeesIt
) -> None:
    # Given a rule sending by SMS, and three leads with a phone, quiet for a day
    sending = one_step("sms")
    for n in range(3):
        quiet_lead(engine, f"62811000009{70 + n}")
    # When marketing previews the rule
    seen = preview(engine.deps, sending)
    # Then all three are counted as messaged now, and SNS was not asked
    assert (seen.now_count, seen.skipped) == (3, {})
    assert sns.checks == 0


def test_turning_on_an_sms_rule_past_the_mass_send_limit_asks_for_confirmation(
    engine: MemoryEngine, sns: SnsAsTheApiSeesIt
) -> None:
    # Given an SMS rule that is off, a mass-send limit of two, and three quiet leads
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"mass_send_limit": 2}))
    engine.deps.catalog.invalidate()
    rules.create(engine.deps, one_step("sms").model_copy(update={"active": False}))
    for n in range(3):
        quiet_lead(engine, f"62811000009{75 + n}")
    # When an admin turns it on without confirming
    with pytest.raises(rules.MassSend, match="would message 3 contacts"):
        rules.activate(engine.deps, RULE, confirmed=False)
    # Then it stays off, and SNS was not asked
    assert not rules.current(engine.deps, RULE).active
    assert sns.checks == 0


def test_the_contact_page_shows_an_sms_step_going_past_a_paused_number_without_asking_sns(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a journey of a WhatsApp message then an SMS, its first message sent, and then
    # the lead's WhatsApp number paused
    engine.deps.rules.save_rule(journey("whatsapp", "sms"))
    lead = quiet_lead(engine, "6281100000978")
    engine.tick()
    pause_the_number(engine)
    sns = SnsAsTheApiSeesIt()
    engine.deps.sms = sns
    # When the contact page lists what comes next
    shown = upcoming(engine.deps, the_contact(engine, lead))
    # Then the SMS is shown going, not held, and SNS was not asked
    assert [(u.step + 1, u.does, u.paused) for u in shown] == [(2, "sms", False)]
    assert sns.checks == 0
