"""Countries share calling codes: +1 is the United States, Canada and much of the
Caribbean; +7 is Russia and Kazakhstan. A lead without a zone of their own whose number is
of another country than the workspace's is read on their number's clock, even when the
calling code is the workspace's; one of the workspace's own country stays on its clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact
from followup.domain.phones import country_of, zone_of
from followup.domain.policy import SendWindow

NOW = datetime(2026, 7, 6, 12, tzinfo=UTC)  # a Monday


def lead(wa_id: str) -> Contact:
    return Contact.model_validate({"id": "ct_1", "stage": "new", "created_at": NOW, "wa_id": wa_id})


@pytest.mark.parametrize(
    ("wa_id", "country", "workspace", "theirs"),
    [
        ("16045550123", "CA", "America/New_York", "America/Vancouver"),
        ("14032651234", "CA", "America/New_York", "America/Edmonton"),
        ("18092201234", "DO", "America/New_York", "America/Santo_Domingo"),
        ("17875550123", "PR", "America/Chicago", "America/Puerto_Rico"),
        ("77012345678", "KZ", "Europe/Moscow", "Asia/Almaty"),
    ],
    ids=["vancouver", "calgary", "dominican-republic", "puerto-rico", "kazakhstan"],
)
def test_a_lead_of_another_country_on_the_workspaces_calling_code_is_on_their_clock(
    wa_id: str, country: str, workspace: str, theirs: str
) -> None:
    assert country_of(wa_id) == country
    assert lead(wa_id).zone(ZoneInfo(workspace)) == ZoneInfo(theirs)


@pytest.mark.parametrize(
    ("wa_id", "workspace"),
    [
        ("12125550123", "America/Chicago"),  # a New York number, a workspace in Chicago
        ("18085550123", "America/New_York"),  # Hawaii: the number says no more than the US
        ("79161234567", "Europe/Moscow"),
        ("6281100000201", "Asia/Makassar"),
    ],
    ids=["us", "hawaii", "russia", "indonesia"],
)
def test_a_lead_of_the_workspaces_own_country_stays_on_its_clock(
    wa_id: str, workspace: str
) -> None:
    assert zone_of(wa_id, workspace) is None
    assert lead(wa_id).zone(ZoneInfo(workspace)) == ZoneInfo(workspace)


def test_a_workspace_on_utc_reads_every_lead_on_their_numbers_clock() -> None:
    assert zone_of("16045550123", "UTC") == "America/Vancouver"
    assert zone_of("12125550123", "UTC") == "America/New_York"


def test_a_vancouver_lead_of_a_new_york_workspace_is_not_messaged_at_five_in_the_morning() -> None:
    # Given business hours 08:00-17:00 on weekdays, and 08:00 on a Monday in New York
    opening = datetime(2026, 7, 6, 12, tzinfo=UTC)
    zone = lead("16045550123").zone(ZoneInfo("America/New_York"))
    # Then the window is shut for the lead (05:00 in Vancouver) and opens at 08:00 theirs
    assert not SendWindow().is_open(opening, zone)
    assert SendWindow().is_open(datetime(2026, 7, 6, 15, tzinfo=UTC), zone)
