"""A caller's change to a contact patches what it names and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from followup.domain.contact import Contact
from followup.domain.stored import STORED
from tests.support.builders import contact_at

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_fields_left_out_stay_and_none_clears() -> None:
    # Given an opted-out lead with a name, tags and attributes
    lead = contact_at(
        NOW,
        name="Dewi",
        email="dewi@example.com",
        tags=["vip"],
        attributes={"program": "Law", "intake": "2027"},
        opted_out=True,
        opted_out_at=NOW,
        marketing_suppressed=True,
    )
    # When a caller changes one attribute, clears the email and leaves the rest out
    patched = lead.patched({"attributes": {"intake": "2028", "program": None}, "email": None})
    # Then only those change; the engine's fields are untouched
    assert (patched.name, patched.tags, patched.email) == ("Dewi", ["vip"], None)
    assert patched.attributes == {"intake": "2028"}
    assert (patched.opted_out, patched.opted_out_at, patched.marketing_suppressed) == (
        True,
        NOW,
        True,
    )
    assert (
        lead.patched({"tags": None, "attributes": None}).model_dump()
        == lead.model_copy(update={"tags": [], "attributes": {}}).model_dump()
    )


@pytest.mark.parametrize("field", ["opted_out", "opted_out_at", "marketing_suppressed", "id"])
def test_fields_the_engine_owns_cannot_be_patched(field: str) -> None:
    with pytest.raises(ValueError, match=field):
        contact_at(NOW).patched({field: None})


def test_a_tag_given_in_another_case_keeps_the_contacts_spelling() -> None:
    # Given a lead a CRM tagged "VIP"
    lead = contact_at(NOW, tags=["VIP", "webinar"])
    # When another CRM sends its tags as "vip", "Webinar" and a new one, twice over
    patched = lead.patched({"tags": ["vip", "Webinar", "Alumni", "ALUMNI"]})
    # Then the lead holds each tag once, as first written
    assert patched.tags == ["VIP", "webinar", "Alumni"]
    assert patched.has_tag("alumni")
    assert lead.without_tags(["vip"]) == ["webinar"]


def test_a_contact_stored_with_a_tag_in_two_cases_reads_as_holding_one() -> None:
    # Given a contact written before tags compared in any case, holding "VIP" and "vip"
    stored = contact_at(NOW).model_copy(update={"tags": ["VIP", "webinar", "vip"]})
    # When it is read back
    read = Contact.model_validate_json(stored.model_dump_json(), context=STORED)
    # Then it holds the tag once, as first written
    assert read.tags == ["VIP", "webinar"]
