"""A contact's pending slot: taken with a conditional write beside the contact, once per
revision read, without touching the contact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.services.ports import (
    CommitRejected,
    ContactChange,
    ContactQuery,
    NewFollowUp,
    Slot,
    SlotChange,
    Versioned,
)
from tests.contract.items import T0, contact, followup
from tests.support.builders import rule


def test_a_slot_never_taken_is_absent_and_taken_at_revision_zero(store: Any) -> None:
    store.save_rule(rule("r"))
    store.commit([ContactChange(contact(), 0)], T0)
    assert store.slot("ct_1") is None
    taken = Slot("ct_1", "fu_a", T0 + timedelta(hours=2))
    store.commit([NewFollowUp(followup("fu_a")), SlotChange(taken, 0)], T0)
    assert store.slot("ct_1") == Versioned(taken, 1)
    # The contact itself is not rewritten, and is still read as itself
    assert store.contact("ct_1") == Versioned(contact(), 1)


def test_a_slot_taken_ahead_of_its_holder_keeps_when_it_was_taken(store: Any) -> None:
    # Given a slot taken before its holder is written (a queued step's first write)
    ahead = Slot("ct_1", "fu_a", T0 + timedelta(hours=2), taken_at=T0)
    store.commit([SlotChange(ahead, 0)], T0)
    # Then it is read back with the time it was taken, and taken again from there
    assert store.slot("ct_1") == Versioned(ahead, 1)
    written = Slot("ct_1", "fu_a", T0 + timedelta(hours=2))
    store.commit([SlotChange(written, 1)], T0)
    assert store.slot("ct_1") == Versioned(written, 2)


def test_a_slot_keeps_the_held_follow_up_it_was_taken_from(store: Any) -> None:
    # Given a slot taken by an SMS step from a WhatsApp follow-up a paused number holds,
    # ahead of its holder and once its holder is written
    for taken_at in (T0, None):
        keeping = Slot("ct_1", "fu_sms", T0 + timedelta(hours=2), taken_at, held="fu_wa")
        revision = store.slot("ct_1").revision if store.slot("ct_1") else 0
        store.commit([SlotChange(keeping, revision)], T0)
        # Then it is read back keeping the held one
        assert store.slot("ct_1") == Versioned(keeping, revision + 1)


def test_two_holders_taking_the_slot_from_one_read_leave_one_follow_up(store: Any) -> None:
    # Given two follow-ups of one contact, both planned from the same read of its slot
    store.save_rule(rule("r"))
    store.commit([NewFollowUp(followup("fu_old")), SlotChange(Slot("ct_1", "fu_old", T0), 0)], T0)
    read = store.slot("ct_1")
    first = SlotChange(Slot("ct_1", "fu_a", T0), read.revision)
    second = SlotChange(Slot("ct_1", "fu_b", T0), read.revision)
    store.commit([NewFollowUp(followup("fu_a")), first], T0)
    # When the second commits, Then its slot change loses and its follow-up is not written
    with pytest.raises(CommitRejected) as rejected:
        store.commit([NewFollowUp(followup("fu_b")), second], T0)
    assert rejected.value.only(SlotChange)
    assert store.followup("fu_b") is None
    assert store.slot("ct_1") == Versioned(Slot("ct_1", "fu_a", T0), 2)


def test_a_first_taking_loses_to_another_first_taking(store: Any) -> None:
    store.save_rule(rule("r"))
    store.commit([SlotChange(Slot("ct_1", "fu_a", T0), 0)], T0)
    with pytest.raises(CommitRejected) as rejected:
        store.commit([SlotChange(Slot("ct_1", "fu_b", T0), 0)], T0)
    assert rejected.value.only(SlotChange)
    assert store.slot("ct_1") == Versioned(Slot("ct_1", "fu_a", T0), 1)


def test_slots_stay_out_of_contact_listings(store: Any) -> None:
    store.commit([ContactChange(contact(), 0)], T0)
    store.commit([SlotChange(Slot("ct_1", "fu_a", T0), 0)], T0)
    page = store.find_contacts(ContactQuery(), 50, None)
    assert [found.id for found in page.items] == ["ct_1"]


def test_removing_a_contact_removes_its_slot_and_a_refused_removal_keeps_it(store: Any) -> None:
    # Given a contact whose slot a follow-up took
    store.save_rule(rule("r"))
    store.commit([ContactChange(contact(), 0)], T0)
    store.commit([SlotChange(Slot("ct_1", "fu_a", T0), 0)], T0)
    # When it is removed at a revision someone moved past, Then the slot stays with it
    assert not store.remove_contact("ct_1", 0)
    assert store.slot("ct_1") == Versioned(Slot("ct_1", "fu_a", T0), 1)
    # When it is removed at the revision read, Then its slot goes with it
    assert store.remove_contact("ct_1", 1)
    assert store.contact("ct_1") is None
    assert store.slot("ct_1") is None
