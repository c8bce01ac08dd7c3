"""A reply written before a follow-up expired, heard while the expire tick expires it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from followup.domain.followup import FollowUp, Status
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
WA_ID = "6281100000871"


class ExpireTickMidReply:
    """The follow-ups, with the expire tick committing right after the inbound message
    read the contact's follow-ups to answer them (its second read), once."""

    def __init__(self, engine: MemoryEngine) -> None:
        self._engine, self._followups = engine, engine.deps.followups
        self.calls = 0
        self.report: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._followups, name)

    def followups_of(self, contact_id: str) -> list[FollowUp]:
        found = self._followups.followups_of(contact_id)
        self.calls += 1
        if self.calls == 2 and self.report is None:
            self.report = self._engine.scheduled("expire")
        return found


def counts(engine: MemoryEngine, since: datetime) -> dict[str, int]:
    total: dict[str, int] = {}
    for row in engine.deps.stats.stats(since.date(), engine.clock.now().date()):
        if row.rule_id != "all":
            for name, value in row.counts.items():
                total[name] = total.get(name, 0) + value
    return total


def test_a_reply_written_before_the_expiry_counts_though_the_tick_expires_it_meanwhile(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up sent 72 h ago, the lead's reply written 20 s before its 72 h were
    # up and heard a second after them (WhatsApp's webhook a little late)
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    assert sent.sent_at is not None
    deadline = sent.sent_at + 72 * HOUR
    engine.clock.advance(deadline + SECOND - engine.clock.now())
    racing = ExpireTickMidReply(engine)
    engine.deps.followups = racing
    # When the expire tick expires it while the webhook answers it with the reply
    reply = envelopes.text_message(WA_ID, "boleh kak, saya daftar", deadline - 20 * SECOND, "w1")
    assert engine.deliver(reply) == 200
    engine.pump_stream()
    assert racing.report is not None
    assert racing.report["expired"] == 1
    # Then the reply, written before it expired, makes it responded, as it does when heard
    # a minute later, and the rule's stats count a response, not an expiry
    found = engine.deps.followups.followup(sent.id)
    assert found is not None
    assert found.status is Status.RESPONDED
    got = counts(engine, sent.created_at)
    assert (got.get("responded", 0), got.get("expired", 0)) == (1, 0), got
