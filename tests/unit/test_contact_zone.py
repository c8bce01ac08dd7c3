"""The zone a contact's times are read in: their own; without one, the zone their number
places them in, when it is another country's than the workspace's; else the workspace's."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact

JAKARTA = ZoneInfo("Asia/Jakarta")
NOW = datetime.fromisoformat("2026-11-24T02:00:00+00:00")


def lead(**fields: Any) -> Contact:
    return Contact.model_validate({"id": "c-1", "stage": "new", "created_at": NOW, **fields})


@pytest.mark.parametrize(
    ("fields", "workspace", "read_in"),
    [
        ({"wa_id": "5511987654321", "timezone": "Europe/Lisbon"}, JAKARTA, "Europe/Lisbon"),
        ({"wa_id": "5511987654321"}, JAKARTA, "America/Sao_Paulo"),
        ({"wa_id": "551187654321"}, JAKARTA, "America/Sao_Paulo"),  # without the ninth 9
        ({"wa_id": "5215512345678"}, JAKARTA, "America/Mexico_City"),  # 521, as WhatsApp
        ({"phone": "+55 (11) 98765-4321"}, JAKARTA, "America/Sao_Paulo"),  # SMS only
        ({"wa_id": "6281200000001"}, JAKARTA, "Asia/Jakarta"),
        ({"wa_id": "6281100000201"}, JAKARTA, "Asia/Jakarta"),  # Jakarta or Makassar
        ({"wa_id": "6281100000201"}, ZoneInfo("Asia/Makassar"), "Asia/Makassar"),
        ({"wa_id": "6281100000201"}, ZoneInfo("America/Sao_Paulo"), "Asia/Jakarta"),
        # a lead of the workspace's country: its zone, whatever zone the prefix names
        ({"wa_id": "6281200000001"}, ZoneInfo("Asia/Makassar"), "Asia/Makassar"),
        ({"wa_id": "14155550123"}, ZoneInfo("America/New_York"), "America/New_York"),
        ({"wa_id": "14155550123"}, JAKARTA, "America/Los_Angeles"),
        ({"wa_id": "61412345678"}, JAKARTA, "Australia/Adelaide"),  # a mobile: a guess
        ({"user_id": "BR.1502abc"}, JAKARTA, "Asia/Jakarta"),
        ({"email": "ana@example.com"}, JAKARTA, "Asia/Jakarta"),
        ({"wa_id": "999123"}, JAKARTA, "Asia/Jakarta"),  # no country's number
    ],
)
def test_a_contact_is_read_in_their_zone_else_their_numbers_else_the_workspaces(
    fields: dict[str, str], workspace: ZoneInfo, read_in: str
) -> None:
    # Given a contact with or without their own zone, a number, a user id or an email
    contact = lead(**fields)

    # When their times are read, in a workspace's zone
    zone = contact.zone(workspace)

    # Then it is their own, else their number's (another country's than the workspace's),
    # else the workspace's
    assert zone.key == read_in
