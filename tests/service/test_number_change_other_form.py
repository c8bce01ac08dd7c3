"""A lead held under the number a phone dials (a CRM's import) changes number, and
WhatsApp names them by its own form of the old number (a Brazilian mobile without its
ninth digit, a Mexican one with the 1 after 52): the lead moves to the new number, and
stays one contact."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.services.contacts import find_contact
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact
from tests.support.webhook import payload

HOUR = timedelta(hours=1)
NEW = "6281100000999"


def number_change(old: str, new: str, at: datetime) -> dict[str, Any]:
    """WhatsApp's system message: the user named `old` now writes from `new`."""
    document = payload("system-changed-number.json")
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"from": old, "id": "wamid.SYSCHG1", "timestamp": str(int(at.timestamp()))})
    message["system"].update({"wa_id": new, "body": f"changed from {old} to {new}"})
    return document


@pytest.mark.parametrize(
    ("dialled", "named"),
    [("5511987654321", "551187654321"), ("525512345678", "5215512345678")],
    ids=["Brazil", "Mexico"],
)
def test_a_change_of_number_named_the_other_way_moves_the_lead(
    engine: MemoryEngine, dialled: str, named: str
) -> None:
    # Given a lead imported by the number as dialled
    lead = quiet_contact(engine.deps, dialled, engine.clock.now() - 2 * HOUR)
    # When WhatsApp says the lead, named by its own form of that number, changed number
    assert engine.deliver(number_change(named, NEW, engine.clock.now() - HOUR)) == 200
    # Then the lead holds the new number, and the new number finds them
    moved = engine.deps.contacts.contact(lead.id)
    assert moved is not None
    assert moved.item.wa_id == NEW
    found = find_contact(engine.deps, NEW, None)
    assert found is not None
    assert found.item.id == lead.id
