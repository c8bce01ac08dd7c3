"""The contact's page says when a send waiting behind another follow-up goes once the
sender has put that one off (a counsellor's message kept the least gap), and the tick
waits for it till then."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followup.domain.contact import Speaker
from followup.services import rules
from followup.services.inbound import record_outbound
from followup.services.upcoming import upcoming
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, quiet_contact, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
LEAD = "6281100000971"


def local(at: datetime) -> str:
    return at.astimezone(JAKARTA).strftime("%H:%M")


def test_upcoming_shows_when_a_send_waiting_behind_a_spaced_follow_up_really_goes(
    engine: MemoryEngine,
) -> None:
    # Given two renewal reminders a week before the lead's renewal, at 10:00 and 10:30,
    # and hourly ticks from Tuesday 09:00 WIB
    rules.create(engine.deps, rule("remind-10", trigger=before_renewal(7, "10:00")))
    rules.create(engine.deps, rule("remind-1030", trigger=before_renewal(7, "10:30")))
    start = engine.clock.now()
    renews = {"renewal_date": "2026-12-01"}
    lead = quiet_contact(engine.deps, LEAD, start - 8 * HOUR, attributes=renews).id
    engine.sandbox.record_inbound(LEAD, start - 8 * HOUR)
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    engine.tick()  # 09:00: the 10:00 reminder queued, holding the lead's pending place
    # When a counsellor writes to the lead at 09:50: the sender keeps the gap and sends
    # the 10:00 reminder at 10:50 instead
    engine.run_until(start + 50 * MINUTE)
    record_outbound(engine.deps, lead, Speaker.AGENT, "Any questions?", engine.clock.now())
    engine.run_until(start + HOUR)
    engine.tick()  # 10:00
    engine.run_until(start + HOUR + 5 * MINUTE)
    # Then the lead's page shows the 10:30 reminder when it will go
    contact = engine.deps.contacts.contact(lead)
    assert contact is not None
    shown = {u.rule_id: local(u.at) for u in upcoming(engine.deps, contact.item) if u.at}
    for hour in range(2, 6):
        engine.run_until(start + hour * HOUR)
        engine.tick()
    went = {
        f.rule_id: local(f.sent_at)
        for f in engine.deps.followups.followups_of(lead)
        if f.sent_at is not None
    }
    assert went["remind-10"] == "10:50"
    assert shown.get("remind-1030") == went["remind-1030"]
