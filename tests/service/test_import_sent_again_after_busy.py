"""An import the store answered busy midway (a 503), sent again as the answer says, leaves
every imported lead as a whole import would: their dates indexed for the rules to come."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from followup.domain import ids
from followup.domain.contact import Contact
from followup.services import rules
from followup.services.imports import import_contacts
from followup.services.ports import StoreBusy
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, rule

LEADS = 30


def _file() -> str:
    lines = ["wa_id,timezone,attr.renewal_date"]
    lines += [f"62811000{n:05d},Asia/Jakarta,2026-12-08" for n in range(LEADS)]
    return "\n".join(lines) + "\n"


def test_an_import_sent_again_after_a_busy_store_sends_every_renewal_reminder(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a renewal reminder 7 days before `renewal_date`, at 09:00
    rules.create(engine.deps, rule("renewal-reminder", trigger=before_renewal(), exit={}))
    # And a store that writes the first transaction of new contacts (25), then meets
    # another transaction on the next, as DynamoDB's does
    real = engine.deps.contacts.import_contacts
    busy = [True]

    def first_batch_then_busy(contacts: Iterable[Contact], *rest: Any) -> set[str]:
        if not busy:
            return real(contacts, *rest)
        busy.clear()
        real(list(contacts)[:25], *rest)
        raise StoreBusy("25 new contacts")

    monkeypatch.setattr(engine.deps.contacts, "import_contacts", first_batch_then_busy)
    # When the import is answered busy and sent again, as the API tells the caller to do
    with pytest.raises(StoreBusy):
        import_contacts(engine.deps, _file(), "csv")
    again = import_contacts(engine.deps, _file(), "csv")
    assert (again.created, again.updated, again.rejected) == (5, 25, [])
    # Then every imported lead gets the reminder on 1 December
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=timedelta(hours=1))
    reminded = [
        n
        for n in range(LEADS)
        if any(
            f.sent_at is not None
            for f in engine.deps.followups.followups_of(ids.contact_id(f"wa:62811000{n:05d}"))
        )
    ]
    assert len(reminded) == LEADS, f"not reminded: {sorted(set(range(LEADS)) - set(reminded))}"
