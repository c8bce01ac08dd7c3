"""Reads at half the price keep the promises: an eventually consistent read that misses
the last moment's writes never changes what becomes of a follow-up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.contact import Contact
from followup.domain.followup import Status
from followup.services.ports import Versioned
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.stale import StaleReads, stale_reads

HOUR = timedelta(hours=1)
WA_ID = "6281100000981"


class StopFirst:
    """The contacts, with the lead's STOP heard just before the first eventually
    consistent read of a contact."""

    def __init__(self, engine: MemoryEngine, contacts: StaleReads) -> None:
        self._engine, self._contacts, self.heard = engine, contacts, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._contacts, name)

    def contact(self, contact_id: str, *, consistent: bool = True) -> Versioned[Contact] | None:
        if not consistent and not self.heard:
            self.heard = True
            at = self._engine.clock.now()
            stop = envelopes.text_message(WA_ID, "STOP", at, "wamid.stop")
            assert self._engine.deliver(stop) == 200
        return self._contacts.contact(contact_id, consistent=consistent)


def test_a_stop_heard_as_expiry_reads_the_contact_stale_still_ends_it_opted_out(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up sent 72 h ago, the last moment of its attribution window
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [sent] = deps.followups.followups_of(lead.id)
    assert sent.sent_at is not None
    engine.clock.advance(sent.sent_at + 72 * HOUR - engine.clock.now())
    # When the lead's STOP is heard just as the expire tick reads the contact, and that
    # read misses it
    stale = stale_reads(deps)
    stopping = StopFirst(engine, stale)
    deps.contacts = stopping
    engine.scheduled("expire")
    # Then the follow-up ends opted out, as the STOP settled it, not expired
    assert (stopping.heard, stale.served) == (True, 1)
    [ended] = deps.followups.followups_of(lead.id)
    assert [h.status for h in ended.history][-2:] == [Status.SENT, Status.OPTED_OUT]
