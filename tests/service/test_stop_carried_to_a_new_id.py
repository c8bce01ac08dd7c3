"""A person who opted out stays opted out under their new WhatsApp user id, even when the
contact an early message from that id made already has a journey of its own and so cannot
be folded into theirs when WhatsApp's notice of the change comes."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup.services.contacts import find_contact
from followup_local.memory_engine import MemoryEngine
from tests.integration.test_bsuid import NEW, OLD, from_user, user_id_change
from tests.support.builders import rule

HOUR = timedelta(hours=1)
TEXT = "Hi {first_name|there}, your place is still open."


def _two_step_journey(engine: MemoryEngine) -> None:
    """Leads quiet for an hour get a first step at once and a second a day later."""
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "text": TEXT, "template": template},
        {"wait": {"amount": 1, "unit": "days"}, "text": TEXT, "template": template},
    ]
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    engine.deps.rules.save_rule(rule(trigger=trigger, steps=steps))


def test_a_stopped_person_gets_nothing_more_once_their_new_id_is_announced(
    engine: MemoryEngine,
) -> None:
    # Given a person known by a user id who opted out of everything (STOP) 3 h ago
    _two_step_journey(engine)
    now = engine.clock.now()
    assert engine.deliver(from_user(OLD, "wamid.M1", now - 3 * HOUR, text="halo")) == 200
    assert engine.deliver(from_user(OLD, "wamid.M2", now - 3 * HOUR, text="STOP")) == 200
    person = find_contact(engine.deps, None, OLD)
    assert person is not None
    assert person.item.opted_out
    # and who wrote from a new user id 2 h ago, before WhatsApp's notice of the change:
    # the contact that message made looked like a new lead, and got the journey's first step
    assert engine.deliver(from_user(NEW, "wamid.M3", now - 2 * HOUR, text="halo")) == 200
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    # When the notice of the change comes, and the journey's next step comes due
    notice = user_id_change(OLD, NEW, "wamid.SYS-M", now - 2 * HOUR - timedelta(minutes=1))
    assert engine.deliver(notice) == 200
    engine.ticks(30, every=HOUR)
    # Then nothing more goes to the person on their new id, which is opted out as they are,
    # its journey ended
    assert len(engine.sandbox.sent()) == 1
    found = find_contact(engine.deps, None, NEW)
    assert found is not None
    assert found.item.opted_out
    assert found.item.opted_out_at == person.item.opted_out_at
    [enrollment] = [e.item for e in engine.deps.followups.enrollments_of(found.item.id)]
    assert enrollment.state is EnrollmentState.EXITED
    statuses = [f.status for f in engine.deps.followups.followups_of(found.item.id)]
    assert Status.QUEUED not in statuses


def test_a_person_who_did_not_opt_out_goes_on_under_their_new_id(engine: MemoryEngine) -> None:
    # Given the same person, who never opted out, and the contact their new id made with
    # its first step sent
    _two_step_journey(engine)
    now = engine.clock.now()
    assert engine.deliver(from_user(OLD, "wamid.N1", now - 3 * HOUR, text="halo")) == 200
    assert engine.deliver(from_user(NEW, "wamid.N3", now - 2 * HOUR, text="halo")) == 200
    engine.tick()
    newcomer = find_contact(engine.deps, None, NEW)
    assert newcomer is not None
    [first] = engine.deps.followups.followups_of(newcomer.item.id)
    assert first.status is Status.SENT
    # When the notice of the change comes and a day passes
    notice = user_id_change(OLD, NEW, "wamid.SYS-N", now - 2 * HOUR - timedelta(minutes=1))
    assert engine.deliver(notice) == 200
    engine.ticks(30, every=HOUR)
    # Then the new id's journey goes on: its second step went
    found = find_contact(engine.deps, None, NEW)
    assert found is not None
    assert not found.item.opted_out
    statuses = [f.status for f in engine.deps.followups.followups_of(found.item.id)]
    assert statuses.count(Status.SENT) + statuses.count(Status.EXPIRED) == 2
