"""Leads stored twice, once under each way their number is written, become one.

Before lookups matched a Brazilian, Mexican or Argentine mobile's two forms, a lead
imported by the number the CRM dials and heard from by WhatsApp's id for it was stored
twice: follow-ups went to both, and a STOP on one did not stop the other. Merging the
duplicates folds the later contact into the earlier one, as a change of number folds a
contact its new number made; one that already has journeys of its own stays apart, and
shares the stops."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from followup.domain.contact import Contact, Speaker
from followup.domain.conversation import Direction, Message
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup.domain.webhook_events import Identity
from followup.services.contacts import (
    change_stage,
    choose_marketing,
    create_contact,
    find_contact,
    update_contact,
)
from followup.services.do_not_contact import allow_contacting, stop_contacting
from followup.services.dry_run import DryRunRequest, dry_run
from followup.services.duplicates import Outcome, merge_duplicates
from followup.services.inbound import record_inbound, record_outbound
from followup.services.other_form import with_other_form_stops
from followup.services.preview import preview
from followup.services.upcoming import upcoming
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import follow_up_rule, save_settings
from tests.service.test_marketing_choice_order import marketing_rule, marketing_sent
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.outbox import Outbox

FORMS = pytest.mark.parametrize(
    ("dialable", "whatsapp_id"),
    [
        ("5511987654321", "551187654321"),
        ("525512345678", "5215512345678"),
        ("541123456789", "5491123456789"),
    ],
)


MONTHS = timedelta(days=120)
ADDRESS = "rudi@example.com"


def stored_twice(
    engine: MemoryEngine,
    first: str,
    second: str,
    quiet_for: timedelta = timedelta(hours=25),
    emails: tuple[str | None, str | None] = (None, None),
) -> tuple[str, str]:
    """A lead quiet for `quiet_for` (a day), stored under `first` and, an hour later, under
    `second`, each with its email of `emails`."""
    quiet = engine.clock.now() - quiet_for
    earlier = quiet_contact(engine.deps, first, quiet - timedelta(hours=1), email=emails[0])
    later = quiet_contact(engine.deps, second, quiet, email=emails[1])
    return earlier.id, later.id


def hard_bounced(engine: MemoryEngine, contact_id: str) -> None:
    """SES reported now that email to `ADDRESS`, the contact's, hard-bounced (as the bus
    events function keeps it: `email_feedback`)."""
    at = engine.clock.now()
    update_contact(engine.deps, contact_id, lambda c: c.with_email_bounced(ADDRESS, at), at)


@FORMS
def test_a_lead_stored_under_both_forms_gets_one_follow_up_after_the_merge(
    engine: MemoryEngine, dialable: str, whatsapp_id: str
) -> None:
    # Given a lead imported by their dialable number and stored again by WhatsApp's id
    earlier, later = stored_twice(engine, dialable, whatsapp_id)
    # When the duplicates are merged and a rule for leads quiet for a day runs
    [merged] = merge_duplicates(engine.deps)
    engine.deps.rules.save_rule(rule(send_anytime=True))
    engine.tick()
    # Then the earlier contact stays, found by either form, and gets the one follow-up
    assert (merged.kept.id, merged.other.id, merged.outcome) == (earlier, later, Outcome.FOLDED)
    assert engine.deps.contacts.contact(later) is None
    for form in (dialable, whatsapp_id):
        found = find_contact(engine.deps, form, None)
        assert found is not None
        assert found.item.id == earlier
    assert [r.body.get("to") for r in engine.sandbox.sent() if r.body] == [dialable]


@pytest.mark.parametrize("ago", [timedelta(hours=24), MONTHS])
def test_a_stop_on_the_folded_contact_opts_out_the_one_kept(
    engine: MemoryEngine, ago: timedelta
) -> None:
    # Given a lead stored twice, whose STOP (a day or months ago) reached only the contact
    # WhatsApp's id made
    quiet = ago + timedelta(hours=1)
    earlier, _later = stored_twice(engine, "5511987654321", "551187654321", quiet)
    record_inbound(engine.deps, "551187654321", "STOP", engine.clock.now() - ago)
    # When the duplicates are merged
    merge_duplicates(engine.deps)
    # Then the contact kept is opted out, and a rule a day later sends nothing
    kept = engine.deps.contacts.contact(earlier)
    assert kept is not None
    assert kept.item.opted_out
    engine.deps.rules.save_rule(rule(send_anytime=True))
    engine.clock.advance(timedelta(hours=25))
    engine.tick()
    assert [r.body for r in engine.sandbox.sent() if r.body] == []


@pytest.mark.parametrize(
    ("first", "second", "stopping"),
    [
        ("5511987654321", "551187654321", "earlier"),
        ("525512345678", "5215512345678", "later"),
    ],
)
def test_a_pair_kept_apart_shares_the_opt_out_of_either(
    engine: MemoryEngine, first: str, second: str, stopping: str
) -> None:
    # Given a lead stored twice, each contact with a follow-up queued for Saturday (the
    # weekend is outside business hours), one of the two opted out since
    engine.clock.advance(timedelta(days=4))
    earlier, later = stored_twice(engine, first, second)
    engine.deps.rules.save_rule(rule())
    engine.tick()
    other = later if stopping == "earlier" else earlier
    [queued] = engine.deps.followups.followups_of(other)
    assert queued.status is Status.QUEUED
    record_inbound(
        engine.deps, first if stopping == "earlier" else second, "STOP", engine.clock.now()
    )
    # When the duplicates are merged
    [merged] = merge_duplicates(engine.deps)
    # Then the later contact stays apart, and the other one is opted out too: its
    # follow-up ends opted out, its journey ends
    assert merged.outcome is Outcome.APART
    found = engine.deps.contacts.contact(other)
    assert found is not None
    assert found.item.opted_out
    ended = engine.deps.followups.followup(queued.id)
    assert ended is not None
    assert ended.status is Status.OPTED_OUT
    [journey] = engine.deps.followups.enrollments_of(other)
    assert journey.item.state is not EnrollmentState.ACTIVE


def test_a_dry_run_lists_the_pairs_and_changes_nothing(engine: MemoryEngine) -> None:
    # Given a lead stored twice, and a lead stored once
    earlier, later = stored_twice(engine, "541123456789", "5491123456789")
    quiet_contact(engine.deps, "6281200000001", engine.clock.now())
    before = [engine.deps.contacts.contact(each) for each in (earlier, later)]
    # When the duplicates are merged as a dry run
    [pair] = merge_duplicates(engine.deps, dry_run=True)
    # Then the pair is listed as it would be merged, and both contacts stay as they were
    assert (pair.kept.id, pair.other.id, pair.outcome) == (earlier, later, Outcome.FOLDED)
    assert [engine.deps.contacts.contact(each) for each in (earlier, later)] == before


def test_merged_duplicates_are_not_found_again(engine: MemoryEngine) -> None:
    # Given a lead stored twice, merged
    stored_twice(engine, "5511987654321", "551187654321")
    merge_duplicates(engine.deps)
    # When the duplicates are merged again
    # Then there is nothing left to merge
    assert merge_duplicates(engine.deps) == []


def test_a_stop_after_the_merge_stops_the_contact_kept_apart_at_send_time(
    engine: MemoryEngine,
) -> None:
    # Given a lead stored twice, each contact with a follow-up queued for Monday, kept
    # apart by the merge
    engine.clock.advance(timedelta(days=4))
    _earlier, later = stored_twice(engine, "5511987654321", "551187654321")
    engine.deps.rules.save_rule(rule())
    engine.tick()
    [queued] = engine.deps.followups.followups_of(later)
    [merged] = merge_duplicates(engine.deps)
    assert merged.outcome is Outcome.APART
    # When the lead says STOP from the number the CRM dials, and Monday comes
    record_inbound(engine.deps, "5511987654321", "STOP", engine.clock.now())
    engine.clock.advance(timedelta(days=2))
    engine.tick()
    # Then the follow-up of the contact under WhatsApp's id ends opted out, and nothing
    # is sent
    ended = engine.deps.followups.followup(queued.id)
    assert ended is not None
    assert ended.status is Status.OPTED_OUT
    assert [r.body for r in engine.sandbox.sent() if r.body] == []


def test_the_tick_plans_nothing_for_a_contact_whose_other_form_opted_out(
    engine: MemoryEngine,
) -> None:
    # Given a lead stored twice, opted out under the number the CRM dials
    _earlier, later = stored_twice(engine, "5511987654321", "551187654321")
    record_inbound(engine.deps, "5511987654321", "STOP", engine.clock.now())
    # When a rule for leads quiet for a day runs
    engine.deps.rules.save_rule(rule(send_anytime=True))
    engine.tick()
    # Then no follow-up is planned for the contact under WhatsApp's id, and nothing is sent
    assert engine.deps.followups.followups_of(later) == []
    [journey] = engine.deps.followups.enrollments_of(later)
    assert journey.item.state is EnrollmentState.EXITED
    assert [r.body for r in engine.sandbox.sent() if r.body] == []


def test_a_marketing_stop_on_one_form_keeps_marketing_from_the_other(
    engine: MemoryEngine,
) -> None:
    # Given a lead stored twice, quiet for a day, and a marketing template step; the lead
    # stopped marketing messages under WhatsApp's id (a 131050, a `user_preferences` stop)
    _earlier, later = stored_twice(engine, "5511987654321", "551187654321")
    choose_marketing(engine.deps, later, True, engine.clock.now())
    marketing_rule(engine)
    # When the rule comes due
    engine.tick()
    # Then no marketing template goes to either form of the number
    assert marketing_sent(engine) == []


def test_the_contact_page_promises_nothing_to_a_contact_whose_other_form_opted_out(
    engine: MemoryEngine,
) -> None:
    # Given a lead stored twice, quiet for a day, each contact nudged by a journey whose
    # last call is due two hours later
    earlier, later = stored_twice(engine, "5511987654321", "551187654321")
    nudge = rule().steps[0].model_dump(mode="json")
    last_call = {**nudge, "wait": {"amount": 2, "unit": "hours"}}
    engine.deps.rules.save_rule(rule(send_anytime=True, steps=[nudge, last_call]))
    engine.tick()
    assert [len(upcoming(engine.deps, contact(engine, c))) for c in (earlier, later)] == [1, 1]
    # When the lead says STOP from the number the CRM dials
    record_inbound(engine.deps, "5511987654321", "STOP", engine.clock.now())
    # Then the page of the contact under WhatsApp's id promises no last call
    assert upcoming(engine.deps, contact(engine, later)) == []
    # And the ticks send no last call to either form
    engine.ticks(3, every=timedelta(hours=1))
    assert len([r for r in engine.sandbox.sent() if r.body]) == 2


def test_the_preview_leaves_out_a_contact_whose_other_form_opted_out(
    engine: MemoryEngine,
) -> None:
    # Given a lead stored twice, quiet for a day, opted out under the number the CRM dials
    _earlier, later = stored_twice(engine, "5511987654321", "551187654321")
    record_inbound(engine.deps, "5511987654321", "STOP", engine.clock.now())
    # When a rule for leads quiet for a day is previewed
    seen = preview(engine.deps, rule(send_anytime=True))
    # Then it plans nothing for the contact under WhatsApp's id, left out as opted out
    assert (seen.planned, seen.skipped) == ([], {"opted_out": 1})
    assert [(e.contact_id, e.reason) for e in seen.excluded] == [(later, "opted_out")]


@pytest.mark.parametrize(
    ("other_address", "emailed"),
    [
        (ADDRESS, []),
        ("Rudi@Example.com", []),
        ("rudi.hartono@example.com", ["rudi.hartono@example.com"]),
    ],
    ids=["same_address", "same_address_other_case", "another_address"],
)
def test_an_address_that_bounced_on_one_form_is_not_emailed_on_the_other(
    engine: MemoryEngine, outbox: Outbox, other_address: str, emailed: list[str]
) -> None:
    # Given a lead stored twice, quiet for a day, whose address hard-bounced an email to
    # the contact under the number the CRM dials; the contact under WhatsApp's id has the
    # same address (or another)
    earlier, later = stored_twice(
        engine, "5511987654321", "551187654321", emails=(ADDRESS, other_address)
    )
    hard_bounced(engine, earlier)
    # When an email rule for leads quiet for a day runs
    engine.deps.rules.save_rule(rule(send_anytime=True, steps=[channel_step("email")]))
    engine.tick()
    # Then the bounced address gets no email under either form; another address does
    assert [to for channel, to in outbox.sent if channel == "email"] == emailed
    [step] = engine.deps.followups.followups_of(later)
    skipped = [] if emailed else ["bounced:email"]
    assert step.skipped_channels == skipped


def test_the_kept_contact_takes_the_bounce_of_the_folded_one(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a lead stored twice with one address, which hard-bounced an email to the
    # contact WhatsApp's id made
    earlier, later = stored_twice(
        engine, "5511987654321", "551187654321", emails=(ADDRESS, ADDRESS)
    )
    hard_bounced(engine, later)
    bounced_at = engine.clock.now()
    # When the duplicates are merged, and an email rule for leads quiet for a day runs
    [merged] = merge_duplicates(engine.deps)
    assert merged.outcome is Outcome.FOLDED
    engine.clock.advance(timedelta(hours=1))
    engine.deps.rules.save_rule(rule(send_anytime=True, steps=[channel_step("email")]))
    engine.tick()
    # Then the kept contact shows the address bounced when it did, and gets no email
    bounce = contact(engine, earlier).email_bounce
    assert bounce is not None
    assert (bounce.address, bounce.at) == (ADDRESS, bounced_at)
    assert outbox.sent == []


def test_the_kept_contact_takes_the_user_id_of_the_folded_one(engine: MemoryEngine) -> None:
    # Given a lead stored twice, WhatsApp naming the second by its number and user id
    earlier, _later = stored_twice(engine, "5511987654321", "551187654321")
    person = Identity("551187654321", "BR.8dE1aF9cB2")
    record_inbound(engine.deps, person, "oi", engine.clock.now() - timedelta(hours=24))
    # When the duplicates are merged, and a STOP comes naming the lead by the user id alone
    [merged] = merge_duplicates(engine.deps)
    assert merged.outcome is Outcome.FOLDED
    assert merged.user_id_linked is None
    stop = Identity(None, "BR.8dE1aF9cB2")
    heard = record_inbound(engine.deps, stop, "STOP", engine.clock.now(), "wamid.STOP1")
    # Then the kept contact has the user id, and is the one the STOP opts out
    assert (heard.contact_id, heard.created) == (earlier, False)
    kept = engine.deps.contacts.contact(earlier)
    assert kept is not None
    assert (kept.item.user_id, kept.item.opted_out) == ("BR.8dE1aF9cB2", True)
    found = find_contact(engine.deps, None, "BR.8dE1aF9cB2")
    assert found is not None
    assert found.item.id == earlier


def test_the_kept_contact_keeps_its_own_user_id_and_the_merge_says_so(
    engine: MemoryEngine,
) -> None:
    # Given a lead stored twice, WhatsApp naming each by a user id of its own
    earlier, _later = stored_twice(engine, "5511987654321", "551187654321")
    at = engine.clock.now() - timedelta(hours=24)
    record_inbound(engine.deps, Identity("5511987654321", "BR.kept"), "oi", at)
    record_inbound(engine.deps, Identity("551187654321", "BR.folded"), "oi", at)
    # When the duplicates are merged
    [merged] = merge_duplicates(engine.deps)
    # Then the kept contact keeps its user id, and the merge names the folded one's; a
    # message naming the lead by it still finds them
    assert merged.outcome is Outcome.FOLDED
    assert merged.user_id_linked == "BR.folded"
    kept = engine.deps.contacts.contact(earlier)
    assert kept is not None
    assert kept.item.user_id == "BR.kept"
    heard = record_inbound(engine.deps, Identity(None, "BR.folded"), "STOP", engine.clock.now())
    assert (heard.contact_id, heard.created) == (earlier, False)


def written_months_ago(engine: MemoryEngine, *texts: str) -> tuple[str, str]:
    """A lead stored twice months ago; `texts` reached only the contact WhatsApp's id made,
    months ago (it qualified since), and the lead wrote a day ago from the number the CRM
    dials. A two-step rule for leads quiet for a day then sent the kept contact its first
    step; rules follow a call back and busy up, made since the old lines (which no journey
    followed up, so the second contact has none and is folded in)."""
    earlier, later = stored_twice(engine, "5511987654321", "551187654321", MONTHS)
    for i, text in enumerate(texts):
        written = engine.clock.now() - MONTHS + timedelta(hours=1, minutes=i)
        record_inbound(engine.deps, "551187654321", text, written, f"wamid.OLD{i}")
    record_inbound(
        engine.deps, "5511987654321", "halo", engine.clock.now() - timedelta(hours=25), "wamid.NEW"
    )
    change_stage(engine.deps, later, "qualified", engine.clock.now() - MONTHS / 2)
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": template},
        {"wait": {"amount": 1, "unit": "days"}, "template": template},
    ]
    engine.deps.rules.save_rule(rule(send_anytime=True, steps=steps))
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    follow_up_rule(engine, "busy-nudge", "busy", 60)
    engine.tick()
    engine.deps.catalog.invalidate()  # the command runs with the rules as they are now
    assert len(engine.sandbox.sent()) == 1
    assert engine.deps.followups.enrollments_of(later) == []
    return earlier, later


@pytest.mark.parametrize("lookback_months", [None, 12])
@pytest.mark.parametrize(
    "texts",
    [
        ("call me tomorrow at 10",),
        ("lagi sibuk",),
        ("makasih, gak tertarik",),
        ("ok",),
        ("call me tomorrow at 10", "lagi sibuk", "makasih, gak tertarik", "ok"),
    ],
)
def test_lines_months_old_of_the_folded_contact_leave_todays_journeys_alone(
    engine: MemoryEngine, texts: tuple[str, ...], lookback_months: int | None
) -> None:
    # Given a lead stored twice, whose old lines reached only the second contact, and a
    # journey of the kept contact that started since and sent its first step (in a
    # workspace whose new rules reach back a week, or a year)
    if lookback_months is not None:
        settings = engine.deps.rules.settings().model_dump(mode="json")
        settings["trigger_lookback"] = {"amount": lookback_months, "unit": "months"}
        save_settings(engine, settings)
    earlier, _later = written_months_ago(engine, *texts)
    [first] = engine.deps.followups.followups_of(earlier)
    # When the duplicates are merged
    [merged] = merge_duplicates(engine.deps)
    assert merged.outcome is Outcome.FOLDED
    # Then the old lines are in the kept contact's conversation, but the journey still
    # runs, its send is not answered, and no call back or busy nudge is scheduled now
    lines = engine.deps.contacts.recent_messages(earlier, 50)
    assert {m.text for m in lines} >= set(texts)
    [journey] = engine.deps.followups.enrollments_of(earlier)
    assert (journey.item.rule_id, journey.item.state) == (
        "apply-remind-24h",
        EnrollmentState.ACTIVE,
    )
    still = engine.deps.followups.followup(first.id)
    assert still is not None
    assert still.status is Status.SENT
    # And the next day the journey's second step goes, and nothing else
    engine.clock.advance(timedelta(days=1, hours=1))
    engine.tick()
    assert len(engine.sandbox.sent()) == 2
    assert {e.item.rule_id for e in engine.deps.followups.enrollments_of(earlier)} == {
        "apply-remind-24h"
    }


def test_a_dry_run_sends_nothing_to_a_contact_whose_other_form_opted_out(
    engine: MemoryEngine,
) -> None:
    # Given a lead stored twice, quiet for a day, opted out under the number the CRM dials
    _earlier, later = stored_twice(engine, "5511987654321", "551187654321")
    record_inbound(engine.deps, "5511987654321", "STOP", engine.clock.now())
    # When a rule for leads quiet for a day is played for the contact under WhatsApp's id
    request = DryRunRequest.model_validate({"contact_id": later, "days": 3})
    run = dry_run(engine.deps, rule(send_anytime=True), request)
    # Then the run sends nothing, as the tick would not
    assert [entry.kind for entry in run.entries if entry.kind == "send"] == []


def contact(engine: MemoryEngine, contact_id: str) -> Contact:
    found = engine.deps.contacts.contact(contact_id)
    assert found is not None
    return found.item


def test_the_kept_contact_takes_what_the_crm_knew_of_the_folded_one(
    engine: MemoryEngine,
) -> None:
    # Given a lead who wrote on WhatsApp first (a contact with a detail of its own), then
    # was imported by the number the CRM dials with what the CRM knows of them, and moved on
    earlier = quiet_contact(
        engine.deps,
        "551187654321",
        engine.clock.now() - timedelta(days=2),
        name="",
        attributes={"program": "Law"},
        tags=["webinar"],
    )
    later = quiet_contact(
        engine.deps,
        "5511987654321",
        engine.clock.now() - timedelta(days=1),
        email=ADDRESS,
        attributes={"program": "Nursing", "intake": "March"},
        tags=["VIP", "Webinar"],
    )
    moved_at = engine.clock.now() - timedelta(hours=3)
    change_stage(engine.deps, later.id, "applied", moved_at)
    # When the duplicates are merged
    [merged] = merge_duplicates(engine.deps)
    assert merged.outcome is Outcome.FOLDED
    # Then the kept contact has the name, address, attributes, tags and stage it lacked,
    # and what it knew itself stands
    kept = contact(engine, earlier.id)
    assert (kept.name, kept.email) == ("Rudi Hartono", ADDRESS)
    assert kept.attributes == {"program": "Law", "intake": "March"}
    assert kept.tags == ["webinar", "VIP"]
    assert (kept.stage, kept.stage_changed_at) == ("applied", moved_at)


def test_a_counsellors_answer_on_the_folded_contact_stays_the_last_word(
    engine: MemoryEngine,
) -> None:
    # Given a lead imported long ago, then stored again by WhatsApp's id when they asked a
    # question 3 hours ago, which a counsellor answered an hour later
    earlier = quiet_contact(engine.deps, "5511987654321", engine.clock.now() - MONTHS)
    asked = engine.clock.now() - timedelta(hours=3)
    later = written_by_whatsapp(engine, "551187654321", "Quanto custa?", asked, "PNID-2")
    answered = asked + timedelta(hours=1)
    record_outbound(engine.deps, later, Speaker.AGENT, "R$ 1.500, segue o link", answered)
    # When the duplicates are merged
    [merged] = merge_duplicates(engine.deps)
    assert merged.outcome is Outcome.FOLDED
    # Then the kept contact's conversation has both lines, the counsellor's last
    kept = contact(engine, earlier.id)
    lines = engine.deps.contacts.recent_messages(earlier.id, 10)
    assert [(m.speaker, m.text) for m in lines] == [
        (Speaker.AGENT, "R$ 1.500, segue o link"),
        (Speaker.CONTACT, "Quanto custa?"),
    ]
    assert (kept.last_speaker, kept.last_agent_at) == (Speaker.AGENT, answered)
    # And a second run, or the merge told again, adds no line
    assert merge_duplicates(engine.deps) == []
    assert len(engine.deps.contacts.recent_messages(earlier.id, 10)) == 2


def test_the_kept_contact_is_sent_from_the_number_the_lead_wrote_to(
    engine: MemoryEngine,
) -> None:
    # Given a lead imported long ago, stored again when they wrote to the workspace's
    # second number
    earlier = quiet_contact(engine.deps, "5511987654321", engine.clock.now() - MONTHS)
    asked = engine.clock.now() - timedelta(hours=3)
    written_by_whatsapp(engine, "551187654321", "Oi, tem vaga?", asked, "PNID-2")
    # When the duplicates are merged
    [merged] = merge_duplicates(engine.deps)
    assert merged.outcome is Outcome.FOLDED
    # Then WhatsApp sends to the kept contact go from the number they wrote to
    kept = contact(engine, earlier.id)
    assert (kept.last_inbound_at, kept.phone_number_id) == (asked, "PNID-2")


def written_by_whatsapp(
    engine: MemoryEngine, wa_id: str, text: str, at: datetime, number: str
) -> str:
    """A contact WhatsApp's id for the lead made when they wrote `text` to `number`, as
    before lookups matched the other form of the number."""
    made = create_contact(engine.deps, wa_id=wa_id, at=at)
    engine.deps.contacts.add_message(
        Message(
            id=f"wamid.{wa_id}",
            contact_id=made.id,
            at=at,
            direction=Direction.INBOUND,
            speaker=Speaker.CONTACT,
            text=text,
        )
    )
    update_contact(
        engine.deps,
        made.id,
        lambda c: c.model_copy(
            update={
                "last_inbound_at": at,
                "last_activity_at": at,
                "last_speaker": Speaker.CONTACT,
                "phone_number_id": number,
            }
        ),
        at,
    )
    return made.id


def test_a_do_not_contact_both_contacts_share_is_lifted_from_both(engine: MemoryEngine) -> None:
    # Given a lead stored twice, each contact with a journey of its own, whom staff marked
    # do-not-contact on one before the merge kept the two apart, their stops shared
    engine.clock.advance(timedelta(days=4))
    earlier, later = stored_twice(engine, "5511987654321", "551187654321")
    engine.deps.rules.save_rule(rule())
    engine.tick()
    stop_contacting(engine.deps, earlier, "admin@followup.local", engine.clock.now())
    [merged] = merge_duplicates(engine.deps)
    assert merged.outcome is Outcome.APART
    assert contact(engine, later).opted_out
    # When an admin lifts it on the contact they see
    allow_contacting(engine.deps, earlier, engine.clock.now())
    # Then neither is stopped: the sender, which reads both, may message the lead again
    assert not contact(engine, later).opted_out
    assert not with_other_form_stops(engine.deps, contact(engine, earlier)).opted_out
