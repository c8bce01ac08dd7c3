"""A caller's change to a contact patches what it names and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

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
