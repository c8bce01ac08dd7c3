"""The two ways a Brazilian, Mexican or Argentine mobile is written, one dialled and one
WhatsApp's id, lead to each other; a number written one way only leads nowhere else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from followup.domain.contact import Contact
from followup.domain.phones import dialled, other_whatsapp_form
from tests.support.builders import contact_at

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


FORMS = pytest.mark.parametrize(
    ("dialled_form", "whatsapp_id"),
    [
        ("5511987654321", "551187654321"),  # São Paulo, ninth digit dropped
        ("5562987654321", "556287654321"),  # Goiânia
        ("5511998765432", "551198765432"),  # an old 8-digit mobile that began with 9
        ("525512345678", "5215512345678"),  # Mexico City, 1 after 52
        ("5491123456789", "541123456789"),  # Buenos Aires, 9 after 54
    ],
)


@FORMS
def test_a_mobile_dialled_one_way_is_found_written_the_other(
    dialled_form: str, whatsapp_id: str
) -> None:
    # Given a mobile as a CRM dials it and as WhatsApp names it
    # When either is written the other way
    # Then each leads to the other
    assert (other_whatsapp_form(dialled_form), other_whatsapp_form(whatsapp_id)) == (
        whatsapp_id,
        dialled_form,
    )


@FORMS
def test_an_sms_goes_to_the_mobile_as_it_is_dialled(dialled_form: str, whatsapp_id: str) -> None:
    # Given a lead known by either form of their mobile
    for wa_id in (dialled_form, whatsapp_id):
        contact: Contact = contact_at(NOW, wa_id=wa_id)
        # Then an SMS goes to the form a phone dials, not WhatsApp's older id
        assert contact.address("sms") == "+" + dialled_form
        assert contact.address("whatsapp") == wa_id


@pytest.mark.parametrize(
    "number",
    [
        "556232123456",  # a Brazilian landline: a 9 before it is another line, a mobile
        "5562932123456",  # a Brazilian mobile newer than the ninth digit
        "551187654",  # too short to be a Brazilian number
        "5211234567890",  # no Mexican number begins with 1
        "6281234567890",  # Indonesia writes its mobiles one way
        "BR.1502576394655843",  # a business-scoped user id is no phone number
    ],
)
def test_a_number_written_one_way_only_leads_to_no_other(number: str) -> None:
    # Given a number that no other form names the same line
    # When it is written the other way
    # Then there is none, and it is dialled as written
    assert other_whatsapp_form(number) is None
    assert dialled(number) == number
