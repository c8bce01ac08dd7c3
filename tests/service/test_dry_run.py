"""Dry runs: a journey played for one contact on a virtual clock, sending nothing. Each
recipe plays against the timeline a user expects, from Tuesday 24 Nov 2026, 09:00 in
Jakarta (default hours: weekdays 08:00-20:00)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.recipes import recipe
from followup.services import templates
from followup.services.dry_run import DryRun, DryRunRequest, dry_run
from followup.services.manual import send_now
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact
from tests.support.builders import rule as build_rule

HOUR = {"amount": 1, "unit": "hours"}


def lines(run: DryRun) -> list[str]:
    """Each entry as a person reads it: local time, what happened, the step, and why or what."""
    found = []
    for entry in run.entries:
        said = entry.message.template_name or entry.message.text if entry.message else None
        parts = [entry.local, entry.kind, entry.step, entry.reason, said, entry.detail]
        found.append(" ".join(str(part) for part in parts if part is not None))
    return found


def play(engine: MemoryEngine, recipe_id: str, days: int = 30, **request: Any) -> DryRun:
    found = recipe(recipe_id)
    assert found is not None
    stage = (found.rule.trigger_stages or ["new"])[0]
    body = {"contact": {"name": "Dewi", "stage": stage}, "days": days, **request}
    return dry_run(engine.deps, found.rule, DryRunRequest.model_validate(body))


EXPECTED = {
    "apply-reminder-24h": [
        "Wed 2026-11-25 09:00 entered",
        "Wed 2026-11-25 09:00 send 1 apply_reminder",
        "Wed 2026-11-25 09:00 ended sequence_done completed",
        "Sat 2026-11-28 09:00 expired 1 no_reply",
    ],
    "applied-not-paid-day3": [
        "Fri 2026-11-27 09:00 entered",
        "Fri 2026-11-27 09:00 send 1 payment_reminder",
        "Mon 2026-11-30 08:00 send 2 payment_last_call",
        "Mon 2026-11-30 08:00 ended sequence_done completed",
        "Mon 2026-11-30 09:00 expired 1 no_reply",
        "Thu 2026-12-03 08:00 expired 2 no_reply",
    ],
    "qualified-day2": [
        "Thu 2026-11-26 09:00 entered",
        "Thu 2026-11-26 09:00 send 1 interview_invite",
        "Thu 2026-11-26 09:00 ended sequence_done completed",
        "Sun 2026-11-29 09:00 expired 1 no_reply",
    ],
}


@pytest.mark.parametrize("recipe_id", sorted(EXPECTED))
def test_a_recipe_plays_its_expected_timeline(engine: MemoryEngine, recipe_id: str) -> None:
    run = play(engine, recipe_id)
    assert lines(run) == EXPECTED[recipe_id]
    assert run.finished
    assert engine.sandbox.requests == []


def test_lead_nurture_sends_its_four_messages_on_weekdays_then_waits_a_quarter(
    engine: MemoryEngine,
) -> None:
    run = play(engine, "lead-nurture", days=60)
    sends = [line for line in lines(run) if " send " in line]
    assert sends == [
        "Wed 2026-11-25 09:00 send 1 nurture_intro",
        "Mon 2026-11-30 08:00 send 2 nurture_case_study",
        "Fri 2026-12-04 08:00 send 3 nurture_offer",
        "Fri 2026-12-11 08:00 send 4 nurture_last_call",
    ]
    assert not run.finished  # the quarterly update is three months away


def test_a_reply_ends_the_nurture_and_a_new_silence_starts_it_again(
    engine: MemoryEngine,
) -> None:
    reply = {"after": {"amount": 2, "unit": "days"}, "reply": "boleh info biayanya?"}
    run = play(engine, "lead-nurture", days=60, simulate=[reply])
    assert lines(run)[:6] == [
        "Wed 2026-11-25 09:00 entered",
        "Wed 2026-11-25 09:00 send 1 nurture_intro",
        "Thu 2026-11-26 09:00 reply question boleh info biayanya?",
        "Thu 2026-11-26 09:00 replied 1",
        "Thu 2026-11-26 09:00 ended replied exited",
        "Fri 2026-11-27 09:00 entered",
    ]


def test_reactivation_waits_sixty_days_then_the_next_weekday_opening(
    engine: MemoryEngine,
) -> None:
    run = play(engine, "reactivation-60d", days=70)
    sends = [line for line in lines(run) if " send " in line]
    assert sends == ["Mon 2027-01-25 08:00 send 1 reactivation"]


def test_the_renewal_reminder_goes_a_week_before_then_on_the_day_at_nine(
    engine: MemoryEngine,
) -> None:
    contact = {"name": "Dewi", "attributes": {"renewal_date": "2026-12-08"}}
    run = play(engine, "subscription-renewal", contact=contact)
    assert lines(run) == [
        "Tue 2026-12-01 09:00 entered",
        "Tue 2026-12-01 09:00 send 1 renewal_upcoming",
        "Fri 2026-12-04 09:00 expired 1 no_reply",
        "Tue 2026-12-08 00:00 waited 2",
        "Tue 2026-12-08 09:00 waited 3",
        "Tue 2026-12-08 09:00 send 4 renewal_today",
        "Tue 2026-12-08 09:00 ended sequence_done completed",
        "Fri 2026-12-11 09:00 expired 4 no_reply",
    ]
    assert run.finished


def test_a_renewal_without_a_date_plays_nothing(engine: MemoryEngine) -> None:
    run = play(engine, "subscription-renewal", days=10)
    assert lines(run) == []


def test_stopped_replying_nudges_after_the_counsellor_then_again_two_days_later(
    engine: MemoryEngine,
) -> None:
    contact = {"name": "Dewi", "last_speaker": "agent"}
    run = play(engine, "stopped-replying", contact=contact)
    sends = [line for line in lines(run) if " send " in line]
    assert sends == [
        "Wed 2026-11-25 09:00 send 1 checkin_after_agent",
        "Fri 2026-11-27 09:00 send 1 checkin_after_agent",
    ]


def test_busy_follows_up_five_then_fifteen_minutes_later(engine: MemoryEngine) -> None:
    busy = {"after": HOUR, "reply": "lagi sibuk kak"}
    run = play(engine, "busy-follow-up", simulate=[busy])
    assert lines(run)[:4] == [
        "Tue 2026-11-24 10:00 reply busy lagi sibuk kak",
        "Tue 2026-11-24 10:00 entered",
        "Tue 2026-11-24 10:05 send 1 No problem, Dewi: when would be a good time to talk?",
        "Tue 2026-11-24 10:20 send 2 Hi Dewi, just let me know when suits you.",
    ]
    [reply] = [entry for entry in run.entries if entry.kind == "reply"]
    assert reply.effect == "follow-up busy-follow-up at 2026-11-24 10:05 Asia/Jakarta"


def test_a_call_back_goes_at_the_time_asked(engine: MemoryEngine) -> None:
    asked = {"after": HOUR, "reply": "besok jam 10 ya"}
    run = play(engine, "call-back-as-asked", simulate=[asked])
    sends = [line for line in lines(run) if " send " in line]
    assert sends == ["Wed 2026-11-25 10:00 send 1 call_back"]


def test_a_stage_event_ends_the_payment_reminders(engine: MemoryEngine) -> None:
    paid = {"type": "stage_changed", "contact": "ignored", "stage": "paid"}
    run = play(
        engine,
        "applied-not-paid-day3",
        simulate=[{"after": {"amount": 4, "unit": "days"}, "event": paid}],
    )
    assert [line for line in lines(run) if " send " in line] == [
        "Fri 2026-11-27 09:00 send 1 payment_reminder"
    ]
    assert "Sat 2026-11-28 09:00 event stage_changed" in lines(run)
    assert any(line.endswith("ended exit_stage exited") for line in lines(run))


@pytest.mark.parametrize(
    ("rating", "then"),
    [
        (
            "5",
            [
                "Wed 2026-11-25 11:00 branch 3 then step 6",
                "Wed 2026-11-25 11:00 send 6 referral_ask",
            ],
        ),
        (
            "2",
            [
                "Wed 2026-11-25 11:00 branch 3 else step 4",
                "Wed 2026-11-25 11:00 action 4 add_tag urgent-review",
                "Wed 2026-11-25 11:00 branch 5 then the end",
            ],
        ),
        (
            None,
            [
                "Wed 2026-11-25 11:00 branch 3 else step 4",
                "Wed 2026-11-25 11:00 action 4 add_tag urgent-review",
                "Wed 2026-11-25 11:00 branch 5 then the end",
            ],
        ),
    ],
    ids=["happy", "unhappy", "no-rating"],
)
def test_after_the_service_a_rating_leads_to_a_referral_or_an_urgent_review(
    engine: MemoryEngine, rating: str | None, then: list[str]
) -> None:
    # Given a contact whose survey set a rating (or not), and the service done at 09:00
    attributes = {"rating": rating} if rating else {}
    done = {"type": "custom", "name": "service_completed", "contact": "ignored"}
    run = play(
        engine,
        "post-service",
        contact={"name": "Dewi", "attributes": attributes},
        simulate=[{"after": {"amount": 0, "unit": "minutes"}, "event": done}],
    )
    assert lines(run)[:4] == [
        "Tue 2026-11-24 09:00 event service_completed custom",
        "Tue 2026-11-24 09:00 entered",
        "Tue 2026-11-24 11:00 send 1 Hi Dewi, how did we do? Reply with a rating from 1 to 5.",
        "Wed 2026-11-25 11:00 waited 2",
    ]
    assert lines(run)[4 : 4 + len(then)] == then
    assert lines(run)[4 + len(then)] == "Wed 2026-11-25 11:00 ended sequence_done completed"
    assert run.finished


def test_a_whatsapp_step_falls_back_to_sms_then_email_without_a_reply(
    engine: MemoryEngine,
) -> None:
    # Given a step on WhatsApp that moves to SMS, then email, after 24 h without a reply
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "whatsapp",
        "fallbacks": ["sms", "email"],
        "fallback_when": {"no_reply_within": {"amount": 24, "unit": "hours"}},
        "text": "Hi {first_name|there}, your place is still open.",
        "template": {"name": "apply_reminder", "language": "en"},
        "email": {"subject": "{first_name|Friend}, one step left", "body": "Hi, apply."},
    }
    rule = build_rule(steps=[step])
    contact = {"name": "Dewi", "email": "dewi@example.com"}
    request = DryRunRequest.model_validate({"contact": contact, "days": 7})
    # When it plays for a contact who never answers
    run = dry_run(engine.deps, rule, request)
    # Then each channel goes a day after the last, in the send window
    sends = [(entry.local, entry.channel) for entry in run.entries if entry.kind == "send"]
    assert sends == [
        ("Wed 2026-11-25 09:00", "whatsapp"),
        ("Thu 2026-11-26 09:00", "sms"),
        ("Fri 2026-11-27 09:00", "email"),
    ]
    assert engine.sandbox.requests == []


def test_a_dry_run_holds_a_paused_template_as_the_sender_would(engine: MemoryEngine) -> None:
    # Given the workspace's catalogue, synced from 360dialog, has the step's template paused
    engine.sandbox.templates.add(
        "apply_reminder", "en", "Hi {{1}}, still thinking about applying?", status="paused"
    )
    templates.sync(engine.deps, engine.clock.now())
    # When the rule plays for a day
    run = play(engine, "apply-reminder-24h", days=1)
    # Then nothing is sent: the step waits for its template, saying why
    assert [entry.kind for entry in run.entries if entry.kind == "send"] == []
    assert any(
        "template 'apply_reminder' (en) is paused" in (entry.reason or "") for entry in run.entries
    ), lines(run)


def test_a_dry_run_shows_the_approved_template_rendered(engine: MemoryEngine) -> None:
    # Given the step's template is approved in the synced catalogue
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still thinking about it?")
    templates.sync(engine.deps, engine.clock.now())
    # When the rule plays
    run = play(engine, "apply-reminder-24h", days=1)
    # Then the send shows the body the lead would read
    sent = [entry.message for entry in run.entries if entry.kind == "send"]
    assert [message.body if message else None for message in sent] == [
        "Hi Dewi, still thinking about it?"
    ], lines(run)


def test_a_run_for_a_lead_sent_the_first_step_by_hand_plays_what_the_ticks_do(
    engine: MemoryEngine,
) -> None:
    # Given a two-step rule, and a counsellor who sent a quiet lead its first step by hand
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "text": "Still there?"},
        {"wait": {"amount": 4, "unit": "hours"}, "text": "Last call?"},
    ]
    trigger = {"stages": ["new"], "idle": {"amount": 3, "unit": "hours"}}
    engine.deps.rules.save_rule(build_rule("nudge", trigger=trigger, steps=steps))
    lead = quiet_contact(engine.deps, "6281100007101", engine.clock.now() - timedelta(hours=1))
    engine.sandbox.record_inbound("6281100007101", engine.clock.now() - timedelta(hours=1))
    send_now(engine.deps, lead.id, "nudge")
    engine.drain()
    # When the rule is played for that lead
    nudge = engine.deps.rules.rule("nudge", 1)
    assert nudge is not None
    run = dry_run(engine.deps, nudge, DryRunRequest.model_validate({"contact_id": lead.id}))
    # Then, as the tick passes over a first step sent by hand, only the second step goes
    assert [entry.step for entry in run.entries if entry.kind == "send"] == [2]
    for _ in range(3 * 24):
        engine.clock.advance(timedelta(hours=1))
        engine.tick()
    bodies = [r.body["text"]["body"] for r in engine.sandbox.sent() if r.body]
    assert bodies == ["Still there?", "Last call?"]
