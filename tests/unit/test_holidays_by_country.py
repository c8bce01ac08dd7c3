"""Holidays follow the lead: a country calendar keeps silent only the leads of its country,
and a rule with hours of its own still keeps the workspace's holidays."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact
from followup.domain.journey import send_at
from followup.domain.policy import SendWindow
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.services.waiting import opening
from tests.support.builders import contact_at, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
LISBON = ZoneInfo("Europe/Lisbon")
INDEPENDENCE_ID = date(2026, 8, 17)  # a Monday: a holiday in Indonesia, not in Brazil
INDEPENDENCE_BR = date(2026, 9, 7)  # a Monday: a holiday in Brazil, not in Indonesia
SAO_PAULO_STATE_DAY = date(2026, 7, 9)  # a Thursday: a holiday in Sao Paulo state only
RULE = rule()


def workspace(*countries: str, custom: list[date] | None = None) -> WorkspaceSettings:
    window = SendWindow(holiday_countries=list(countries), custom_holidays=custom or [])
    return WorkspaceSettings(send_window=window)


def lead(zone: ZoneInfo, **fields: object) -> Contact:
    return contact_at(datetime(2026, 6, 1, tzinfo=zone), timezone=zone.key, **fields)


def indonesian() -> Contact:
    return lead(JAKARTA, wa_id="6281234567890")


def brazilian() -> Contact:
    return lead(SAO_PAULO, wa_id="5511987654321")


def portuguese() -> Contact:
    return lead(LISBON, wa_id="351912345678")


def nine_am(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)


def goes(contact: Contact, due: datetime, settings: WorkspaceSettings, of: Rule = RULE) -> datetime:
    """When the step due at `due` goes, on the lead's own wall clock."""
    zone = ZoneInfo(contact.timezone or settings.timezone)
    return send_at(due, due, contact, of, settings).astimezone(zone)


def test_a_brazilian_lead_is_messaged_on_an_indonesian_holiday() -> None:
    # Given a workspace with Indonesian and Brazilian calendars, and a step due at 09:00 on
    # Indonesia's Independence Day for a lead of each country
    settings = workspace("ID", "BR")

    # When the send is planned
    for_brazil = goes(brazilian(), nine_am(INDEPENDENCE_ID, SAO_PAULO), settings)
    for_indonesia = goes(indonesian(), nine_am(INDEPENDENCE_ID, JAKARTA), settings)

    # Then the Brazilian lead gets it that morning; the Indonesian lead the next working day
    assert for_brazil == nine_am(INDEPENDENCE_ID, SAO_PAULO)
    assert for_indonesia == datetime(2026, 8, 18, 8, 0, tzinfo=JAKARTA)


def test_an_indonesian_lead_is_messaged_on_a_brazilian_holiday() -> None:
    # Given the same workspace and a step due on Brazil's Independence Day
    settings = workspace("ID", "BR")

    # When the send is planned
    for_indonesia = goes(indonesian(), nine_am(INDEPENDENCE_BR, JAKARTA), settings)
    for_brazil = goes(brazilian(), nine_am(INDEPENDENCE_BR, SAO_PAULO), settings)

    # Then the Indonesian lead gets it that morning; the Brazilian lead waits a day
    assert for_indonesia == nine_am(INDEPENDENCE_BR, JAKARTA)
    assert for_brazil == datetime(2026, 9, 8, 8, 0, tzinfo=SAO_PAULO)


def test_a_state_calendar_keeps_silent_the_leads_of_its_country_only() -> None:
    # Given Indonesian holidays and Sao Paulo state's, on Sao Paulo's state holiday
    settings = workspace("ID", "BR-SP")

    # When a step is due that morning for a Brazilian and an Indonesian lead
    for_brazil = goes(brazilian(), nine_am(SAO_PAULO_STATE_DAY, SAO_PAULO), settings)
    for_indonesia = goes(indonesian(), nine_am(SAO_PAULO_STATE_DAY, JAKARTA), settings)

    # Then only the Brazilian lead waits for the next day
    assert for_brazil == datetime(2026, 7, 10, 8, 0, tzinfo=SAO_PAULO)
    assert for_indonesia == nine_am(SAO_PAULO_STATE_DAY, JAKARTA)


@pytest.mark.parametrize(
    ("listed", "alpha_2"), [("IDN", "ID"), ("bra", "BR"), ("BRA-SP", "BR-SP"), ("UK", "GB")]
)
def test_a_country_listed_by_another_of_its_codes_keeps_its_own_leads_silent(
    listed: str, alpha_2: str
) -> None:
    # Given a workspace whose admin listed a calendar by a code other than alpha-2
    settings = workspace(listed)
    # Then it is kept by its alpha-2 code, the one a lead's number names
    assert settings.send_window.holiday_countries == [alpha_2]
    # And that country's lead waits out its holiday
    if alpha_2.startswith("BR"):
        assert goes(brazilian(), nine_am(INDEPENDENCE_BR, SAO_PAULO), settings) == datetime(
            2026, 9, 8, 8, 0, tzinfo=SAO_PAULO
        )
    elif alpha_2 == "ID":
        assert goes(indonesian(), nine_am(INDEPENDENCE_ID, JAKARTA), settings) == datetime(
            2026, 8, 18, 8, 0, tzinfo=JAKARTA
        )


def test_a_calendar_stored_by_another_of_its_codes_reads_as_alpha_2() -> None:
    # Given settings stored before codes were kept alpha-2
    stored = SendWindow.model_validate({"holiday_countries": ["USA"]}, context={"stored": True})
    # Then the calendar applies to the leads whose number is American
    assert stored.holiday_countries == ["US"]


def test_a_business_scoped_user_id_names_the_leads_country() -> None:
    # Given a lead known only by WhatsApp's business-scoped user id, "BR." first
    settings = workspace("ID", "BR")
    by_user_id = lead(SAO_PAULO, wa_id=None, user_id="BR.1502576394655843")

    # When a step is due on Indonesia's Independence Day
    planned = goes(by_user_id, nine_am(INDEPENDENCE_ID, SAO_PAULO), settings)

    # Then the Indonesian holiday does not hold it
    assert planned == nine_am(INDEPENDENCE_ID, SAO_PAULO)


def test_a_lead_whose_country_is_unknown_keeps_every_listed_calendar() -> None:
    # Given a lead reached by email only: no number names their country
    settings = workspace("ID", "BR")
    by_email = lead(JAKARTA, wa_id=None, email="budi@example.com")

    # When steps are due on each country's holiday
    on_indonesian = goes(by_email, nine_am(INDEPENDENCE_ID, JAKARTA), settings)
    on_brazilian = goes(by_email, nine_am(INDEPENDENCE_BR, JAKARTA), settings)

    # Then both holidays hold the send, as before
    assert on_indonesian == datetime(2026, 8, 18, 8, 0, tzinfo=JAKARTA)
    assert on_brazilian == datetime(2026, 9, 8, 8, 0, tzinfo=JAKARTA)


def test_a_lead_from_an_unlisted_country_keeps_only_the_custom_days_off() -> None:
    # Given Indonesian and Brazilian calendars, a workspace day off, and a Portuguese lead
    day_off = date(2026, 8, 18)
    settings = workspace("ID", "BR", custom=[day_off])

    # When steps are due on Indonesia's Independence Day and on the day off
    on_holiday = goes(portuguese(), nine_am(INDEPENDENCE_ID, LISBON), settings)
    on_day_off = goes(portuguese(), nine_am(day_off, LISBON), settings)

    # Then no country calendar holds the first, while the workspace's day off holds the second
    assert on_holiday == nine_am(INDEPENDENCE_ID, LISBON)
    assert on_day_off == datetime(2026, 8, 19, 8, 0, tzinfo=LISBON)


def own_hours() -> Rule:
    ten_to_seven = [{"start": "10:00", "end": "19:00"}]
    days = ("mon", "tue", "wed", "thu", "fri", "sat")
    return rule(send_window={"hours": dict.fromkeys(days, ten_to_seven), "blackout_days": ["sun"]})


def test_a_rule_with_its_own_hours_keeps_the_workspace_holidays() -> None:
    # Given Indonesian holidays and a day off for the workspace, and a rule open Mon-Sat
    # 10:00-19:00 that says nothing about holidays
    day_off = date(2026, 8, 19)
    settings = workspace("ID", custom=[day_off])
    mine = own_hours()

    # When its step is due on Independence Day and on the day off
    on_holiday = goes(indonesian(), nine_am(INDEPENDENCE_ID, JAKARTA), settings, mine)
    on_day_off = goes(indonesian(), nine_am(day_off, JAKARTA), settings, mine)

    # Then both wait for the rule's own hours on the next day that is no holiday
    assert on_holiday == datetime(2026, 8, 18, 10, 0, tzinfo=JAKARTA)
    assert on_day_off == datetime(2026, 8, 20, 10, 0, tzinfo=JAKARTA)


def test_a_rule_with_its_own_hours_says_it_waits_for_holidays() -> None:
    # Given the same rule under a workspace with Indonesian holidays
    settings = workspace("ID")
    due = nine_am(INDEPENDENCE_ID, JAKARTA)
    planned = send_at(due, due, indonesian(), own_hours(), settings)

    # When the queue says what the follow-up waits for
    waits_for = opening(planned, indonesian(), own_hours(), settings)

    # Then the window in words names the rule's hours and the holidays
    assert waits_for.window == "Mon–Sat 10:00–19:00 except holidays"
    assert waits_for.when == "Tue 10:00"


ROOT = Path(__file__).resolve().parents[2]
HANDLERS = sorted(f"functions.{p.parent.name}.handler" for p in ROOT.glob("functions/*/handler.py"))
PLAN_A_SEND = """
import importlib, json, sys
from datetime import datetime
from zoneinfo import ZoneInfo
from followup.domain.journey import send_at
from followup.domain.settings import WorkspaceSettings
from tests.support.builders import contact_at, rule
for name in sys.argv[3:]:
    importlib.import_module(name)
loaded = {"handlers": "phonenumbers" in sys.modules}
due = datetime(2026, 8, 17, 9, tzinfo=ZoneInfo("Asia/Jakarta"))
settings = WorkspaceSettings.model_validate(json.loads(sys.argv[1]))
send_at(due, due, contact_at(due, timezone=json.loads(sys.argv[2])), rule(), settings)
loaded["planned"] = "phonenumbers" in sys.modules
print(json.dumps(loaded))
"""


def numbering_plan_loaded(settings: Mapping[str, object], zone: str | None) -> dict[str, bool]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in ("layers/followup", "local", "")),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    args = [sys.executable, "-c", PLAN_A_SEND, json.dumps(settings), json.dumps(zone), *HANDLERS]
    done = subprocess.run(
        args, capture_output=True, text=True, env=env, cwd=ROOT, check=True, timeout=120
    )
    found: dict[str, bool] = json.loads(done.stdout.splitlines()[-1])
    return found


@pytest.mark.parametrize(
    ("countries", "zone", "loads"),
    [([], "Asia/Jakarta", False), (["ID"], "Asia/Jakarta", True), ([], None, True)],
)
def test_the_numbering_plan_loads_only_to_plan_a_send_under_a_country_calendar_or_zone_unknown(
    countries: list[str], zone: str | None, loads: bool
) -> None:
    # Given every handler imported, a workspace with or without a country calendar, and a
    # lead with their own zone or none (their number then says it)
    settings = {"send_window": {"holiday_countries": countries}}

    # When a send is planned for the lead
    loaded = numbering_plan_loaded(settings, zone)

    # Then no handler loaded the numbering plan, and planning loads it only for a calendar
    # or to read the lead's zone from their number
    assert loaded == {"handlers": False, "planned": loads}
