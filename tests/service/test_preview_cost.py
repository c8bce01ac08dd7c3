"""What activating a rule would cost: who it messages now, priced by market and category."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.costs import rate_card
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
SOON = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}


def test_a_marketing_template_to_quiet_leads_costs_each_markets_marketing_rate(
    engine: MemoryEngine,
) -> None:
    # Given two Indonesian leads and a Brazilian one, quiet past the window
    now = engine.clock.now()
    for number in ("6281100000601", "6281100000602", "5511987650601"):
        quiet_contact(engine.deps, number, now - 30 * HOUR)
    # When the rule that sends them a marketing template is previewed
    found = preview(engine.deps, rule())
    # Then its cost is two Indonesian and one Brazilian marketing messages
    card = rate_card()
    indonesia, brazil = card.rate("indonesia", "marketing"), card.rate("brazil", "marketing")
    assert found.now_count == 3
    assert found.estimated_cost_usd == pytest.approx(2 * indonesia + brazil)
    by_market = {m.market: (m.contacts, round(m.cost_usd, 6)) for m in found.cost_by_market}
    assert by_market == {"indonesia": (2, round(2 * indonesia, 6)), "brazil": (1, brazil)}


def test_a_lead_known_by_a_user_id_alone_is_priced_in_the_country_it_names(
    engine: MemoryEngine,
) -> None:
    # Given a lead WhatsApp knows only by a business-scoped user id from India
    quiet = engine.clock.now() - 30 * HOUR
    quiet_contact(engine.deps, None, quiet, user_id="IN.1502576394655843")
    # When the rule that sends them a marketing template is previewed
    found = preview(engine.deps, rule())
    # Then it costs India's marketing rate, as the webhook prices the message once delivered
    india = rate_card().rate("india", "marketing")
    assert [(m.market, m.contacts) for m in found.cost_by_market] == [("india", 1)]
    assert found.estimated_cost_usd == pytest.approx(india)


def test_free_text_inside_the_window_costs_the_utility_rate_since_october_2026(
    engine: MemoryEngine,
) -> None:
    quiet_contact(engine.deps, "6281100000611", engine.clock.now() - 2 * HOUR)
    found = preview(engine.deps, rule(trigger=SOON))
    assert found.now_count == 1
    assert found.estimated_cost_usd == pytest.approx(rate_card().rate("indonesia", "utility"))


def test_workspace_rates_price_the_preview(engine: MemoryEngine) -> None:
    quiet_contact(engine.deps, "6281100000621", engine.clock.now() - 30 * HOUR)
    settings = engine.deps.rules.settings()
    rates = {"indonesia": {"marketing": 0.25}}
    engine.deps.rules.save_settings(settings.model_copy(update={"message_rates": rates}))
    engine.deps.catalog.invalidate()
    assert preview(engine.deps, rule()).estimated_cost_usd == pytest.approx(0.25)


LONG = "Hi {first_name|there}, " + "your place in the March intake is still open. " * 4


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_first_step_by_sms_or_email_costs_what_sns_or_ses_would_bill(
    engine: MemoryEngine, channel: str
) -> None:
    # Given an Indonesian lead with an email, quiet past the window, and SNS and SES set up
    engine.deps.sms = engine.deps.email = Outbox()
    quiet_contact(engine.deps, "6281100000631", engine.clock.now() - 30 * HOUR, email="r@x.id")
    # When a rule whose first step goes by SMS (a text of two parts) or email is previewed
    found = preview(engine.deps, rule(steps=[channel_step(channel, LONG)]))
    # Then it costs two Indonesian SMS parts, or one email
    card = rate_card()
    expected = 2 * card.sms_rate("indonesia") if channel == "sms" else card.email_rate
    assert found.now_count == 1
    assert expected > 0
    assert found.estimated_cost_usd == pytest.approx(expected)
    assert [(m.market, m.contacts) for m in found.cost_by_market] == [("indonesia", 1)]


def test_a_workspace_email_price_prices_the_preview(engine: MemoryEngine) -> None:
    engine.deps.email = Outbox()
    quiet_contact(engine.deps, "6281100000641", engine.clock.now() - 30 * HOUR, email="r@x.id")
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"email_rate": 0.002}))
    engine.deps.catalog.invalidate()
    found = preview(engine.deps, rule(steps=[channel_step("email")]))
    assert found.estimated_cost_usd == pytest.approx(0.002)


def test_free_text_outside_the_window_costs_the_sms_it_falls_back_to(
    engine: MemoryEngine,
) -> None:
    # Given an Indonesian lead quiet past the window, and SNS set up
    engine.deps.sms = Outbox()
    quiet_contact(engine.deps, "6281100000651", engine.clock.now() - 30 * HOUR)
    # When a rule whose WhatsApp step has free text only, going on by SMS when WhatsApp
    # cannot take it, is previewed
    step = channel_step("whatsapp", fallbacks=["sms"])
    found = preview(engine.deps, rule(steps=[step]))
    # Then it costs the one-part SMS that goes instead
    assert found.now_count == 1
    assert found.estimated_cost_usd == pytest.approx(rate_card().sms_rate("indonesia"))
