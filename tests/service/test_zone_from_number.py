"""A lead without their own time zone (one whose first WhatsApp message made them) is read
in the zone their number places them in: a Brazilian lead of a workspace in Jakarta is
called back and nudged on São Paulo's clock, not Jakarta's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from followup.services import rules
from followup.services.contacts import upsert
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, quiet_contact, rule
from tests.support.date_rules import RULE_ID, reminders

HOUR = timedelta(hours=1)
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
JAKARTA = ZoneInfo("Asia/Jakarta")
TEMPLATE = {"name": "apply_reminder", "language": "en"}
BRAZILIAN = "5511987654321"


def sent_on_the_wall_clock(engine: MemoryEngine, zone: ZoneInfo) -> list[str]:
    return [r.received_at.astimezone(zone).strftime("%a %H:%M") for r in engine.sandbox.sent()]


def test_a_brazilian_lead_without_a_zone_is_called_back_at_the_hour_they_said_in_sao_paulo(
    engine: MemoryEngine,
) -> None:
    # Given a call-back rule, and Monday 23:00 in São Paulo (Tuesday 09:00 in Jakarta)
    steps = [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Oi!", "template": TEMPLATE}]
    trigger = {"kind": "intent", "intents": ["call_back_at"]}
    rules.create(engine.deps, rule("call-back", trigger=trigger, steps=steps, exit={}))
    now = engine.clock.now()
    assert now.astimezone(SAO_PAULO).strftime("%a %H:%M") == "Mon 23:00"

    # When a +55 11 lead, new to the workspace, writes "call me tomorrow at 10"
    engine.sandbox.record_inbound(BRAZILIAN, now)
    said = envelopes.text_message(BRAZILIAN, "me liga amanhã às 10", now, "wamid.br1", name="Ana")
    assert engine.deliver(said) == 200
    engine.ticks_until(now + 3 * 24 * HOUR, every=HOUR / 4)

    # Then they are called back on Tuesday at 10:00 São Paulo time, their zone still unset
    assert sent_on_the_wall_clock(engine, SAO_PAULO) == ["Tue 10:00"]
    found = engine.deps.contacts.contact_by_wa_id(BRAZILIAN)
    assert found is not None
    assert found.item.timezone is None


def test_a_brazilian_lead_without_a_zone_is_nudged_in_their_business_hours(
    engine: MemoryEngine,
) -> None:
    # Given a rule nudging leads quiet for 24 hours, and a +55 11 lead without a zone who
    # last wrote on Monday at 23:00 São Paulo time
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, BRAZILIAN, engine.clock.now(), timezone=None)

    # When the ticks run for two days
    engine.ticks_until(engine.clock.now() + 48 * HOUR, every=HOUR)

    # Then the nudge goes when São Paulo's business hours (08:00-17:00) open on Wednesday,
    # not at 23:00 on Tuesday (09:00 in Jakarta)
    assert sent_on_the_wall_clock(engine, SAO_PAULO) == ["Wed 08:00"]


def test_an_indonesian_lead_without_a_zone_is_nudged_on_the_workspaces_clock(
    engine: MemoryEngine,
) -> None:
    # Given the same rule, and a +62 lead without a zone (a number Jakarta or Makassar
    # may have) who last wrote on Tuesday at 09:00 Jakarta time
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100000201", engine.clock.now(), timezone=None)

    # When the ticks run for two days
    engine.ticks_until(engine.clock.now() + 48 * HOUR, every=HOUR)

    # Then the nudge goes 24 hours later, Wednesday 09:00 in the workspace's Jakarta
    assert sent_on_the_wall_clock(engine, JAKARTA) == ["Wed 09:00"]


def test_a_brazilian_number_with_its_own_zone_keeps_it(engine: MemoryEngine) -> None:
    # Given the same rule, and a +55 lead whose zone was set to Jakarta, quiet since
    # Tuesday 09:00 there
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, BRAZILIAN, engine.clock.now(), timezone="Asia/Jakarta")

    # When the ticks run for two days
    engine.ticks_until(engine.clock.now() + 48 * HOUR, every=HOUR)

    # Then the nudge goes on Jakarta's clock, as their zone says
    assert sent_on_the_wall_clock(engine, JAKARTA) == ["Wed 09:00"]


def test_a_date_reminder_indexed_on_the_workspaces_clock_still_goes_to_a_lead_east_of_it(
    engine: MemoryEngine,
) -> None:
    # Given a lead in Tokyo (+81, no zone of their own) renewing on 3 December, and a
    # reminder 3 days before at 09:00: 09:00 in Tokyo, Monday 30 November at 00:00 UTC
    lead, _ = upsert(engine.deps, "819012345678", {"attributes": {"renewal_date": "2026-12-03"}})
    rules.create(engine.deps, rule(RULE_ID, trigger=before_renewal(3), exit={}))
    # And its entry written when leads without a zone were read in the workspace's: 09:00
    # in Jakarta, two hours later
    indexed = datetime(2026, 11, 30, 2, tzinfo=UTC)
    engine.deps.contacts.set_date_due(RULE_ID, lead.id, indexed)

    # When the ticks run past the date
    engine.ticks_until(datetime(2026, 12, 4, tzinfo=UTC), every=HOUR)

    # Then the reminder goes once, at the moment its entry was written for
    assert reminders(engine, [lead.id]) == {lead.id: [indexed]}
