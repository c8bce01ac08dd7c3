"""Date-trigger entries: "rule R fires for contact C at T", read by due time shard by shard."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.adapters.tables import SHARDS
from followup.domain.ids import shard_of
from followup.services.ports import ContactChange, DateEntry
from tests.contract.items import T0, contact
from tests.support.builders import rule


def days(n: int) -> Any:
    return T0 + timedelta(days=n)


def test_due_dates_are_read_shard_by_shard_in_due_order(store: Any) -> None:
    entries = [
        DateEntry("renewal", f"ct_{n}", days(d)) for n, d in enumerate([9, 3, 60, 61, 0, 7, 7, 30])
    ]
    for entry in entries:
        store.set_date_due(entry.rule_id, entry.contact_id, entry.due_at)
    found = list(store.due_dates(days(60)))
    ready = [e for e in entries if e.due_at <= days(60)]
    expected = sorted(
        ready,
        key=lambda e: (shard_of(f"{e.rule_id}#{e.contact_id}", SHARDS), e.due_at, e.contact_id),
    )
    assert found == expected
    assert len(found) == 7


def test_a_date_entry_moves_and_goes(store: Any) -> None:
    store.set_date_due("renewal", "ct_1", days(10))
    store.set_date_due("renewal", "ct_2", days(10))
    store.set_date_due("welcome-back", "ct_1", days(1))
    store.set_date_due("renewal", "ct_1", days(2))
    assert list(store.due_dates(days(5))) == sorted(
        [DateEntry("renewal", "ct_1", days(2)), DateEntry("welcome-back", "ct_1", days(1))],
        key=lambda e: (shard_of(f"{e.rule_id}#{e.contact_id}", SHARDS), e.due_at),
    )
    store.set_date_due("renewal", "ct_1", None)
    store.set_date_due("renewal", "ct_9", None)  # never there: nothing to do
    assert list(store.due_dates(days(5))) == [DateEntry("welcome-back", "ct_1", days(1))]
    left = sorted((e.rule_id, e.contact_id) for e in store.due_dates(days(10)))
    assert left == [("renewal", "ct_2"), ("welcome-back", "ct_1")]


def test_date_entries_are_no_contacts(store: Any) -> None:
    store.commit([ContactChange(contact("ct_1"), 0)], T0)
    store.set_date_due("renewal", "ct_1", days(1))
    assert [c.id for c in store.contacts_in("new", 10, None).items] == ["ct_1"]
    assert [v.item.id for v in store.quiet_contacts("new", days(-1), days(1))] == ["ct_1"]
    assert store.contact("ct_1").revision == 1
    assert list(store.due_dates(days(0))) == []


def test_an_entry_is_cleared_only_while_it_holds_the_time_read(store: Any) -> None:
    # Given an entry a tick read as due on day 1, then moved to day 365 by its contact's edit
    store.set_date_due("renewal", "ct_1", days(1))
    store.set_date_due("renewal", "ct_1", days(365))
    # When the tick clears the entry it read, then the one now there
    assert store.clear_date_due("renewal", "ct_1", days(1)) is False
    assert list(store.due_dates(days(365))) == [DateEntry("renewal", "ct_1", days(365))]
    assert store.clear_date_due("renewal", "ct_1", days(365)) is True
    # Then the moved entry outlived the stale clearing, and is gone once cleared as it is
    assert list(store.due_dates(days(365))) == []
    assert store.clear_date_due("renewal", "ct_9", days(1)) is False


def test_a_rules_entries_are_set_and_removed_many_at_once(store: Any) -> None:
    # Given 60 entries written in one go (more than one write request holds), then moved
    dues = {f"ct_{n}": days(n % 7) for n in range(60)}
    store.set_dates_due("renewal", dues)
    store.set_dates_due("renewal", {"ct_0": days(30), "ct_1": None, "ct_2": None})
    # Then each is where the last write put it, and the removed ones are gone
    found = {e.contact_id: e.due_at for e in store.due_dates(days(60)) if e.rule_id == "renewal"}
    assert found == {
        **{k: v for k, v in dues.items() if k not in ("ct_1", "ct_2")},
        "ct_0": days(30),
    }


def test_a_rules_date_indexing_moves_on_only_from_where_its_head_holds_it(store: Any) -> None:
    # Given a date rule saved, its indexing started
    store.save_rule(rule("renewal"))
    assert store.rule_head("renewal").backfill is None
    assert store.move_backfill("renewal", 1, None, "start") is True
    # When a walk moves it on, and a second walk that read the same place tries too
    assert store.move_backfill("renewal", 1, "start", "page-2") is True
    assert store.move_backfill("renewal", 1, "start", "page-2b") is False
    # Then the head holds the first walk's place, in the listing too
    assert store.rule_head("renewal").backfill == "page-2"
    assert [h.backfill for h in store.rule_heads()] == ["page-2"]
    # And once done, nothing is under way
    assert store.move_backfill("renewal", 1, "page-2", None) is True
    assert store.rule_head("renewal").backfill is None
    assert store.move_backfill("renewal", 1, "page-2", "page-3") is False


def test_a_save_ends_the_indexing_of_the_version_it_replaces(store: Any) -> None:
    # Given version 1's indexing under way
    store.save_rule(rule("renewal"))
    store.move_backfill("renewal", 1, None, "page-2")
    # When version 2 is saved, then version 1's walk moves on
    store.save_rule(rule("renewal", name="second"))
    assert store.move_backfill("renewal", 1, "page-2", "page-3") is False
    # Then nothing is under way until version 2's starts
    assert store.rule_head("renewal").backfill is None
    assert store.move_backfill("renewal", 2, None, "start") is True
    # And a deleted rule, or one never saved, moves nowhere
    store.delete_rule("renewal")
    assert store.move_backfill("renewal", 2, "start", "page-2") is False
    assert store.move_backfill("nope", 1, None, "start") is False
