"""The portfolio's messaging limit: unique users reached outside their window over a
moving 24 h, with 10 % headroom; past it business-initiated sends wait for the next
window, replies inside a window go as ever, and a user reached already costs nothing."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from followup.api.waits import shown
from followup.domain.followup import FollowUp, Status
from followup.domain.messaging_limit import (
    BUCKET,
    DEFERRED,
    REACH_WINDOW,
    WARMING_UP,
    bucket_of,
    bucket_start,
)
from followup.domain.pacing import RECIPIENT_GAP
from followup.services.manual import send_now, when
from followup.services.messaging_limit import usage
from followup.services.ports import RuleRepository
from followup_local.engine import LOCAL_API_KEY
from followup_local.envelopes import BUSINESS_NUMBER, SECOND_NUMBER
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.service.test_send_pacing import paced
from tests.support.builders import journey, quiet_contact, rule
from tests.support.limits import admit, warming
from tests.support.races import AdminSavesFirst
from tests.support.webhook import payload

ALLOWANCE = 225
"""The first tier (250 users) less its 10 % headroom."""


def _others_reached(engine: MemoryEngine, count: int) -> None:
    """Users reached by the portfolio's other numbers: counted in the same store."""
    deps = engine.deps
    assert deps.reach is not None
    limit = deps.catalog.settings().messaging_limit
    for _ in range(count):
        assert admit(deps.reach, limit, engine.clock.now()) is None


def _send(engine: MemoryEngine, wa_id: str, rule_id: str = "apply-remind-24h") -> FollowUp:
    deps = engine.deps
    found = deps.contacts.contact_by_wa_id(wa_id)
    if found is None:
        contact_id = quiet_contact(deps, wa_id, engine.clock.now() - timedelta(hours=30)).id
    else:
        contact_id = found.item.id
    followup = send_now(deps, contact_id, rule_id)
    engine.drain()
    sent = deps.followups.followup(followup.id)
    assert sent is not None
    return sent


def _sent_to(engine: MemoryEngine) -> list[str]:
    return [r.body["to"] for r in engine.sandbox.sent() if r.body]


def _rules(engine: MemoryEngine, *ids: str) -> None:
    for rule_id in ids or ("apply-remind-24h",):
        engine.deps.rules.save_rule(rule(rule_id))


def test_past_the_allowance_a_business_initiated_send_waits_for_the_next_window(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio whose numbers reached all but one of its allowance
    _rules(engine)
    _others_reached(engine, ALLOWANCE - 1)
    now = engine.clock.now()

    # When two quiet leads are followed up
    first = _send(engine, "6281100001501")
    second = _send(engine, "6281100001502")

    # Then the first goes out and the second waits, deferred, for the window in which the
    # users reached now stop counting
    assert first.status is Status.SENT
    assert second.status is Status.QUEUED
    assert second.reason == DEFERRED
    assert second.scheduled_at == bucket_start(bucket_of(now)) + BUCKET + REACH_WINDOW
    assert _sent_to(engine) == ["6281100001501"]

    # And one deferred ten minutes later goes ten minutes after it: oldest first
    engine.clock.advance(timedelta(minutes=10))
    third = _send(engine, "6281100001508")
    assert third.reason == DEFERRED
    assert third.scheduled_at == second.scheduled_at + timedelta(minutes=10)


def test_of_two_senders_racing_for_the_last_place_exactly_one_takes_it(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio one user short of its allowance
    _others_reached(engine, ALLOWANCE - 1)
    deps = engine.deps
    assert deps.reach is not None
    reach, limit, now = deps.reach, deps.catalog.settings().messaging_limit, engine.clock.now()
    start = threading.Barrier(2)
    answers: list[datetime | None] = []

    # When two senders, each with a user of its own, ask for a place at once
    def ask() -> None:
        start.wait()
        answers.append(admit(reach, limit, now))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then one is let through and the other deferred; the count stands at the allowance
    assert sorted(answer is None for answer in answers) == [False, True]
    assert _reached(engine) == ALLOWANCE


def test_a_reply_inside_the_window_is_never_deferred_nor_counted(engine: MemoryEngine) -> None:
    # Given a portfolio at its allowance
    _rules(engine)
    _others_reached(engine, ALLOWANCE)
    # And a lead who wrote an hour ago (their window is open)
    deps = engine.deps
    wa_id = "6281100001503"
    lead = quiet_contact(deps, wa_id, engine.clock.now() - timedelta(hours=1))
    engine.sandbox.record_inbound(wa_id, engine.clock.now() - timedelta(hours=1))

    # When the lead is followed up
    followup = send_now(deps, lead.id, "apply-remind-24h")
    engine.drain()

    # Then the reply goes out as free text, and the count is where it was
    found = deps.followups.followup(followup.id)
    assert found is not None
    assert found.status is Status.SENT
    assert _sent_to(engine) == [wa_id]
    assert _send(engine, "6281100001504").reason == DEFERRED


def test_a_user_reached_already_does_not_count_again(engine: MemoryEngine) -> None:
    # Given a portfolio one user short of its allowance
    _rules(engine, "apply-remind-24h", "pay-remind")
    _others_reached(engine, ALLOWANCE - 1)

    # When a lead gets a follow-up, then another one from a second rule
    assert _send(engine, "6281100001505").status is Status.SENT
    again = _send(engine, "6281100001505", "pay-remind")

    # Then the second goes out too (the user was reached already), and the allowance is
    # spent all the same for anyone new
    assert again.status is Status.SENT
    assert _send(engine, "6281100001506").reason == DEFERRED
    assert _sent_to(engine) == ["6281100001505", "6281100001505"]


def test_a_user_counts_again_once_the_24_hours_have_passed(engine: MemoryEngine) -> None:
    # Given a lead reached at the top of the hour, with the portfolio's allowance full
    _rules(engine, "apply-remind-24h", "pay-remind", "visit-remind")
    engine.clock.advance(timedelta(hours=1))
    assert _send(engine, "6281100001507").status is Status.SENT
    _others_reached(engine, ALLOWANCE - 1)
    reached_at = engine.clock.now()

    # When followed up again 23:59 later, the lead is still reached: it goes out
    engine.clock.advance(REACH_WINDOW - timedelta(minutes=1))
    assert _send(engine, "6281100001507", "pay-remind").status is Status.SENT

    # And 24:01 later the lead counts as new, while the users of that hour still count
    engine.clock.advance(timedelta(minutes=2))
    late = _send(engine, "6281100001507", "visit-remind")
    assert late.status is Status.QUEUED
    assert late.reason == DEFERRED
    assert late.scheduled_at == reached_at + BUCKET + REACH_WINDOW + timedelta(minutes=1)

    # Then once that hour has left the window, the deferred follow-up goes out
    engine.clock.advance(late.scheduled_at - engine.clock.now())
    engine.scheduled("dispatch")
    engine.drain()
    found = engine.deps.followups.followup(late.id)
    assert found is not None
    assert found.status is Status.SENT
    assert _sent_to(engine) == ["6281100001507"] * 3


def test_a_new_number_sends_no_more_than_the_days_warm_up_cap(engine: MemoryEngine) -> None:
    # Given a new number allowed 2 business-initiated sends today and 3 tomorrow
    _rules(engine)
    warming(engine.deps, [2, 3])

    # When four quiet leads are followed up today
    today = [_send(engine, f"62811000016{n:02d}") for n in range(4)]

    # Then two go out and the others wait for tomorrow, midnight in the number's zone
    assert [f.status for f in today] == [Status.SENT, Status.SENT, Status.QUEUED, Status.QUEUED]
    assert {f.reason for f in today[2:]} == {WARMING_UP}
    midnight = datetime(2026, 11, 25, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert {f.scheduled_at for f in today[2:]} == {midnight}

    # And a reply inside an open window is not capped
    lead = quiet_contact(engine.deps, "6281100001699", engine.clock.now() - timedelta(hours=1))
    engine.sandbox.record_inbound("6281100001699", engine.clock.now() - timedelta(hours=1))
    reply = send_now(engine.deps, lead.id, "apply-remind-24h")
    engine.drain()
    found = engine.deps.followups.followup(reply.id)
    assert found is not None
    assert found.status is Status.SENT

    # When tomorrow's sends open (09:00, the send window), the two deferred and one new go
    engine.clock.advance(timedelta(days=1))
    engine.scheduled("dispatch")
    engine.drain()
    tomorrow = _send(engine, "6281100001604")
    assert tomorrow.status is Status.SENT
    assert _send(engine, "6281100001605").reason == WARMING_UP
    assert len(_sent_to(engine)) == 2 + 1 + 3


def test_a_tier_from_the_webhook_keeps_an_admins_save_made_meanwhile(
    engine: MemoryEngine,
) -> None:
    # Given an admin who saves a new time zone while the tier update is being applied
    racing = AdminSavesFirst(engine.deps.rules, {"timezone": "Asia/Makassar"})
    engine.deps.rules = cast(RuleRepository, racing)

    # When WhatsApp announces the 2,000 tier
    assert engine.deliver(payload("business-capability-update.json")) == 200

    # Then both changes stand: the tier update read the settings again and kept the admin's
    assert racing.raced
    saved = engine.deps.rules.settings()
    assert (saved.timezone, saved.messaging_limit.tier) == ("Asia/Makassar", 2000)


def test_an_unlimited_messaging_limit_from_the_webhook_lifts_the_cap(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio WhatsApp put at the 100,000 tier
    document = payload("business-capability-update.json")
    value = document["entry"][0]["changes"][0]["value"]
    value["max_daily_conversations_per_business"] = 100000
    assert engine.deliver(document) == 200

    # When WhatsApp announces unlimited messaging, which Meta names -1
    value["max_daily_conversations_per_business"] = -1
    answered = engine.deliver(document)

    # Then the delivery is acknowledged and the workspace no longer caps its sends
    engine.deps.catalog.invalidate()
    limit = engine.deps.catalog.settings().messaging_limit
    assert (answered, limit.tier, limit.allowance()) == (200, None, None)


def test_a_raised_tier_releases_the_deferred_oldest_first_within_the_new_allowance(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio at its allowance, and three follow-ups deferred ten minutes apart
    _rules(engine)
    _others_reached(engine, ALLOWANCE)
    deferred = []
    for n in range(3):
        deferred.append(_send(engine, f"628110000170{n}"))
        engine.clock.advance(timedelta(minutes=10))
    assert {f.reason for f in deferred} == {DEFERRED}

    # When WhatsApp raises the tier to 2,000 (an allowance of 1,800), and other numbers of
    # the portfolio reach all of it but two users before the next dispatch tick
    assert engine.deliver(payload("business-capability-update.json")) == 200
    engine.deps.catalog.invalidate()
    _others_reached(engine, 1800 - ALLOWANCE - 2)
    report = engine.scheduled("dispatch")
    engine.drain()

    # Then the two deferred first go out at once, and the third keeps waiting for its window
    found = [engine.deps.followups.followup(f.id) for f in deferred]
    assert [f.status if f else None for f in found] == [Status.SENT, Status.SENT, Status.QUEUED]
    assert report["released"] == 2
    assert _sent_to(engine) == ["6281100001700", "6281100001701"]
    assert found[2] is not None
    assert (found[2].reason, found[2].scheduled_at) == (DEFERRED, deferred[2].scheduled_at)

    # And the next tick releases nothing more: the raise was used up
    assert engine.scheduled("dispatch")["released"] == 0


def _reached(engine: MemoryEngine) -> object:
    """Users the portfolio counts as reached outside their window in the last 24 h."""
    return usage(engine.deps, engine.clock.now())["reached"]


def test_a_lead_reached_twice_in_a_day_counts_once_as_their_contact_records(
    engine: MemoryEngine,
) -> None:
    # Given a lead followed up outside their window, the send counted on their contact
    _rules(engine, "apply-remind-24h", "pay-remind")
    first = _send(engine, "6281100001521")
    assert first.status is Status.SENT
    reached = engine.deps.contacts.contact(first.contact_id)
    assert reached is not None
    assert reached.item.reached_at == first.sent_at

    # When another rule follows them up three hours later
    engine.clock.advance(timedelta(hours=3))
    again = _send(engine, "6281100001521", "pay-remind")

    # Then it goes out, and the lead still counts once, from the first send
    assert again.status is Status.SENT
    assert _reached(engine) == 1
    after = engine.deps.contacts.contact(first.contact_id)
    assert after is not None
    assert after.item.reached_at == first.sent_at


def test_a_send_tried_again_after_a_throttle_or_a_busy_recipient_counts_its_user_once(
    engine: MemoryEngine,
) -> None:
    # Given WhatsApp answers "too fast" twice to the first lead, and another sender has
    # just messaged the second
    _rules(engine)
    engine.sandbox.fail_next(status=429, code=130429, times=2, to="6281100001522")
    paced(engine).space(
        f"{engine.deps.sending_number}#to#6281100001523",
        engine.clock.now(),
        engine.clock.now() + RECIPIENT_GAP,
    )

    # When both are followed up, and tried again until they go
    sent = [_send(engine, "6281100001522"), _send(engine, "6281100001523")]
    for _ in range(3):
        engine.clock.advance(RECIPIENT_GAP)
        engine.drain()

    # Then both went out, each counted once however often it was tried
    found = [engine.deps.followups.followup(f.id) for f in sent]
    assert [f.status if f else None for f in found] == [Status.SENT, Status.SENT]
    assert len(engine.sandbox.requests) == 3 + 1
    assert _reached(engine) == 2


def test_a_lead_counted_twice_spends_the_allowance_sooner_but_never_passes_it(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio one user short of its allowance, and among those counted a lead
    # whose contact does not record it (counted by an earlier release's marker)
    _rules(engine, "apply-remind-24h", "pay-remind")
    _others_reached(engine, ALLOWANCE - 1)

    # When the lead is followed up: counted once more, the allowance is full
    assert _send(engine, "6281100001524").status is Status.SENT
    assert _reached(engine) == ALLOWANCE

    # Then another follow-up to them still goes (their contact records the reach), anyone
    # new waits, and the count stands at the allowance
    assert _send(engine, "6281100001524", "pay-remind").status is Status.SENT
    assert _send(engine, "6281100001525").reason == DEFERRED
    assert _reached(engine) == ALLOWANCE


FIRST, OTHER = BUSINESS_NUMBER["phone_number_id"], SECOND_NUMBER["phone_number_id"]
OTHER_KEY = "second-number-key"


def test_the_numbers_of_a_portfolio_count_a_lead_once_and_every_lead_together() -> None:
    numbers = [
        {**BUSINESS_NUMBER, "api_key": LOCAL_API_KEY},
        {**SECOND_NUMBER, "api_key": OTHER_KEY},
    ]
    with memory_engine(TUESDAY_9AM_JAKARTA, {"D360_NUMBERS": json.dumps(numbers)}) as engine:
        # Given a rule sending from each number, and a lead tied to neither
        engine.deps.rules.save_rule(rule("from-first", numbers=[FIRST]))
        engine.deps.rules.save_rule(rule("from-other", numbers=[OTHER]))

        # When the first number follows the lead up, and the other an hour later
        assert _send(engine, "6281100001526", "from-first").status is Status.SENT
        engine.clock.advance(timedelta(hours=1))
        assert _send(engine, "6281100001526", "from-other").status is Status.SENT
        # And the other number follows up a lead of its own
        assert _send(engine, "6281100001527", "from-other").status is Status.SENT

        # Then each went with its number's key, and the portfolio counts two users
        keys = [(r.body or {}).get("to") and r.api_key for r in engine.sandbox.sent()]
        assert keys == [LOCAL_API_KEY, OTHER_KEY, OTHER_KEY]
        assert _reached(engine) == 2


def test_a_text_whatsapp_finds_outside_the_window_counts_as_its_template_does(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio at its allowance, and a lead who wrote an hour ago by our record,
    # whose window WhatsApp finds closed all the same
    _rules(engine)
    _others_reached(engine, ALLOWANCE)
    lead = quiet_contact(engine.deps, "6281100001528", engine.clock.now() - timedelta(hours=1))

    # When the lead is followed up: the text is refused (131047), the template comes next
    followup = send_now(engine.deps, lead.id, "apply-remind-24h")
    engine.drain()

    # Then the template waits for the next window like any business-initiated send
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    assert (found.status, found.reason, found.template_only) == (Status.QUEUED, DEFERRED, True)
    assert [r.body["type"] for r in engine.sandbox.requests if r.body] == ["text"]
    assert _reached(engine) == ALLOWANCE


def test_a_lead_on_a_new_whatsapp_number_counts_as_a_new_user(engine: MemoryEngine) -> None:
    # Given a lead followed up outside their window, counted once
    _rules(engine, "apply-remind-24h", "pay-remind")
    assert _send(engine, "6281100000501").status is Status.SENT

    # When WhatsApp says they changed their number, and another rule follows them up there
    engine.clock.advance(timedelta(hours=1))
    assert engine.deliver(payload("system-changed-number.json")) == 200
    assert _send(engine, "6281100000999", "pay-remind").status is Status.SENT

    # Then the new address counts as a user of its own, as WhatsApp may count it
    assert _sent_to(engine) == ["6281100000501", "6281100000999"]
    assert _reached(engine) == 2


def test_a_journeys_next_step_the_same_day_counts_nothing_and_the_next_day_counts_again(
    engine: MemoryEngine,
) -> None:
    # Given a journey of three templates: now, two hours after, then a day after that
    steps = [
        {"wait": {"amount": h, "unit": "hours"}, "template": {"name": f"t{n}", "language": "en"}}
        for n, h in enumerate([0, 2, 24])
    ]
    engine.deps.rules.save_rule(journey(*steps))
    quiet_contact(engine.deps, "6281100001529", engine.clock.now() - timedelta(hours=30))

    # When the tick sends the first, and the second two hours later
    engine.tick()
    engine.clock.advance(timedelta(hours=2))
    engine.tick()

    # Then both went out, the lead counted once
    assert _sent_to(engine) == ["6281100001529"] * 2
    assert _reached(engine) == 1

    # And the third, a day after the second, counts the lead again (the first send's hour
    # has left the window: without a new count the lead would not count at all)
    engine.clock.advance(timedelta(hours=24))
    engine.tick()
    assert _sent_to(engine) == ["6281100001529"] * 3
    assert _reached(engine) == 1


def test_send_now_put_off_by_the_warm_up_says_so_and_when_it_goes(engine: MemoryEngine) -> None:
    # Given a new number allowed 1 business-initiated send today, and one sent already
    _rules(engine)
    warming(engine.deps, [1, 5])
    assert _send(engine, "6281100001801").status is Status.SENT

    # When a counsellor sends a second lead the rule now, and asks again once it was tried
    later = _send(engine, "6281100001802")
    goes = when(engine.deps, later)

    # Then the answer names the warm-up, and the time it really goes: the send window's
    # first opening on the number's next day, not its midnight
    assert later.reason == WARMING_UP
    assert (goes.why_code, goes.now) == ("warm_up", False)
    assert goes.local.strftime("%a %H:%M") == "Wed 08:00"
    # And the queue says it was put off by the warm-up, not that it waits for the window
    [row] = shown(engine.deps, [later])
    assert (row["reason_code"], row["waiting_for_window"]) == ("warm_up", False)


def test_a_tier_announcement_retried_after_a_newer_one_changes_nothing(
    engine: MemoryEngine,
) -> None:
    def announced(tier: int, hours_ago: int) -> dict[str, object]:
        document = payload("business-capability-update.json")
        document["entry"][0]["time"] = int(engine.clock.now().timestamp()) - hours_ago * 3600
        document["entry"][0]["changes"][0]["value"]["max_daily_conversations_per_business"] = tier
        return document

    # Given WhatsApp cut the portfolio to 2,000 an hour ago, and said so
    assert engine.deliver(announced(2000, 1)) == 200
    # When its announcement of this morning's 10,000, whose delivery failed, comes again
    assert engine.deliver(announced(10000, 6)) == 200
    # Then the workspace keeps to the 2,000 WhatsApp holds it to now
    engine.deps.catalog.invalidate()
    assert engine.deps.catalog.settings().messaging_limit.tier == 2000
    # And a newer announcement still moves it
    assert engine.deliver(announced(10000, 0)) == 200
    engine.deps.catalog.invalidate()
    assert engine.deps.catalog.settings().messaging_limit.tier == 10000
