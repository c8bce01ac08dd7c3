"""A lead's country read from their phone number however it was typed: with spaces,
dashes, dots or parentheses, and with "+" or the international "00" before the country
code. It picks the holiday calendar an SMS-only lead (a phone, no WhatsApp id) keeps."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.journey import send_at
from followup.domain.phones import country_of
from followup.domain.policy import SendWindow
from followup.domain.settings import WorkspaceSettings
from tests.support.builders import contact_at, rule

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
INDEPENDENCE_ID = date(2026, 8, 17)  # a Monday: a holiday in Indonesia, not in Brazil


@pytest.mark.parametrize(
    "typed",
    [
        "+55 11 91234-5678",
        "+55 (11) 91234-5678",
        "0055 11 91234-5678",
        "005511912345678",
        "55 11 91234 5678",
        "+55.11.91234.5678",
    ],
)
def test_a_phone_typed_with_separators_or_a_leading_00_names_its_country(typed: str) -> None:
    # Given a Brazilian number as a salesperson typed it into the CRM
    # When its country is read
    country = country_of(typed)

    # Then it is Brazil, as for the same number written digits only
    assert country == country_of("5511912345678") == "BR"


@pytest.mark.parametrize("typed", ["+55 11 9123x-5678", "call 0055 11 91234-5678", "+", "00"])
def test_text_that_is_not_a_phone_number_names_no_country(typed: str) -> None:
    # Given text in the phone field that is not a number
    # When its country is read
    # Then none is named (the lead keeps every listed calendar)
    assert country_of(typed) is None


def test_an_sms_only_lead_whose_phone_has_spaces_is_messaged_on_a_foreign_holiday() -> None:
    # Given a workspace keeping Indonesian and Brazilian holidays, and a Brazilian lead
    # reached by SMS only, their phone typed with spaces and a dash
    settings = WorkspaceSettings(send_window=SendWindow(holiday_countries=["ID", "BR"]))
    lead = contact_at(
        datetime(2026, 6, 1, tzinfo=SAO_PAULO),
        timezone=SAO_PAULO.key,
        wa_id=None,
        phone="+55 11 91234-5678",
    )
    due = datetime(2026, 8, 17, 9, 0, tzinfo=SAO_PAULO)

    # When a step is due on Indonesia's Independence Day
    planned = send_at(due, due, lead, rule(), settings).astimezone(SAO_PAULO)

    # Then the Indonesian holiday does not hold it
    assert planned == due
