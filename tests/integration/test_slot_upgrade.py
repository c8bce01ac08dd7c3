"""Upgrading to contacts that no longer name their pending follow-up: `followup
migrate-slots` gives each contact that still names one its slot item, while the engine
runs, once."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import pytest

from followup.adapters import slot_upgrade
from followup.adapters.dynamo import DynamoStore
from followup.adapters.tables import ContactItem
from followup.domain.contact import Contact
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup.services.ports import Change, ContactChange, NewFollowUp, Slot, SlotChange, Versioned
from followup.services.settle import end_unsent
from followup_local.cli import main
from followup_local.engine import REGION, LocalEngine
from tests.contract.items import followup
from tests.support.builders import quiet_contact, rule

SATURDAY = timedelta(days=4)  # from the engine's Tuesday start: nothing can be sent


def named_by_old_release(engine: LocalEngine, wa_id: str, holder: str, until: datetime) -> str:
    """A quiet lead whose queued follow-up `holder` is named on the contact itself, as
    releases before the slot item stored it; its id."""
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=25))
    queued = followup(holder, contact_id=lead.id, at=engine.clock.now(), scheduled_at=until)
    engine.deps.commit([NewFollowUp(queued)], engine.clock.now())
    written_by_old_release(lead.id, pending_followup_id=holder, pending_until=until.isoformat())
    return lead.id


def written_by_old_release(contact_id: str, **fields: object) -> None:
    """Change the stored contact as a release that keeps fields this one no longer knows
    would: its document edited in place, its revision moved on."""
    item = ContactItem.get(contact_id, consistent_read=True)
    doc = json.dumps(json.loads(item.doc) | fields)
    item.update(actions=[ContactItem.doc.set(doc), ContactItem.revision.add(1)])


def stored(contact_id: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(ContactItem.get(contact_id).doc)
    return document


def contact(engine: LocalEngine, contact_id: str) -> Versioned[Contact]:
    found = engine.deps.contacts.contact(contact_id)
    assert found is not None
    return found


class ChangedFirst:
    """The real store, except that `change` runs (once) just before its first commit: a
    write the running engine makes between the migration's read and its own write."""

    def __init__(self, change: Callable[[], object]) -> None:
        self._real, self._change = DynamoStore(), [change]

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        while self._change:
            self._change.pop()()
        self._real.commit(changes, at)


def test_contacts_naming_their_pending_follow_up_get_its_slot(engine: LocalEngine) -> None:
    # Given two leads whose follow-ups wait for Monday, named on the contacts themselves,
    # and a lead named nowhere
    engine.clock.advance(SATURDAY)
    monday = engine.clock.now() + timedelta(days=2)
    first = named_by_old_release(engine, "6281100000701", "fu_first", monday)
    second = named_by_old_release(engine, "6281100000702", "fu_second", monday)
    plain = quiet_contact(engine.deps, "6281100000703", engine.clock.now() - timedelta(hours=25))
    before = contact(engine, plain.id)
    # When the migration runs
    tally = slot_upgrade.migrate(DynamoStore(), engine.clock.now())
    # Then each named follow-up holds its contact's slot until Monday, no contact names
    # one any more, and the plain lead is untouched
    assert tally.moved == {slot_upgrade.Moved.GIVEN: 2}
    assert engine.deps.contacts.slot(first) == Versioned(Slot(first, "fu_first", monday), 1)
    assert engine.deps.contacts.slot(second) == Versioned(Slot(second, "fu_second", monday), 1)
    assert [stored(lead).get("pending_followup_id") for lead in (first, second)] == [None] * 2
    assert engine.deps.contacts.slot(plain.id) is None
    assert contact(engine, plain.id) == before


def test_a_migrated_contact_gets_no_second_follow_up(engine: LocalEngine) -> None:
    # Given a lead whose follow-up waits for Monday, named on the contact, migrated
    engine.clock.advance(SATURDAY)
    monday = engine.clock.now() + timedelta(days=2)
    lead = named_by_old_release(engine, "6281100000704", "fu_before", monday)
    slot_upgrade.migrate(DynamoStore(), engine.clock.now())
    # When a rule's silence crosses for that lead
    engine.deps.rules.save_rule(rule("first-rule"))
    engine.tick()
    # Then nothing more is queued: its enrollment waits for the slot, due
    assert [f.id for f in engine.deps.followups.followups_of(lead)] == ["fu_before"]
    [waiting] = engine.deps.followups.enrollments_of(lead)
    assert waiting.item.state is EnrollmentState.ACTIVE
    assert waiting.item.next_due_at is not None
    # And the ticks until Monday queue nothing more either
    engine.clock.advance(timedelta(days=1))
    engine.tick()
    assert engine.clock.now() < monday
    assert [f.id for f in engine.deps.followups.followups_of(lead)] == ["fu_before"]


def test_a_slot_taken_meanwhile_is_kept(engine: LocalEngine) -> None:
    # Given a lead that names its old follow-up, whose slot a newer one took since
    now = engine.clock.now()
    lead = named_by_old_release(engine, "6281100000705", "fu_old", now)
    newer = Slot(lead, "fu_newer", now + timedelta(hours=3))
    engine.deps.commit([SlotChange(newer, 0)], now)
    # When the migration runs
    tally = slot_upgrade.migrate(DynamoStore(), now)
    # Then the newer holder keeps the slot, and the contact no longer names the old one
    assert tally.moved == {slot_upgrade.Moved.KEPT: 1}
    assert engine.deps.contacts.slot(lead) == Versioned(newer, 1)
    assert stored(lead).get("pending_followup_id") is None


def test_running_it_again_changes_nothing(engine: LocalEngine) -> None:
    now = engine.clock.now()
    lead = named_by_old_release(engine, "6281100000706", "fu_once", now + timedelta(hours=1))
    assert slot_upgrade.migrate(DynamoStore(), now).moved == {slot_upgrade.Moved.GIVEN: 1}
    after_first = (contact(engine, lead), engine.deps.contacts.slot(lead))
    # When it runs again, Then it finds nothing to move and writes nothing
    again = slot_upgrade.migrate(DynamoStore(), now + timedelta(minutes=5))
    assert (again.moved, again.read) == ({}, 2)  # the contact and its slot
    assert (contact(engine, lead), engine.deps.contacts.slot(lead)) == after_first


def test_a_contact_changed_while_it_is_moved_keeps_that_change(engine: LocalEngine) -> None:
    # Given a lead that names its follow-up, renamed by the running engine between the
    # migration's read and its write
    now = engine.clock.now()
    until = now + timedelta(hours=1)
    lead = named_by_old_release(engine, "6281100000707", "fu_held", until)
    renamed = ChangedFirst(lambda: written_by_old_release(lead, name="Rudi H."))
    # When it is moved
    assert slot_upgrade.move(renamed, lead, now) is slot_upgrade.Moved.GIVEN
    # Then the contact keeps its new name, and its follow-up holds the slot
    assert contact(engine, lead).item.name == "Rudi H."
    assert stored(lead).get("pending_followup_id") is None
    assert engine.deps.contacts.slot(lead) == Versioned(Slot(lead, "fu_held", until), 1)


def test_a_follow_up_settled_while_it_is_moved_takes_no_slot(engine: LocalEngine) -> None:
    # Given a lead that names its follow-up, which the running engine cancels (freeing the
    # contact) between the migration's read and its write
    now = engine.clock.now()
    lead = named_by_old_release(engine, "6281100000708", "fu_canceled", now)

    def cancel() -> None:
        held = engine.deps.followups.followup("fu_canceled")
        assert held is not None
        end_unsent(engine.deps, held, Status.CANCELED, "rule_deleted", now)
        written_by_old_release(lead, pending_followup_id=None, pending_until=None)

    # When it is moved, Then there is nothing left to move
    assert slot_upgrade.move(ChangedFirst(cancel), lead, now) is slot_upgrade.Moved.SETTLED
    assert engine.deps.contacts.slot(lead) is None


def test_the_command_prints_what_it_did(
    engine: LocalEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a lead that names its follow-up and one whose slot was taken since
    now = engine.clock.now()
    named_by_old_release(engine, "6281100000709", "fu_a", now)
    taken = named_by_old_release(engine, "6281100000710", "fu_b", now)
    engine.deps.commit([SlotChange(Slot(taken, "fu_c", now), 0)], now)
    # When the command runs against the stack's tables, twice
    assert main(["migrate-slots", "--table-prefix", "followup-", "--region", REGION]) == 0
    first = capsys.readouterr().out
    assert main(["migrate-slots", "--table-prefix", "followup-", "--region", REGION]) == 0
    again = capsys.readouterr().out
    # Then it names what it read and did, and the second run found nothing to do
    assert counts(first) == {
        "contacts table items read": 3,  # two contacts and the slot taken
        "contacts naming their pending follow-up": 2,
        "given a slot": 1,
        "slot taken since, kept": 1,
        "settled meanwhile": 0,
        "left: changed too often, run again": 0,
    }
    assert counts(again)["contacts naming their pending follow-up"] == 0


def test_on_a_terminal_the_command_shows_its_progress_then_what_it_did(
    engine: LocalEngine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lead = named_by_old_release(engine, "6281100000712", "fu_a", engine.clock.now())
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["migrate-slots", "--table-prefix", "followup-", "--region", REGION]) == 0
    printed = capsys.readouterr().out
    assert "reading the contacts table" in printed
    assert "given a slot" in printed
    assert engine.deps.contacts.slot(lead) is not None


def counts(printed: str) -> dict[str, int]:
    """The summary table's rows: label -> count."""
    rows = (line.strip().rsplit(" ", 1) for line in printed.splitlines())
    return {label.strip(): int(n) for label, n in (r for r in rows if len(r) == 2) if n.isdigit()}


def test_a_contact_stored_with_the_old_fields_loads_without_them(engine: LocalEngine) -> None:
    # Given a contact whose stored document still names its pending follow-up
    lead = quiet_contact(engine.deps, "6281100000711", engine.clock.now() - timedelta(hours=25))
    before = contact(engine, lead.id)
    until = engine.clock.now().isoformat()
    written_by_old_release(lead.id, pending_followup_id="fu_old", pending_until=until)
    # When it is read, Then it is the contact it was, and written again it drops them
    assert contact(engine, lead.id) == Versioned(before.item, before.revision + 1)
    listed = engine.deps.contacts.contacts_by_ids([lead.id])
    assert listed == {lead.id: before.item}
    tag = ContactChange(before.item.model_copy(update={"tags": ["vip"]}), before.revision + 1)
    engine.deps.commit([tag], engine.clock.now())
    assert "pending_followup_id" not in stored(lead.id)
