"""Contacts and conversation lines: keys, identity indexes, silence window, listing, import."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.adapters.tables import SHARDS
from followup.domain.contact import Score, Speaker
from followup.domain.conversation import Direction, Message
from followup.domain.errors import InvalidField
from followup.domain.ids import shard_of
from followup.services.ports import ContactChange, ContactQuery
from tests.contract.items import T0, contact


def write(store: Any, *contacts: Any) -> None:
    for each in contacts:
        store.commit([ContactChange(each, 0)], T0)


def line(message_id: str, at_minute: int, contact_id: str = "ct_1") -> Message:
    return Message(
        id=message_id,
        contact_id=contact_id,
        at=T0 + timedelta(minutes=at_minute),
        direction=Direction.INBOUND,
        speaker=Speaker.CONTACT,
        text=message_id,
    )


def test_a_contact_is_read_by_key_with_its_revision(store: Any) -> None:
    write(store, contact(name="Rudi"))
    found = store.contact("ct_1")
    assert (found.item, found.revision) == (contact(name="Rudi"), 1)
    assert store.contact("ct_1", consistent=False) == found  # at half the price
    assert store.contact("ct_2") is None
    assert store.contact("") is None


def test_a_contact_is_found_by_its_whatsapp_ids_as_they_change(store: Any) -> None:
    write(store, contact(wa_id="6281100000001", user_id="ID.1"), contact("ct_2", user_id="ID.2"))
    assert store.contact_by_wa_id("6281100000001").item.id == "ct_1"
    assert store.contact_by_user_id("ID.1").item.id == "ct_1"
    assert store.contact_by_user_id("ID.2").item.id == "ct_2"
    assert store.contact_by_wa_id("6281100000002") is None
    # When the person moves to a new number, and the user-id-only contact learns its number
    store.commit([ContactChange(contact(wa_id="6281100000009", user_id="ID.1"), 1)], T0)
    store.commit([ContactChange(contact("ct_2", wa_id="6281100000001", user_id="ID.2"), 1)], T0)
    # Then each number names the contact that holds it now, with its current revision
    moved = store.contact_by_wa_id("6281100000009")
    assert (moved.item.id, moved.revision) == ("ct_1", 2)
    assert store.contact_by_wa_id("6281100000001").item.id == "ct_2"


def test_an_opted_out_contact_is_still_found_by_number(store: Any) -> None:
    write(store, contact(wa_id="6281100000001", opted_out=True, opted_out_at=T0))
    assert store.contact_by_wa_id("6281100000001").item.opted_out


def test_empty_identities_are_refused(store: Any, refused: type[Exception]) -> None:
    with pytest.raises(refused):
        store.contact_by_wa_id("")
    with pytest.raises(refused):
        store.contact_by_user_id("")
    with pytest.raises(refused):
        store.commit([ContactChange(contact(wa_id=""), 0)], T0)
    assert store.contact("ct_1") is None


def test_quiet_contacts_are_those_whose_silence_began_inside_the_window(store: Any) -> None:
    after, until = T0, T0 + timedelta(hours=1)
    quiet = [
        contact(
            f"ct_{n}",
            created_at=T0 - timedelta(days=30),
            last_activity_at=T0 + timedelta(minutes=m),
        )
        for n, m in enumerate([0, 1, 30, 59, 60, 61, 5, 6, 7, 8])
    ]
    write(
        store,
        *quiet,
        contact("ct_other", stage="paid", last_activity_at=T0 + timedelta(minutes=5)),
        contact("ct_stop", last_activity_at=T0 + timedelta(minutes=5), opted_out=True),
    )
    found = [v.item.id for v in store.quiet_contacts("new", after, until)]
    inside = [c for c in quiet if after < c.quiet_since <= until]
    # In the order silences began, whatever shard each is filed in
    assert len({shard_of(c.id, SHARDS) for c in inside}) > 1
    assert found == [c.id for c in sorted(inside, key=lambda c: c.quiet_since)]
    assert len(found) == 8
    assert [v.revision for v in store.quiet_contacts("new", after, until)] == [1] * 8
    assert list(store.quiet_contacts("paid", until, until + timedelta(hours=1))) == []


def test_a_contact_leaves_the_quiet_window_when_it_speaks_or_opts_out(store: Any) -> None:
    silent = contact(last_activity_at=T0 + timedelta(minutes=10))
    write(store, silent)
    window = (T0, T0 + timedelta(hours=1))
    assert [v.item.id for v in store.quiet_contacts("new", *window)] == ["ct_1"]
    spoke = silent.model_copy(update={"last_activity_at": T0 + timedelta(hours=2)})
    store.commit([ContactChange(spoke, 1)], T0)
    assert list(store.quiet_contacts("new", *window)) == []
    stopped = silent.model_copy(update={"opted_out": True})
    store.commit([ContactChange(stopped, 2)], T0)
    assert list(store.quiet_contacts("new", *window)) == []


def test_contacts_of_a_stage_come_newest_first_a_page_at_a_time(store: Any) -> None:
    made = [
        contact("ct_a", created_at=T0),
        contact("ct_b", created_at=T0 + timedelta(minutes=2)),
        contact("ct_c", created_at=T0 + timedelta(minutes=1)),
        contact("ct_d", created_at=T0 + timedelta(minutes=1)),
        contact("ct_e", created_at=T0 - timedelta(days=3), opted_out=True),
        contact("ct_f", stage="paid", created_at=T0 + timedelta(minutes=9)),
    ]
    write(store, *made)
    pages, cursor = [], None
    while True:
        page = store.contacts_in("new", 2, cursor)
        pages.append([c.id for c in page.items])
        cursor = page.cursor
        if cursor is None:
            break
    # Equal creation times come in descending id order, as the index returns them
    assert pages == [["ct_b", "ct_d"], ["ct_c", "ct_a"], ["ct_e"]]
    assert store.contacts_in("new", 5, None).items[0] == made[1]
    full = store.contacts_in("new", 5, None)
    assert (len(full.items), full.cursor is not None) == (5, True)
    assert store.contacts_in("new", 5, full.cursor).items == []
    assert store.contacts_in("new", 5, full.cursor).cursor is None
    assert [c.id for c in store.contacts_in("paid", 5, None).items] == ["ct_f"]
    assert store.contacts_in("lost", 5, None).items == []


def test_a_stage_change_moves_the_contact_between_listings(store: Any) -> None:
    write(store, contact())
    store.commit([ContactChange(contact(stage="paid"), 1)], T0)
    assert store.contacts_in("new", 5, None).items == []
    assert [c.id for c in store.contacts_in("paid", 5, None).items] == ["ct_1"]


def test_a_cursor_that_is_not_one_is_refused(store: Any) -> None:
    with pytest.raises(InvalidField):
        store.contacts_in("new", 5, "not-a-cursor")


def test_import_writes_new_contacts_and_leaves_existing_ones_alone(store: Any) -> None:
    write(store, contact("ct_03", name="Kept"), contact("ct_40", name="Kept too"))
    fresh = [contact(f"ct_{n:02d}", name="Imported") for n in range(60)]
    existing = store.import_contacts(iter(fresh))
    assert existing == {"ct_03", "ct_40"}
    assert store.contact("ct_03").item.name == "Kept"
    assert store.contact("ct_40").item.name == "Kept too"
    imported = store.contact("ct_59")
    assert (imported.item.name, imported.revision) == ("Imported", 1)
    assert len(store.contacts_in("new", 100, None).items) == 60
    assert store.import_contacts([]) == set()


def test_import_hands_over_each_transaction_of_new_contacts_as_it_is_written(
    store: Any,
) -> None:
    # Given one of 60 contacts to import already stored
    write(store, contact("ct_03", name="Kept"))
    fresh = [contact(f"ct_{n:02d}", name="Imported") for n in range(60)]
    handed: list[tuple[list[str], int]] = []

    def written(batch: list[Any]) -> None:
        stored = sum(store.contact(c.id) is not None for c in fresh)
        handed.append(([c.id for c in batch], stored))

    # When they are imported
    store.import_contacts(iter(fresh), written)
    # Then each transaction's new contacts were handed over once written, before the next
    # transaction, and the one already stored was not
    assert [(len(ids), stored) for ids, stored in handed] == [(24, 25), (25, 50), (10, 60)]
    assert sorted(i for ids, _ in handed for i in ids) == [c.id for c in fresh if c.id != "ct_03"]


def test_an_import_naming_one_contact_twice_in_a_batch_is_refused(
    store: Any, refused: type[Exception]
) -> None:
    with pytest.raises(refused):
        store.import_contacts([contact(), contact(name="again")])
    assert store.contact("ct_1") is None


def test_a_conversation_line_is_recorded_once(store: Any) -> None:
    assert store.add_message(line("wamid.1", 0))
    assert not store.add_message(line("wamid.1", 0).model_copy(update={"text": "retried"}))
    assert store.recent_messages("ct_1", 10) == [line("wamid.1", 0)]


def test_a_line_keeps_where_it_falls_in_the_conversation(store: Any) -> None:
    placed = line("wamid.1", 0).model_copy(update={"placed_at": T0 + timedelta(seconds=0.5)})
    store.add_message(placed)
    store.add_message(line("wamid.2", 1))
    found = store.recent_messages("ct_1", 10)
    assert [m.placed for m in found] == [T0 + timedelta(minutes=1), T0 + timedelta(seconds=0.5)]


def test_recent_messages_are_newest_first_up_to_the_limit(store: Any) -> None:
    for n, minute in enumerate([5, 1, 9, 3, 7]):
        store.add_message(line(f"wamid.{n}", minute))
    store.add_message(line("wamid.x", 8, contact_id="ct_2"))
    store.add_message(line("wamid.a", 9))  # same moment as wamid.2: ordered by id
    recent = [m.id for m in store.recent_messages("ct_1", 4)]
    assert recent == ["wamid.a", "wamid.2", "wamid.4", "wamid.0"]
    assert len(store.recent_messages("ct_1", 50)) == 6
    assert store.recent_messages("ct_1", 0) == []
    assert store.recent_messages("ct_9", 5) == []


def test_a_linked_user_id_names_its_contact_until_relinked(store: Any) -> None:
    write(store, contact(user_id="ID.2"))
    assert store.linked_contact("ID.1") is None
    store.link_user_id("ID.1", "ct_1")
    store.link_user_id("ID.1", "ct_1")  # a replayed link changes nothing
    assert store.linked_contact("ID.1") == "ct_1"
    store.link_user_id("ID.1", "ct_2")
    assert store.linked_contact("ID.1") == "ct_2"
    assert store.contact_by_user_id("ID.1") is None  # a link is not an identity index entry
    assert [c.id for c in store.contacts_in("new", 10, None).items] == ["ct_1"]


def test_a_contact_is_removed_only_at_the_revision_read(store: Any) -> None:
    write(store, contact(user_id="ID.2"))
    assert not store.remove_contact("ct_1", 0)
    assert store.contact("ct_1") is not None
    assert store.remove_contact("ct_1", 1)
    assert store.contact("ct_1") is None
    assert store.contact_by_user_id("ID.2") is None
    assert not store.remove_contact("ct_1", 1)


def test_contacts_are_read_many_at_once_by_key(store: Any) -> None:
    write(store, contact("ct_1", name="Rudi"), contact("ct_2", name="Sari"))
    found = store.contacts_by_ids(["ct_2", "ct_1", "ct_9", "ct_1", ""])
    assert {cid: c.name for cid, c in found.items()} == {"ct_1": "Rudi", "ct_2": "Sari"}
    assert store.contacts_by_ids([]) == {}


def everything(store: Any, query: Any, limit: int = 2) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        page = store.find_contacts(query, limit, cursor)
        seen += [c.id for c in page.items]
        cursor = page.cursor
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ran out")


def test_contacts_are_found_by_text_score_tag_and_opt_out_with_or_without_a_stage(
    store: Any,
) -> None:
    write(
        store,
        contact("ct_1", name="Rudi Hartono", wa_id="6281100000001", score="hot", tags=["vip"]),
        contact(
            "ct_2",
            name="Sari",
            wa_id="6281100000002",
            score="cold",
            opted_out=True,
            created_at=T0 + timedelta(minutes=30),
        ),
        contact("ct_3", name="rudy", wa_id="6281100000003", stage="applied", tags=["vip"]),
        contact("ct_4", name="Budi", wa_id="5511900000004", created_at=T0 + timedelta(hours=1)),
    )
    assert sorted(everything(store, ContactQuery(text="rud"))) == ["ct_1", "ct_3"]
    assert everything(store, ContactQuery(text="+55 119")) == ["ct_4"]
    assert everything(store, ContactQuery(stage="new")) == ["ct_4", "ct_2", "ct_1"]
    assert everything(store, ContactQuery(stage="new", oldest_first=True)) == [
        "ct_1",
        "ct_2",
        "ct_4",
    ]
    assert sorted(everything(store, ContactQuery(min_score=Score.WARM))) == ["ct_1", "ct_3", "ct_4"]
    assert everything(store, ContactQuery(stage="new", tag="vip")) == ["ct_1"]
    assert everything(store, ContactQuery(opted_out=True)) == ["ct_2"]
    assert everything(store, ContactQuery(stage="lost")) == []


def test_a_tag_finds_contacts_stored_with_it_in_any_case(store: Any) -> None:
    # Given contacts as stored before tags compared in any case: one tagged "VIP", one
    # holding "Vip" and "vip" both (written then as two tags), one at another stage
    write(
        store,
        contact("ct_1", tags=["VIP"]),
        contact("ct_2").model_copy(update={"tags": ["Vip", "webinar", "vip"]}),
        contact("ct_3", stage="applied", tags=["vIp"]),
        contact("ct_4", tags=["vip-2027"]),
    )
    # When the list is filtered by "vip", within a stage (its index) and without (a scan)
    # Then each contact holding the tag in any case is found
    assert sorted(everything(store, ContactQuery(tag="vip"))) == ["ct_1", "ct_2", "ct_3"]
    assert sorted(everything(store, ContactQuery(stage="new", tag="VIP"))) == ["ct_1", "ct_2"]
    # And the one stored with the tag twice reads as holding it once, as first written
    found = store.contact("ct_2")
    assert found.item.tags == ["Vip", "webinar"]


def test_a_contact_search_reads_a_bounded_number_of_contacts_per_page(store: Any) -> None:
    write(store, *[contact(f"ct_{n:02d}", name="Ana" if n == 11 else "Budi") for n in range(12)])
    page = store.find_contacts(ContactQuery(text="ana"), 5, None, budget=4)
    assert page.items == []
    assert page.cursor is not None
    assert everything(store, ContactQuery(text="ana"), 5) == ["ct_11"]
