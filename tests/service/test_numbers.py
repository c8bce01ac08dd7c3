"""Two sending numbers in one workspace: each sends with its own key, keeps its own pace
and pauses alone; contacts are tied to the number they write to, and a rule may keep to
some numbers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from followup.adapters.memory_pacing import MemoryPacing
from followup.domain.followup import FollowUp, Status
from followup.domain.messaging_limit import WARMING_UP, WarmUp
from followup.domain.numbers import OTHER_NUMBER
from followup.domain.pacing import slot_of
from followup.services.contacts import change_stage
from followup.services.pacing import BUSY_NUMBER, Pacer
from followup.services.ports import Change, Transactions
from followup.services.preview import preview
from followup.services.webhook import resume_number
from followup_local.engine import LOCAL_API_KEY
from followup_local.envelopes import BUSINESS_NUMBER, SECOND_NUMBER, status, text_message
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_contact, rule
from tests.support.numbers import SECOND_KEY, configured, described, flagged, sent_with

HOUR, MINUTE, SECOND = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
FIRST, OTHER = BUSINESS_NUMBER["phone_number_id"], SECOND_NUMBER["phone_number_id"]
OTHER_KEY = SECOND_KEY
NUMBERS = [
    {**BUSINESS_NUMBER, "api_key": LOCAL_API_KEY, "sends_per_second": 80},
    {**SECOND_NUMBER, "api_key": OTHER_KEY, "sends_per_second": 20},
]


@pytest.fixture(params=[configured, described], ids=["in the secret", "described apart"])
def two_numbers(request: pytest.FixtureRequest) -> Iterator[MemoryEngine]:
    """The two numbers as `D360_NUMBERS` gives them, or as `FOLLOWUP_NUMBERS` with the keys
    in `D360_KEYS`."""
    with memory_engine(TUESDAY_9AM_JAKARTA, request.param(NUMBERS)) as running:
        yield running


def only_followup(engine: MemoryEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def test_two_numbers_with_separate_pause_one_paused_the_other_keeps_sending(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a due lead on each number, and WhatsApp flagging the first number
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    on_first = quiet_contact(engine.deps, "6281100000901", quiet, phone_number_id=FIRST)
    on_other = quiet_contact(engine.deps, "6281100000902", quiet, phone_number_id=OTHER)
    assert engine.deliver(flagged(BUSINESS_NUMBER)) == 200
    # When the tick runs
    engine.tick()
    # Then the other number's lead is sent, with the other number's key
    assert sent_with(engine) == {"6281100000902": OTHER_KEY}
    assert only_followup(engine, on_other.id).status is Status.SENT
    # And the first number's lead is held, saying which number is paused
    held = only_followup(engine, on_first.id)
    assert held.status is Status.QUEUED
    assert held.reason is not None
    assert f"number {FIRST} paused" in held.reason
    # When an operator resumes the first number, its lead goes out with its own key
    assert resume_number(engine.deps, FIRST, engine.clock.now())
    engine.clock.advance(10 * SECOND)
    engine.tick()
    assert sent_with(engine) == {"6281100000902": OTHER_KEY, "6281100000901": LOCAL_API_KEY}


def test_a_send_error_that_stops_a_number_pauses_that_number_only(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given two due leads on the other number and one on the first, and WhatsApp refusing
    # the other number's first send for spam (131048)
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    on_other = [
        quiet_contact(engine.deps, f"628110000091{n}", quiet, phone_number_id=OTHER)
        for n in range(2)
    ]
    on_first = quiet_contact(engine.deps, "6281100000920", quiet, phone_number_id=FIRST)
    engine.sandbox.fail_next(status=400, code=131048, to="6281100000910")
    # When the tick runs
    engine.tick()
    # Then only the other number is paused, under its phone_number_id, once
    [health] = engine.deps.rules.numbers()
    assert (health.phone_number_id, health.paused) == (OTHER, True)
    # And its leads are held while the first number's lead is sent
    assert [only_followup(engine, c.id).status for c in on_other] == [Status.QUEUED] * 2
    assert only_followup(engine, on_first.id).status is Status.SENT
    assert engine.deps.catalog.sending_paused() is None
    assert engine.deps.catalog.sending_paused(OTHER) is not None


def test_two_numbers_with_separate_pacing_a_busy_number_holds_only_its_own_sends(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a pacer with a lane per number, and the first number booked three seconds ahead
    store, clock = MemoryPacing(), engine.clock
    engine.deps.pacer = Pacer(
        store,
        FIRST,
        80,
        clock,
        lambda seconds: clock.advance(timedelta(seconds=seconds)),
        others={OTHER: 20},
    )
    now = clock.now()
    for slot in range(slot_of(now), slot_of(now + 3 * SECOND)):
        store.reserve(f"{FIRST}#{slot}", 8, now)
    engine.deps.rules.save_rule(rule())
    quiet = now - 25 * HOUR
    on_first = quiet_contact(engine.deps, "6281100000930", quiet, phone_number_id=FIRST)
    on_other = quiet_contact(engine.deps, "6281100000931", quiet, phone_number_id=OTHER)
    # When the tick runs
    engine.tick()
    # Then the other number's send goes at once, booked in its own lane
    assert sent_with(engine) == {"6281100000931": OTHER_KEY}
    assert only_followup(engine, on_other.id).status is Status.SENT
    assert (
        sum(store.counts([f"{OTHER}#{s}" for s in range(slot_of(now), slot_of(now) + 20)]).values())
        >= 1
    )
    # And the busy number's send waits on the queue for its turn, not failed
    held = only_followup(engine, on_first.id)
    assert (held.status, held.reason, held.attempt) == (Status.QUEUED, BUSY_NUMBER, 0)
    clock.advance(3 * SECOND)
    engine.drain()
    assert only_followup(engine, on_first.id).status is Status.SENT
    assert sent_with(engine)["6281100000930"] == LOCAL_API_KEY


def test_a_contact_is_tied_to_the_number_they_write_to_and_sent_from_it(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a lead who wrote to the second number
    engine.deps.rules.save_rule(rule())
    wrote = text_message(
        "6281100000940", "info?", engine.clock.now(), "wamid.IN1", number=SECOND_NUMBER
    )
    assert engine.deliver(wrote) == 200
    [contact] = [
        c.item
        for c in engine.deps.contacts.quiet_contacts(
            "new", engine.clock.now() - HOUR, engine.clock.now() + HOUR
        )
    ]
    assert contact.phone_number_id == OTHER
    # When they fall silent for the rule's day
    engine.clock.advance(25 * HOUR)
    engine.tick()
    # Then the follow-up goes from that number, with its key
    assert sent_with(engine) == {"6281100000940": OTHER_KEY}


def test_a_contact_tied_to_no_number_goes_from_the_rules_first_number(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a rule that sends from the second number only, and a lead tied to none
    engine.deps.rules.save_rule(rule(numbers=[OTHER]))
    quiet_contact(engine.deps, "6281100000950", engine.clock.now() - 25 * HOUR)
    # When the tick runs, it goes from the rule's number
    engine.tick()
    assert sent_with(engine) == {"6281100000950": OTHER_KEY}


def test_a_contact_tied_to_no_number_and_no_rule_number_goes_from_the_default(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100000955", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert sent_with(engine) == {"6281100000955": LOCAL_API_KEY}


def test_a_rule_kept_to_one_number_leaves_contacts_of_another_alone_and_says_why(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a rule that sends from the second number only, a lead of each number
    kept = rule(numbers=[OTHER])
    engine.deps.rules.save_rule(kept)
    quiet = engine.clock.now() - 25 * HOUR
    quiet_contact(engine.deps, "6281100000960", quiet, phone_number_id=FIRST)
    quiet_contact(engine.deps, "6281100000961", quiet, phone_number_id=OTHER)
    # When the rule is previewed, the first number's lead is left out, and why
    seen = preview(engine.deps, kept)
    assert (seen.now_count, seen.skipped) == (1, {OTHER_NUMBER: 1})
    # When the tick runs, only the second number's lead is enrolled and sent
    report = engine.tick()
    assert report["enqueue"]["reasons"][f"not_enrolled:{OTHER_NUMBER}"] == 1
    assert sent_with(engine) == {"6281100000961": OTHER_KEY}


def test_a_rule_kept_to_one_number_enrolls_on_a_stage_change_only_that_numbers_contacts(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a rule that greets contacts entering `applied`, from the second number only
    entered = {"kind": "stage_entered", "stages": ["applied"]}
    greet = rule("applied-welcome", trigger=entered, exit={"stages": ["paid"]}, numbers=[OTHER])
    engine.deps.rules.save_rule(greet)
    now = engine.clock.now()
    on_first = quiet_contact(engine.deps, "6281100000970", now - HOUR, phone_number_id=FIRST)
    on_other = quiet_contact(engine.deps, "6281100000971", now - HOUR, phone_number_id=OTHER)
    # When both enter the stage
    for contact in (on_first, on_other):
        change_stage(engine.deps, contact.id, "applied", now)
    # Then only the second number's contact is enrolled, and sent to from that number
    assert engine.deps.followups.enrollments_of(on_first.id) == []
    assert len(engine.deps.followups.enrollments_of(on_other.id)) == 1
    engine.tick()
    assert sent_with(engine) == {"6281100000971": OTHER_KEY}


def test_a_failed_status_that_stops_a_number_pauses_the_number_it_names(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a follow-up sent from the second number
    engine.deps.rules.save_rule(rule(numbers=[OTHER]))
    lead = quiet_contact(engine.deps, "6281100000980", engine.clock.now() - 25 * HOUR)
    engine.tick()
    sent = only_followup(engine, lead.id)
    assert (sent.status, sent_with(engine)) == (Status.SENT, {"6281100000980": OTHER_KEY})
    # When WhatsApp reports it failed for spam (131048), in a delivery for that number
    failed = status(
        str(sent.provider_message_id), "failed", engine.clock.now(), "6281100000980", sent.id
    )
    value = failed["entry"][0]["changes"][0]["value"]
    value["metadata"] = SECOND_NUMBER
    value["statuses"][0]["errors"] = [{"code": 131048, "title": "Spam rate limit hit"}]
    assert engine.deliver(failed) == 200
    # Then that number alone is paused
    [health] = engine.deps.rules.numbers()
    assert (health.phone_number_id, health.paused) == (OTHER, True)
    assert engine.deps.catalog.sending_paused(FIRST) is None


def test_a_refused_key_pauses_only_its_number_when_each_number_has_its_own(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a due lead on each number, and 360dialog refusing the second number's key
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    on_first = quiet_contact(engine.deps, "6281100000990", quiet, phone_number_id=FIRST)
    on_other = quiet_contact(engine.deps, "6281100000991", quiet, phone_number_id=OTHER)
    engine.sandbox.fail_next(status=401, code=190, to="6281100000991")
    # When the tick runs
    engine.tick()
    # Then the second number is paused, not the workspace, and the first number sends
    assert engine.deps.rules.settings().paused is False
    [health] = engine.deps.rules.numbers()
    assert (health.phone_number_id, health.paused) == (OTHER, True)
    assert health.paused_reason is not None
    assert "API key" in health.paused_reason
    assert only_followup(engine, on_other.id).status is Status.QUEUED
    assert only_followup(engine, on_first.id).status is Status.SENT


class CountedWrites:
    """The store's commits, counted on their way through (each is one transaction)."""

    def __init__(self, store: Transactions) -> None:
        self.store, self.commits = store, 0

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        self.commits += 1
        self.store.commit(changes, at)


def test_a_paused_numbers_held_follow_ups_cost_nothing_per_tick_and_go_once_it_resumes(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a due lead on each number, the first number flagged, and a tick that held its lead
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    on_first = quiet_contact(engine.deps, "6281100000961", quiet, phone_number_id=FIRST)
    quiet_contact(engine.deps, "6281100000962", quiet, phone_number_id=OTHER)
    assert engine.deliver(flagged(BUSINESS_NUMBER)) == 200
    engine.tick()
    assert only_followup(engine, on_first.id).status is Status.QUEUED
    # When dispatch ticks again and again while the number stays paused
    writes = CountedWrites(engine.deps.transactions)
    engine.deps.transactions = writes
    dispatched = []
    for _ in range(3):
        engine.clock.advance(MINUTE)
        dispatched.append(engine.scheduled("dispatch")["dispatched"])
        engine.drain()
    # Then the held lead is neither written nor queued again
    assert (writes.commits, dispatched) == (0, [0, 0, 0])
    held = only_followup(engine, on_first.id)
    assert held.status is Status.QUEUED
    assert held.reason is not None
    assert f"number {FIRST} paused" in held.reason
    # When an operator resumes the number, its lead goes out at once, with no tick
    assert resume_number(engine.deps, FIRST, engine.clock.now())
    engine.drain()
    assert only_followup(engine, on_first.id).status is Status.SENT
    assert sent_with(engine)["6281100000961"] == LOCAL_API_KEY


def test_each_number_warms_up_on_its_own_daily_cap_the_default_from_the_workspace_setting() -> None:
    today = TUESDAY_9AM_JAKARTA.astimezone(ZoneInfo("Asia/Jakarta")).date()
    # Given a second number new today by its own start date, and the workspace's warm-up
    # (the setting from before several numbers) starting today too: one send a day each
    numbers = [NUMBERS[0], NUMBERS[1] | {"warm_up_started_on": today.isoformat()}]
    with memory_engine(TUESDAY_9AM_JAKARTA, configured(numbers)) as engine:
        settings = engine.deps.rules.settings()
        limit = settings.messaging_limit.model_copy(
            update={"warm_up": WarmUp(started_on=today, schedule=[1, 5])}
        )
        engine.deps.rules.save_settings(settings.model_copy(update={"messaging_limit": limit}))
        engine.deps.rules.save_rule(rule())
        quiet = engine.clock.now() - 25 * HOUR
        leads = [
            quiet_contact(engine.deps, f"62811000009{n}0", quiet, phone_number_id=number)
            for n, number in enumerate([FIRST, FIRST, OTHER, OTHER])
        ]
        # When the tick runs
        engine.tick()
        # Then each number sends its one for the day, and each one's second lead waits
        assert sorted(str(key) for key in sent_with(engine).values()) == sorted(
            [LOCAL_API_KEY, OTHER_KEY]
        )
        waiting = [f for f in (only_followup(engine, c.id) for c in leads) if f.reason]
        assert [(f.status, f.reason) for f in waiting] == [(Status.QUEUED, WARMING_UP)] * 2


def test_a_number_without_a_start_date_of_its_own_is_not_held_to_the_default_numbers_warm_up(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given the default number warming up at one send today, the other number long warm
    settings = engine.deps.rules.settings()
    today = engine.clock.now().astimezone(settings.zone).date()
    limit = settings.messaging_limit.model_copy(
        update={"warm_up": WarmUp(started_on=today, schedule=[1])}
    )
    engine.deps.rules.save_settings(settings.model_copy(update={"messaging_limit": limit}))
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    for n in range(3):
        quiet_contact(engine.deps, f"6281100000980{n}", quiet, phone_number_id=OTHER)
    # When the tick runs, all three of the other number's leads go
    engine.tick()
    assert list(sent_with(engine).values()) == [OTHER_KEY] * 3


def test_a_number_configured_with_its_display_number_as_whatsapp_manager_shows_it_is_paused() -> (
    None
):
    # Given two numbers, the first one's display number written as WhatsApp Manager shows it
    numbers = [
        {
            "phone_number_id": BUSINESS_NUMBER["phone_number_id"],
            "display_phone_number": "+62 812-3456-7890",
            "api_key": LOCAL_API_KEY,
        },
        {**SECOND_NUMBER, "api_key": SECOND_KEY},
    ]
    with memory_engine(TUESDAY_9AM_JAKARTA, configured(numbers)) as engine:
        deps = engine.deps
        deps.rules.save_rule(rule())
        first = BUSINESS_NUMBER["phone_number_id"]
        quiet_contact(deps, "6281100000504", engine.clock.now() - 25 * HOUR, phone_number_id=first)
        # When WhatsApp flags that number, naming it by its digits alone
        assert engine.deliver(flagged(BUSINESS_NUMBER)) == 200
        engine.tick()
        # Then that number is paused, and nothing goes from it
        assert deps.catalog.sending_paused(first) is not None
        assert engine.sandbox.sent() == []
