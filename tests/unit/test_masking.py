"""What the logs show of a phone number or an e-mail address: enough to tell one from
another, not to reach anyone; ids, times and short numbers stay as they are."""

from __future__ import annotations

import pytest

from followup.domain.errors import NotFound
from followup.domain.masking import error, masked, masked_email, masked_phone


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # a wa_id, and numbers as CRMs and leads write them
        ("contact '6281100005019' not found", "contact '****5019' not found"),
        ("contact '+62 811-0000-5019' not found", "contact '****5019' not found"),
        ("call (021) 555-0199 or 0812.3456.7890", "call ****0199 or ****7890"),
        ("from rudi@example.com", "from r****@example.com"),
        ("to <budi.santoso@mail.example.co.id>", "to <b****@mail.example.co.id>"),
        # not phone numbers: ids, dates with times, short numbers
        ("contact 'ct_3f2a123456789b0c' not found", "contact 'ct_3f2a123456789b0c' not found"),
        ("at 2026-11-24 02:00 UTC", "at 2026-11-24 02:00 UTC"),
        ("step 3 of rule 12345678", "step 3 of rule 12345678"),
    ],
)
def test_numbers_and_addresses_in_a_text_keep_only_what_tells_them_apart(
    text: str, shown: str
) -> None:
    assert masked(text) == shown


def test_a_number_keeps_its_last_4_digits_and_an_address_its_first_letter_and_domain() -> None:
    assert masked_phone("+62 811-0000-5019") == "****5019"
    assert masked_email("rudi@example.com") == "r****@example.com"


def test_an_error_shows_its_kind_and_its_message_masked() -> None:
    assert error(NotFound("contact", "6281100005019")) == "NotFound: contact '****5019' not found"
