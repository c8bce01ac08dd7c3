"""A date rule's preview says whom its date reaches in the next day, and when, as the ticks
then send it: a date already past is not replayed and one further off is not counted; the
leads it would leave alone are listed with why; a funnel too large to read in time says
so. A rule waiting for an occurrence says it enrolls no one by itself."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact
from followup.domain.rule import Rule
from followup.services import rules
from followup.services.contacts import update_contact, upsert
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
JAKARTA, LISBON = ZoneInfo("Asia/Jakarta"), ZoneInfo("Europe/Lisbon")


def renewal_eve(**fields: Any) -> Rule:
    """The day before `renewal_date`, at 10:00 on the customer's clock: free text inside
    the WhatsApp window, else a template."""
    return rule("renewal-eve", trigger=before_renewal(1, "10:00"), exit={}, **fields)


def customer(
    engine: MemoryEngine, wa_id: str, name: str, renewal: str, plan: str = "basic", **fields: Any
) -> Contact:
    fields.setdefault("timezone", "Asia/Jakarta")
    changes = {"name": name, "attributes": {"renewal_date": renewal, "plan": plan}, **fields}
    return upsert(engine.deps, wa_id, changes)[0]


def sends(engine: MemoryEngine) -> list[tuple[str, datetime]]:
    return [(str((r.body or {}).get("to")), r.received_at) for r in engine.sandbox.sent()]


def test_a_date_rule_previews_the_next_days_customers_and_the_ticks_send_them_then(
    engine: MemoryEngine,
) -> None:
    # Given it is Tuesday 24 Nov, 09:00 in Jakarta, and customers renewing: Dewi on the
    # 25th (her eve's 10:00 is in an hour), Ana in Lisbon on the 25th (10:00 there, 17:00
    # here) in a later stage, Sari on the 24th (her eve was yesterday), Eko on 1 Dec
    deps, now = engine.deps, engine.clock.now()
    customer(engine, "6281100007001", "Dewi", "2026-11-25")
    customer(engine, "351912000702", "Ana", "2026-11-25", timezone="Europe/Lisbon", stage="applied")
    customer(engine, "6281100007003", "Sari", "2026-11-24")
    customer(engine, "6281100007004", "Eko", "2026-12-01")
    reminder = renewal_eve()
    # When the rule, not saved yet, is previewed
    seen = preview(deps, reminder)
    # Then it messages no one now, Dewi within the hour and two within the day, each at
    # 10:00 on their own clock
    assert (seen.fires, seen.complete) == ("date", True)
    assert (seen.now_count, seen.due_now, seen.next_hour, seen.next_day) == (0, 0, 1, 2)
    dewi_at = datetime(2026, 11, 24, 10, 0, tzinfo=JAKARTA)
    ana_at = datetime(2026, 11, 24, 10, 0, tzinfo=LISBON)
    assert [(p.name, p.send_at) for p in seen.planned] == [("Dewi", dewi_at), ("Ana", ana_at)]
    assert seen.estimated_cost_usd > 0  # a template each: neither wrote in the last day
    # And its busiest day to come is today, in the workspace's calendar (Jakarta): Ana's
    # 10:00 in Lisbon is 17:00 here
    assert seen.busiest == (date(2026, 11, 24), 2)
    # And, the rule created and the ticks run every 15 minutes for a day, the two are sent
    # to at the times promised, and no one else
    rules.create(deps, reminder)
    engine.ticks_until(now + DAY, every=HOUR / 4)
    assert sends(engine) == [("6281100007001", dewi_at), ("351912000702", ana_at)]


def test_the_leads_a_date_rule_leaves_alone_are_listed_with_why(engine: MemoryEngine) -> None:
    # Given two customers renewing on the 25th: Rina opted out, Budi a hot lead (left to
    # his counsellor)
    deps = engine.deps
    rina = customer(engine, "6281100007011", "Rina", "2026-11-25")
    update_contact(
        deps, rina.id, lambda c: c.model_copy(update={"opted_out": True}), rina.created_at
    )
    customer(engine, "6281100007012", "Budi", "2026-11-25", score="hot")
    # When the renewal reminder is previewed
    seen = preview(deps, renewal_eve())
    # Then neither is planned, and each is left out with why, by name
    assert seen.planned == []
    assert seen.skipped == {"opted_out": 1, "hot_contact": 1}
    assert sorted((e.name, e.reason) for e in seen.excluded) == [
        ("Budi", "hot_contact"),
        ("Rina", "opted_out"),
    ]


def test_a_date_rules_conditions_are_judged_on_the_date(engine: MemoryEngine) -> None:
    # Given a reminder only for customers on the "gold" plan, and two renewing on the 25th
    deps = engine.deps
    customer(engine, "6281100007021", "Gold", "2026-11-25", plan="gold")
    customer(engine, "6281100007022", "Basic", "2026-11-25")
    seen = preview(deps, renewal_eve(conditions={"attributes": {"plan": "gold"}}))
    # Then only the gold customer is previewed
    assert [p.name for p in seen.planned] == ["Gold"]


@pytest.mark.parametrize(
    ("renewal", "read_short", "read_whole"),
    [
        ("2026-11-25", 1, 130),  # all in the next day: out of time after the first lead
        ("2026-12-25", 0, 0),  # none in the next day: out of time after the first page
    ],
)
def test_a_funnel_too_large_to_read_in_time_previews_the_leads_read_and_says_so(
    engine: MemoryEngine, renewal: str, read_short: int, read_whole: int
) -> None:
    # Given 130 customers renewing on the same day, more than a page of the funnel
    for n in range(130):
        customer(engine, f"62811000080{n:02d}", f"Customer {n}", renewal)
    reminder = renewal_eve()
    # When the preview has no time left after what it must read first
    short = preview(engine.deps, reminder, time_left=lambda: False)
    # Then it counts what it read, and says it is not the whole funnel
    assert (short.complete, short.next_day) == (False, read_short)
    # And with time to read it all, it counts all of them
    whole = preview(engine.deps, reminder)
    assert (whole.complete, whole.next_day) == (True, read_whole)
    assert len(whole.planned) == min(read_whole, 100)  # a sample of them by name


def test_a_rule_waiting_for_an_occurrence_says_it_enrolls_no_one_by_itself(
    engine: MemoryEngine,
) -> None:
    customer(engine, "6281100007031", "Dewi", "2026-11-25", stage="applied")
    welcome = rule("applied-welcome", trigger={"kind": "stage_entered", "stages": ["applied"]})
    seen = preview(engine.deps, welcome)
    assert (seen.fires, seen.now_count, seen.next_day, seen.planned) == ("occurrence", 0, 0, [])


def test_a_date_rules_preview_names_its_busiest_day_however_far_off(engine: MemoryEngine) -> None:
    # Given one customer renewing on the 25th and three on 10 Dec, of whom one opted out
    # and one on a plan the reminder leaves out
    customer(engine, "6281100007041", "Dewi", "2026-11-25", plan="gold")
    for n, plan in enumerate(("gold", "gold", "basic")):
        customer(engine, f"628110000705{n}", f"December {n}", "2026-12-10", plan=plan)
    gone = customer(engine, "6281100007060", "Gone", "2026-12-10", plan="gold")
    update_contact(
        engine.deps, gone.id, lambda c: c.model_copy(update={"opted_out": True}), gone.created_at
    )
    # When the reminder for gold customers is previewed
    seen = preview(engine.deps, renewal_eve(conditions={"attributes": {"plan": "gold"}}))
    # Then it lists the one of the next day, and names 9 Dec as its busiest day, with two
    assert (seen.next_day, seen.busiest) == (1, (date(2026, 12, 9), 2))
