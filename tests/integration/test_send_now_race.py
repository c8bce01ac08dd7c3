"""Send now raced by the dispatch tick (every minute in AWS), on moto: a send the tick
handed to the sender between send-now's two writes is answered as going, not as "nothing
was sent"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from followup.services.manual import send_now, when
from followup.services.ports import Change, FollowUpChange
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


class DispatchFirst:
    """The store's commits, with the dispatch tick landing just before send-now's second
    write (the one handing its follow-up to the sender)."""

    def __init__(self, engine: LocalEngine) -> None:
        self.engine, self.real = engine, engine.deps.transactions
        self.raced = False

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        handing = any(
            isinstance(c, FollowUpChange) and c.followup.manual and c.followup.dispatched_at
            for c in changes
        )
        if handing and not self.raced:
            self.raced = True
            self.engine.scheduled("dispatch")
            self.engine.drain()
        self.real.commit(changes, at)


def test_a_send_the_dispatch_tick_handed_over_first_is_answered_as_going(
    engine: LocalEngine,
) -> None:
    # Given a lead inside their window, and the dispatch tick running between send-now's
    # two writes
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000951", engine.clock.now() - HOUR)
    racing = DispatchFirst(engine)
    engine.deps.transactions = racing
    # When a counsellor sends the rule now
    answered = send_now(engine.deps, lead.id, "apply-remind-24h")
    engine.deps.transactions = racing.real
    engine.drain()
    # Then they are told it goes (not "overtaken: nothing was sent"), and it goes once
    assert racing.raced
    assert when(engine.deps, answered).why_code in {"already_sent", "window_open"}
    assert len(engine.sandbox.sent()) == 1
