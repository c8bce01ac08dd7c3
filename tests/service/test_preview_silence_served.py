"""An idle rule fires once per silence: its preview, and the mass-send check it feeds,
leave out the leads whose journey of this very silence ended already (`silence_played`)
or has sent (`in_journey`), as the tick does, and count the leads the tick enrolls."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.contact import Contact
from followup.domain.rule import Rule
from followup.services import rules, settings
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
DAY = {"amount": 24, "unit": "hours"}
RULE = "apply-remind-24h"
LIMIT = 2


def two_steps() -> Rule:
    """The reminder, and a second one three days after it."""
    first = rule().steps[0].model_dump(mode="json", by_alias=True)
    later = {**first, "wait": {"amount": 3, "unit": "days"}, "text": "Still applying?"}
    return rule(steps=[first, later])


def limit_mass_sends(engine: MemoryEngine) -> None:
    saved = engine.deps.rules.settings()
    settings.replace(engine.deps, saved.model_copy(update={"mass_send_limit": LIMIT}), None)


def quiet_leads(engine: MemoryEngine, count: int, first: int, stage: str = "new") -> list[Contact]:
    now = engine.clock.now()
    return [
        quiet_contact(engine.deps, f"62811000095{n:02d}", now - 30 * HOUR, stage=stage)
        for n in range(first, first + count)
    ]


def sent_to(engine: MemoryEngine) -> list[str]:
    return sorted(str((r.body or {}).get("to")) for r in engine.sandbox.sent())


def test_an_edit_previews_and_checks_only_the_leads_the_tick_enrolls(
    engine: MemoryEngine,
) -> None:
    # Given a running reminder that sent its one message to three new leads in their
    # current silence (their journeys completed)
    deps = engine.deps
    served = quiet_leads(engine, 3, first=0)
    rules.create(deps, rule(), confirmed=True)
    engine.tick()
    assert len(sent_to(engine)) == 3
    # And two qualified leads quiet as long, whom the reminder does not reach yet
    fresh = quiet_leads(engine, 2, first=10, stage="qualified")
    # And a mass-send limit of two
    limit_mass_sends(engine)
    # When the reminder is widened to qualified leads: previewed, then saved unconfirmed
    widened = rule(trigger={"stages": ["new", "qualified"], "idle": DAY})
    seen = preview(deps, widened)
    rules.update(deps, RULE, widened)
    report = engine.tick()
    # Then the preview counted the two leads the tick enrolled, and no more
    assert seen.now_count == 2
    assert sorted(p.contact_id for p in seen.planned) == sorted(c.id for c in fresh)
    assert report["enqueue"]["enrolled"] == seen.now_count
    # And named the three it messaged in this silence already as played
    assert seen.skipped == {"silence_played": 3}
    assert sorted(e.contact_id for e in seen.excluded) == sorted(c.id for c in served)
    # And only the two qualified leads got the reminder after the edit
    assert sent_to(engine) == sorted([c.wa_id or "" for c in served + fresh])


def test_a_running_journeys_leads_are_not_counted_as_messaged_now(engine: MemoryEngine) -> None:
    # Given a two-step reminder that sent its first message to three leads, its second
    # one three days away
    served = quiet_leads(engine, 3, first=20)
    rules.create(engine.deps, two_steps(), confirmed=True)
    engine.tick()
    assert len(sent_to(engine)) == 3
    # When the running rule is previewed
    seen = preview(engine.deps, rules.current(engine.deps, RULE))
    # Then nobody is messaged now: each lead is in the journey, as the next tick finds
    assert (seen.now_count, seen.due_now, seen.planned) == (0, 0, [])
    assert seen.skipped == {"in_journey": 3}
    engine.clock.advance(HOUR)
    assert engine.tick()["enqueue"]["enrolled"] == 0
    assert sent_to(engine) == sorted(c.wa_id or "" for c in served)


def test_turning_on_again_after_canceling_asks_no_confirmation_for_played_silences(
    engine: MemoryEngine,
) -> None:
    # Given a two-step reminder that sent its first message to three leads, then was
    # turned off with its follow-ups canceled (the journeys exited in this silence)
    served = quiet_leads(engine, 3, first=30)
    rules.create(engine.deps, two_steps(), confirmed=True)
    engine.tick()
    rules.deactivate(engine.deps, RULE, cancel_queued=True)
    # And a mass-send limit of two
    limit_mass_sends(engine)
    # When it is previewed, then turned on again unconfirmed
    seen = preview(engine.deps, rules.current(engine.deps, RULE))
    rules.activate(engine.deps, RULE, confirmed=False)
    engine.clock.advance(HOUR)
    engine.tick()
    # Then the preview counted nobody to message now, and the tick messaged nobody again
    assert seen.now_count == 0
    assert seen.skipped == {"silence_played": 3}
    assert sent_to(engine) == sorted(c.wa_id or "" for c in served)
