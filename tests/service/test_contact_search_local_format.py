"""Staff search contacts by number as they write it at home (`0812...`), while contacts
are stored with their country code (`62812...`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from followup.domain.numbers import DEFAULT_NUMBER
from followup.services.contacts import create_contact, search_contacts
from followup.services.deps import Deps
from followup.services.ports import ContactQuery
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA


def found(deps: Deps, text: str) -> list[str]:
    """The names of the contacts a search for `text` lists."""
    page = search_contacts(deps, ContactQuery(text=text), 50, None)
    return sorted(contact.name for contact in page.items)


@pytest.fixture
def unnamed_number() -> Iterator[MemoryEngine]:
    """A workspace whose sending number has no display number configured."""
    with memory_engine(TUESDAY_9AM_JAKARTA, {"D360_NUMBER": DEFAULT_NUMBER}) as running:
        yield running


def leads(engine: MemoryEngine) -> None:
    now = engine.clock.now()
    create_contact(engine.deps, at=now, wa_id="6281234500011", name="Budi")
    create_contact(engine.deps, at=now, wa_id="6285799900022", name="Sari")
    create_contact(engine.deps, at=now, wa_id="18123450001", name="Tom")


def test_a_number_typed_the_local_way_finds_the_contact_stored_with_the_country_code(
    engine: MemoryEngine,
) -> None:
    # Given Budi stored as 6281234500011, in a workspace whose number is Indonesian (62...)
    leads(engine)
    # When staff search for his number as they write it, in full or begun
    # Then Budi is listed (and not Tom, whose US number also holds 812345...)
    assert found(engine.deps, "081234500011") == ["Budi"]
    assert found(engine.deps, "0812-3450-0011") == ["Budi"]
    assert found(engine.deps, "0812345") == ["Budi"]


def test_a_number_with_its_country_code_still_finds_the_contact(engine: MemoryEngine) -> None:
    # Given Budi stored as 6281234500011
    leads(engine)
    # When staff search with the country code, bare or as WhatsApp shows it, or a few digits
    # Then Budi is listed as before
    assert found(engine.deps, "62812345") == ["Budi"]
    assert found(engine.deps, "+62 812-3450-0011") == ["Budi"]
    assert found(engine.deps, "500011") == ["Budi"]
    assert found(engine.deps, "Budi") == ["Budi"]


def test_a_local_number_is_read_in_the_workspace_country_only(engine: MemoryEngine) -> None:
    # Given an Indonesian workspace with an Indonesian and a US contact
    leads(engine)
    # When staff search 0812 345 (a number at home)
    # Then only the Indonesian contact is listed, and a number no contact has lists nobody
    assert found(engine.deps, "0812345") == ["Budi"]
    assert found(engine.deps, "0813") == []


def test_without_a_display_number_a_local_number_is_read_in_each_contact_country(
    unnamed_number: MemoryEngine,
) -> None:
    # Given a workspace whose number does not tell its country
    leads(unnamed_number)
    # When staff search a local number
    # Then each contact's number is read after its own country code
    assert found(unnamed_number.deps, "0857999") == ["Sari"]
    assert found(unnamed_number.deps, "0812345") == ["Budi", "Tom"]
