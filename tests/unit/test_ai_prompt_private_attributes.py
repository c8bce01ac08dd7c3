"""Attributes that identify or reach a person stay out of the prompt, however their keys
are written; the others reach it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from followup.domain.ai_prompt import build_request, context_for, render
from followup.domain.contact import Contact, Score

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _prompt_text(attributes: dict[str, str]) -> str:
    contact = Contact(
        id="contact-7f3a",
        wa_id="6281234567890",
        name="Budi Santoso",
        stage="registered",
        score=Score.WARM,
        created_at=NOW,
        attributes={"program": "MBA", **attributes},
    )
    context = context_for(
        contact, [], language="id", tone="warm", rule_purpose="registered but not paid"
    )
    prompt = render(build_request(context, "Remind them to pay.", max_chars=300))
    return "\n".join((prompt.system, prompt.instructions, prompt.context))


@pytest.mark.parametrize(
    ("key", "value", "reaches"),
    [
        # CRM ids named in camelCase, as HubSpot or Salesforce exports name them
        ("leadId", "L-000123", False),
        ("hubspotContactId", "HS-901234", False),
        ("contactID", "C-55120", False),
        ("HSObjectId", "OBJ-77", False),
        ("HSId", "HS-1", False),
        ("crm_IDs", "CRM-1", False),
        ("phone2", "BUDI-2", False),
        # a phone number written with dots, as Indonesians often write them
        ("guardian", "Ibu Sari 0812.3456.7890", False),
        ("nomor_hp", "0812.9999.0000", False),
        ("noHP", "HP-BUDI", False),
        ("WhatsappNumber", "WA-BUDI", False),
        ("eMail", "budi-at-example", False),
        # keys that only hold the letters of a private word, and dotted amounts and dates
        ("guardianName", "Ibu Sari", True),
        ("idealCampus", "Bandung", True),
        ("videoCall", "yes", True),
        ("shippingCity", "Depok", True),
        ("fee", "Rp 1.500.000.000", True),
        ("classStarts", "15.12.2026", True),
    ],
)
def test_ids_and_phone_numbers_in_attributes_stay_out_of_the_prompt(
    key: str, value: str, reaches: bool
) -> None:
    text = _prompt_text({key: value})
    assert '"program": "MBA"' in text
    assert (value.split()[-1] in text) is reaches, f"{key}={value}"
