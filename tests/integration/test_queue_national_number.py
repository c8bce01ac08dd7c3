"""Staff search the queue for a lead's whole number as they write it at home (`0811...`),
while the lead is stored with its country code (`62811...`): in a workspace of more leads
than one search reads, the number is looked up by key, as the international form is."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.ids import contact_id
from followup.services.contacts import new_contact
from followup.services.ports import ContactChange
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

LEADS = 1_100
"""More than the 1,000 contacts one search reads."""
BATCH = 100


def numbers() -> tuple[list[str], str]:
    """The numbers of the workspace's leads, and of the one a search reads last (contacts
    are read in the order of their ids)."""
    every = [f"62811{n:08d}" for n in range(LEADS + 1)]
    last = max(every, key=lambda wa_id: contact_id(f"wa:{wa_id}"))
    return [wa_id for wa_id in every if wa_id != last], last


def imported(engine: LocalEngine, wa_ids: list[str]) -> None:
    """The leads, stored a hundred in a write as an import stores them."""
    now = engine.clock.now()
    for start in range(0, len(wa_ids), BATCH):
        leads = [
            new_contact(engine.deps, at=now, wa_id=wa_id, name=f"Lead {wa_id[-4:]}")
            for wa_id in wa_ids[start : start + BATCH]
        ]
        engine.deps.commit([ContactChange(lead, 0) for lead in leads], now)


def test_the_queue_finds_a_whole_national_number_as_it_finds_the_international_one(
    engine: LocalEngine,
) -> None:
    # Given a workspace of 1,100 leads, and Siti, whom a search reads last, with a
    # follow-up queued
    others, hers = numbers()
    imported(engine, others)
    engine.deps.rules.save_rule(rule())
    siti = quiet_contact(engine.deps, hers, engine.clock.now() - timedelta(hours=25), name="Siti")
    engine.tick()
    # When staff search the queue for her whole number with the country code, or the
    # national way
    _, international = call(engine, "GET", f"/api/queue?q=%2B{hers}")
    _, national = call(engine, "GET", f"/api/queue?q=0{hers[2:5]}-{hers[5:9]}-{hers[9:]}")
    # Then both find her follow-up
    assert [f["contact_id"] for f in international["followups"]] == [siti.id]
    assert [f["contact_id"] for f in national["followups"]] == [siti.id]
