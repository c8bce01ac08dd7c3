"""Ending and moving journeys by hand: a follow-up cancelled from the queue, a do-not-contact
lifted, and running journeys moved onto a rule's new version each leave the lead's journey
where staff expect it, never stuck and never silently left behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.contact import Speaker
from followup.domain.followup import Status
from followup.domain.rule import Rule
from followup.services import bulk_cancel, do_not_contact, rules, templates, versions
from followup.services.inbound import record_outbound
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import journey, quiet_contact, rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
BODY = "Hi {{1}}, still thinking about applying?"


def send(text: str, days: int) -> dict[str, Any]:
    """A WhatsApp step sending `text` `days` after the step before it."""
    template = {"name": "apply_reminder", "language": "en", "params": [{"text": text}]}
    return {"wait": {"amount": days, "unit": "days"}, "text": text, "template": template}


def two_templates(second_template: str) -> Rule:
    """The 24 h reminder, then a second step a day later on `second_template`."""
    body = rule().model_dump(mode="json")
    later = {**body["steps"][0], "wait": {"amount": 1, "unit": "days"}}
    later["template"] = {**later["template"], "name": second_template}
    body["steps"].append(later)
    return Rule.model_validate(body)


def sms_fallback_journey(fallbacks: list[str]) -> Rule:
    """Step 1 on WhatsApp, then each of `fallbacks` when there is no reply within 24 h;
    step 2 on WhatsApp two days later."""
    first: dict[str, Any] = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "whatsapp",
        "fallbacks": fallbacks,
        "fallback_when": {"no_reply_within": {"amount": 24, "unit": "hours"}},
        "text": "Hi, your place is still open.",
        "template": {"name": "apply_reminder", "language": "en"},
    }
    second = {**first, "fallbacks": [], "wait": {"amount": 2, "unit": "days"}}
    second.pop("fallback_when")
    return rule(steps=[first, second])


def paused_template(engine: MemoryEngine, *others: str) -> None:
    """The catalogue holds `apply_reminder` paused (and `others` approved)."""
    engine.sandbox.templates.add("apply_reminder", "en", BODY, status="paused")
    for name in others:
        engine.sandbox.templates.add(name, "en", BODY)
    templates.sync(engine.deps, engine.clock.now())


def approve_template(engine: MemoryEngine) -> None:
    """Meta approves `apply_reminder` again and its webhook says so."""
    change = {"name": "apply_reminder", "language": "en", "status": "APPROVED"}
    assert engine.deliver(engine.sandbox.templates.change(change)) == 200


def sent_steps(engine: MemoryEngine) -> list[int]:
    """The journey step of each message WhatsApp received, in order."""
    steps = []
    for request in engine.sandbox.sent():
        found = engine.deps.followups.followup(request.followup_id or "")
        assert found is not None
        steps.append(found.step_index)
    return steps


def ticks(engine: MemoryEngine, hours: int) -> None:
    for _ in range(hours):
        engine.tick()
        engine.clock.advance(HOUR)


def test_a_lead_whose_queued_follow_up_staff_cancelled_is_followed_up_again_after_a_new_silence(
    engine: MemoryEngine,
) -> None:
    # Given a journey whose first follow-up is queued for a quiet lead
    rules.create(engine.deps, journey(send("one", 0), send("two", 1)))
    lead = quiet_contact(engine.deps, "6281100000951", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED

    # When marketing cancels it from the queue
    outcomes = bulk_cancel.cancel_queued(engine.deps, [queued.id])
    engine.tick()
    # and two days later a counsellor writes to the lead, who stays quiet for 25 hours more
    engine.clock.advance(2 * DAY)
    record_outbound(engine.deps, lead.id, Speaker.AGENT, "Any questions?", engine.clock.now())
    engine.clock.advance(25 * HOUR)
    ticks(engine, 3)

    # Then the cancel ended that journey, and the rule follows up the new silence
    assert outcomes == [(queued.id, bulk_cancel.Outcome.CANCELLED)]
    assert len(engine.sandbox.sent()) == 1
    journeys = engine.deps.followups.enrollments_of(lead.id)
    assert sorted(e.item.exit_reason or "running" for e in journeys) == [
        "canceled_by_staff",
        "running",
    ]


def test_a_follow_up_waiting_for_its_template_can_be_cancelled_from_the_queue(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up held as waiting_template, its template paused
    paused_template(engine)
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000952", engine.clock.now() - 25 * HOUR)
    engine.tick()
    [held] = engine.deps.followups.followups_of(lead.id)
    assert held.status is Status.WAITING_TEMPLATE

    # When marketing selects the row, twice by a double click, and cancels it
    outcomes = bulk_cancel.cancel_queued(engine.deps, [held.id, held.id])
    # and the template is approved again
    approve_template(engine)
    engine.clock.advance(timedelta(minutes=1))
    ticks(engine, 2)

    # Then the answer says it was cancelled, once, and the lead never gets it
    assert outcomes == [(held.id, bulk_cancel.Outcome.CANCELLED)]
    assert engine.sandbox.sent() == []
    found = engine.deps.followups.followup(held.id)
    assert found is not None
    assert (found.status, found.reason) == (Status.CANCELED, "canceled_by_staff")


def test_lifting_do_not_contact_enrolls_the_lead_again_in_the_rule_its_silence_passed(
    engine: MemoryEngine,
) -> None:
    # Given a quiet lead enrolled in a rule, its first follow-up queued
    rules.create(engine.deps, journey(send("one", 0), send("two", 1)))
    lead = quiet_contact(engine.deps, "6281100000953", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    assert [f.status for f in engine.deps.followups.followups_of(lead.id)] == [Status.QUEUED]

    # When a counsellor sets do-not-contact, and an admin lifts it an hour later
    do_not_contact.stop_contacting(engine.deps, lead.id, "user-counselor", engine.clock.now())
    engine.clock.advance(HOUR)
    do_not_contact.allow_contacting(engine.deps, lead.id, engine.clock.now())
    ticks(engine, 3)

    # Then the rule the current silence already passed takes the lead again and sends step 1
    assert len(engine.sandbox.sent()) == 1
    # and a day later step 2 follows, once
    ticks(engine, 26)
    assert len(engine.sandbox.sent()) == 2


def test_lifting_do_not_contact_never_sends_a_step_that_already_went(
    engine: MemoryEngine,
) -> None:
    # Given a lead who got step 1 of a journey
    rules.create(engine.deps, journey(send("one", 0), send("two", 1)))
    lead = quiet_contact(engine.deps, "6281100000956", engine.clock.now() - 25 * HOUR)
    ticks(engine, 2)
    assert len(engine.sandbox.sent()) == 1

    # When a counsellor sets do-not-contact, and an admin lifts it an hour later
    do_not_contact.stop_contacting(engine.deps, lead.id, "user-counselor", engine.clock.now())
    engine.clock.advance(HOUR)
    do_not_contact.allow_contacting(engine.deps, lead.id, engine.clock.now())
    ticks(engine, 3 * 24)

    # Then the journey goes on with step 2 only: step 1 is never sent again
    assert sent_steps(engine) == [0, 1]


def test_lifting_do_not_contact_leaves_a_journey_staff_cancelled_before_it_ended(
    engine: MemoryEngine,
) -> None:
    # Given a lead whose queued first follow-up marketing cancelled from the queue
    rules.create(engine.deps, journey(send("one", 0), send("two", 1)))
    lead = quiet_contact(engine.deps, "6281100000957", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    [queued] = engine.deps.followups.followups_of(lead.id)
    bulk_cancel.cancel_queued(engine.deps, [queued.id])
    engine.clock.advance(HOUR)

    # When a counsellor then sets do-not-contact, and an admin lifts it an hour later
    do_not_contact.stop_contacting(engine.deps, lead.id, "user-counselor", engine.clock.now())
    engine.clock.advance(HOUR)
    do_not_contact.allow_contacting(engine.deps, lead.id, engine.clock.now())
    ticks(engine, 2 * 24)

    # Then the cancelled journey stays ended: the lead gets nothing in this silence
    assert engine.sandbox.sent() == []


def test_saving_with_migrate_moves_a_journey_whose_step_waits_for_its_template(
    engine: MemoryEngine,
) -> None:
    # Given a lead whose first follow-up waits for its paused template
    paused_template(engine, "second_v1", "second_v2")
    rules.create(engine.deps, two_templates("second_v1"))
    lead = quiet_contact(engine.deps, "6281100000954", engine.clock.now() - 25 * HOUR)
    engine.tick()
    [held] = engine.deps.followups.followups_of(lead.id)
    assert held.status is Status.WAITING_TEMPLATE

    # When marketing saves version 2 and moves the running journeys onto it
    saved, _, _ = rules.update(engine.deps, "apply-remind-24h", two_templates("second_v2"))
    migration = versions.migrate(engine.deps, saved)

    # and the paused template is approved again
    approve_template(engine)
    ticks(engine, 2 * 24)

    # Then the lead's journey was moved: its second step went on version 2's template
    assert (migration.moved, migration.kept, migration.lost) == (1, [], [])
    sent = [(r.body or {}).get("template", {}).get("name") for r in engine.sandbox.sent()]
    assert sent == ["apply_reminder", "second_v2"]


def test_a_journey_moved_while_it_waits_for_a_fallback_the_new_version_dropped_goes_on(
    engine: MemoryEngine,
) -> None:
    # Given a lead sent step 1 on WhatsApp, its SMS fallback due if no reply within 24 h
    engine.deps.rules.save_rule(sms_fallback_journey(["sms"]))
    lead = quiet_contact(engine.deps, "6281100000955", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1

    # When marketing drops the SMS fallback and moves the running journeys to version 2
    saved, _, _ = rules.update(engine.deps, "apply-remind-24h", sms_fallback_journey([]))
    migration = versions.migrate(engine.deps, saved)
    ticks(engine, 4 * 24)

    # Then the journey is moved and goes on to step 2 of the new version, two days on
    assert migration.moved == 1
    assert len(engine.sandbox.sent()) == 2
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert (enrollment.item.state, enrollment.item.exit_reason) == ("completed", "sequence_done")
