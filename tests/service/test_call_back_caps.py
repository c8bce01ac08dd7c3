"""A call back the lead asked for answers the lead: the frequency and cold-lead caps, which
hold back the follow-ups a lead did not ask for, let it go, and the contact's upcoming
steps promise it; a busy nudge stays capped. Via the webhook, on the in-memory twin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from followup.domain.durations import Duration
from followup.domain.settings import FrequencyCap, Gating
from followup.services.upcoming import upcoming
from followup.services.upcoming_caps import Going, skipped
from followup_local.memory_engine import MemoryEngine
from tests.service.test_call_back_stands import sent_by
from tests.service.test_intents_flow import (
    follow_up_rule,
    lead,
    nurtured,
    reply,
    save_settings,
)
from tests.support.builders import contact_at


def one_a_day(engine: MemoryEngine) -> None:
    """At most one follow-up to a contact a day; the lead got theirs at 09:00 WIB."""
    settings = engine.deps.rules.settings().model_dump(mode="json")
    settings["gating"]["frequency_cap"] = {"max_sends": 1, "per": {"amount": 24, "unit": "hours"}}
    save_settings(engine, settings)
    nurtured(engine)


def test_a_call_back_asked_for_goes_though_the_frequency_cap_is_reached(
    engine: MemoryEngine,
) -> None:
    # Given a lead capped at one follow-up a day who got it at 09:00 WIB
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    one_a_day(engine)
    # When, at 09:10, the lead asks to be called at 3 this afternoon
    contact_id = reply(engine, "call me at 3 this afternoon", "wamid.CAP1")
    # Then the contact's page promises it at 15:00
    contact = engine.deps.contacts.contact(contact_id)
    assert contact is not None
    [step] = [u for u in upcoming(engine.deps, contact.item) if u.rule_id == "call-back"]
    assert step.at is not None
    assert step.at.astimezone(step.zone).strftime("%H:%M") == "15:00"
    # And it goes then, though the nurture's capped second step at 10:00 did not
    assert sent_by(engine, "2026-11-24T14:59") == 1
    assert sent_by(engine, "2026-11-24T15:00") == 2
    assert lead(engine)["followups_sent"] == 2


def test_a_busy_nudge_is_still_held_back_by_the_frequency_cap(engine: MemoryEngine) -> None:
    # Given the same capped lead, and a nudge 5 minutes after "busy"
    follow_up_rule(engine, "busy-nudge", "busy", 5)
    one_a_day(engine)
    # When, at 09:10, the lead says they are busy
    contact_id = reply(engine, "lagi sibuk kak", "wamid.CAP2")
    # Then the nudge is not promised, and nothing more goes today
    contact = engine.deps.contacts.contact(contact_id)
    assert contact is not None
    assert [u for u in upcoming(engine.deps, contact.item) if u.rule_id == "busy-nudge"] == []
    assert sent_by(engine, "2026-11-24T18:00") == 1
    [nudge] = [
        f for f in engine.deps.followups.followups_of(contact_id) if f.rule_id == "busy-nudge"
    ]
    assert (nudge.status, nudge.reason) == ("skipped", "frequency_cap")


def test_a_call_back_still_to_go_counts_toward_the_cap_for_the_sends_after_it() -> None:
    # Given a lead capped at one follow-up a day, sent one 23 hours ago, and a call back
    # they asked for going now (it passes the cap, and counts once it goes)
    now = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    contact = contact_at(now, recent_sends=[now - timedelta(hours=23)])
    gating = Gating(frequency_cap=FrequencyCap(max_sends=1, per=Duration.of(24, "hours")))
    going = [Going(now, manual=False, asked=True)]
    # Then a rule's send 2 hours later, when the first send has left the day, is capped
    # by the call back, as the tick caps it; the call back itself is not
    assert skipped(contact, going, gating, now + timedelta(hours=2), asked=False)
    assert not skipped(contact, [], gating, now, asked=True)
