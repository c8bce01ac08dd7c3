"""Rules (heads and versions, activity, deletion, watermark, errors), settings, numbers, stats."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.audit import AuditEntry
from followup.domain.numbers import NumberHealth
from followup.domain.settings import WorkspaceSettings
from followup.services.ports import (
    Authorship,
    CommitRejected,
    NewFollowUp,
    RuleError,
    RuleHead,
    Versioned,
)
from tests.contract.items import T0, followup
from tests.support.builders import rule


def test_each_save_is_the_next_version_and_old_versions_stay(store: Any) -> None:
    first = store.save_rule(rule("r", name="first"))
    second = store.save_rule(rule("r", name="second", active=False))
    assert (first.version, second.version) == (1, 2)
    assert store.rule("r", 1) == first
    assert store.rule("r", 2) == second
    assert store.rule("r", 3) is None
    assert store.rule("other", 1) is None
    assert store.rule("", 1) is None
    assert store.rule_heads() == [RuleHead("r", 2, False, None)]


def test_each_version_keeps_who_saved_it_and_when(store: Any) -> None:
    later = T0 + timedelta(hours=1)
    store.save_rule(rule("r", name="first"), Authorship("ana@example.com", T0))
    store.save_rule(rule("r", name="second"))
    store.save_rule(rule("r", name="third"), Authorship("budi@example.com", later))
    store.save_rule(rule("r-2"), Authorship("someone@example.com", T0))
    assert store.authorship("r") == {
        1: Authorship("ana@example.com", T0),
        3: Authorship("budi@example.com", later),
    }
    assert store.rule("r", 3).name == "third"
    assert store.authorship("nope") == {}
    assert store.authorship("") == {}


def test_rule_heads_are_listed_by_id(store: Any) -> None:
    for rule_id in ["b-rule", "a-rule", "c-rule"]:
        store.save_rule(rule(rule_id))
    assert [head.rule_id for head in store.rule_heads()] == ["a-rule", "b-rule", "c-rule"]
    assert all(head.active and head.version == 1 for head in store.rule_heads())


def test_one_rules_head_is_read_as_stored_now(store: Any) -> None:
    assert store.rule_head("r") is None
    store.save_rule(rule("r"))
    store.save_rule(rule("r", name="second"))
    store.set_active("r", False)
    assert store.rule_head("r") == RuleHead("r", 2, False, None, None)
    store.advance_watermark("w", None, T0)  # a head that only a watermark made
    assert store.rule_head("w") is None
    store.delete_rule("r")
    assert store.rule_head("r") is None


def test_a_rule_is_switched_off_and_on(store: Any) -> None:
    store.save_rule(rule("r"))
    assert store.set_active("r", False)
    assert store.rule_heads() == [RuleHead("r", 1, False, None)]
    assert store.set_active("r", True)
    assert store.rule_heads() == [RuleHead("r", 1, True, None)]


def test_switching_a_rule_to_where_it_is_already_writes_nothing(store: Any) -> None:
    store.save_rule(rule("r"))
    assert not store.set_active("r", True)
    assert store.set_active("r", False)
    assert not store.set_active("r", False)
    assert store.rule_heads() == [RuleHead("r", 1, False, None)]
    store.advance_watermark("w", None, T0)  # a head only a watermark made: off
    assert not store.set_active("w", False)
    assert store.set_active("w", True)


def test_updating_a_rule_never_saved_is_refused(store: Any, refused: type[Exception]) -> None:
    with pytest.raises(refused):
        store.set_active("nope", True)
    with pytest.raises(refused):
        store.note_rule_error("nope", RuleError(T0, "broken"))
    with pytest.raises(refused):
        store.delete_rule("nope")
    assert store.rule_heads() == []


def test_a_deleted_rule_is_hidden_but_its_versions_and_counters_stay(store: Any) -> None:
    store.save_rule(rule("r"))
    store.save_rule(rule("keep"))
    store.commit(
        [NewFollowUp(followup(rule_id="r")), NewFollowUp(followup("fu_2", rule_id="keep"))], T0
    )
    store.delete_rule("r")
    assert [head.rule_id for head in store.rule_heads()] == ["keep"]
    assert [(head.rule_id, head.version) for head in store.deleted_rule_heads()] == [("r", 1)]
    assert store.rule_head("r") is None
    assert store.rule("r", 1) is not None
    # Its past still counts in the stats and the queue's status counts
    assert [row.rule_id for row in store.stats(T0.date(), T0.date())] == ["keep", "r"]
    assert store.statuses_now(T0.date(), T0.date(), None) == {"queued": 2}
    # Saved again, it continues its versions, listed again
    again = store.save_rule(rule("r"))
    assert again.version == 2
    assert [head.rule_id for head in store.rule_heads()] == ["keep", "r"]
    assert store.deleted_rule_heads() == []
    assert [row.rule_id for row in store.stats(T0.date(), T0.date())] == ["keep", "r"]


def test_a_save_over_a_version_is_refused_once_another_save_came_first(store: Any) -> None:
    # A new rule: only while no rule by that id was ever saved
    assert store.save_rule(rule("r", name="first"), over=0).version == 1
    with pytest.raises(CommitRejected):
        store.save_rule(rule("r", name="again"), over=0)
    # An edit: only over the version read as current
    assert store.save_rule(rule("r", name="second"), over=1).version == 2
    with pytest.raises(CommitRejected):
        store.save_rule(rule("r", name="late"), over=1)
    assert [(h.rule_id, h.version) for h in store.rule_heads()] == [("r", 2)]
    assert store.rule("r", 2).name == "second"
    assert store.rule("r", 3) is None
    # Deleted, its id stays its own: a new rule checked before the delete is refused
    store.delete_rule("r")
    with pytest.raises(CommitRejected):
        store.save_rule(rule("r", name="anew"), over=0)
    assert store.rule("r", 3) is None
    assert [(h.rule_id, h.version) for h in store.deleted_rule_heads()] == [("r", 2)]
    store.advance_watermark("w", None, T0)  # a head that only a watermark made
    store.delete_rule("w")
    assert [h.rule_id for h in store.deleted_rule_heads()] == ["r"]
    assert store.save_rule(rule("w"), over=0).version == 1


def test_a_save_is_refused_once_the_rule_was_switched_since_it_was_read(store: Any) -> None:
    # Given a rule read while on, then switched off
    store.save_rule(rule("r", name="first"), over=0)
    store.set_active("r", False)
    # When a save made on what was read comes in, it is refused, and the rule stays off
    with pytest.raises(CommitRejected):
        store.save_rule(rule("r", name="late"), over=1, was_active=True)
    assert store.rule_head("r") == RuleHead("r", 1, False, None, None)
    assert store.rule("r", 2) is None
    # And one made on the rule as it is now is saved
    second = store.save_rule(rule("r", name="second", active=False), over=1, was_active=False)
    assert (second.version, store.rule_head("r").active) == (2, False)
    # Switched on again, a save that read it off is refused too
    store.set_active("r", True)
    with pytest.raises(CommitRejected):
        store.save_rule(rule("r", name="late", active=False), over=2, was_active=False)
    assert store.rule_head("r") == RuleHead("r", 2, True, None, None)


def test_the_watermark_moves_only_from_where_it_was_read(store: Any) -> None:
    store.save_rule(rule("r"))
    one, two = T0, T0 + timedelta(minutes=5)
    assert store.advance_watermark("r", None, one)
    assert not store.advance_watermark("r", None, two)  # another tick moved it first
    assert store.advance_watermark("r", one, two)
    assert not store.advance_watermark("r", one, two + timedelta(minutes=5))
    assert store.rule_heads()[0].watermark == two


def test_a_watermark_read_for_a_version_a_save_replaced_is_not_written(store: Any) -> None:
    # A tick read version 1 with no watermark; a save made version 2, whose reading
    # restarts: the tick's watermark, worked out for version 1, must not land on it.
    store.save_rule(rule("r"))
    store.save_rule(rule("r"))
    assert not store.advance_watermark("r", None, T0, 1)
    assert store.advance_watermark("r", None, T0, 2)
    assert store.rule_heads()[0].watermark == T0


def test_a_new_version_resets_the_watermark_and_the_error(store: Any) -> None:
    store.save_rule(rule("r"))
    store.advance_watermark("r", None, T0)
    store.note_rule_error("r", RuleError(T0, "stage gone"))
    store.save_rule(rule("r"))
    assert store.rule_heads() == [RuleHead("r", 2, True, None, None)]


def test_a_watermark_alone_does_not_make_a_rule(store: Any) -> None:
    assert store.advance_watermark("ghost", None, T0)
    assert store.rule_heads() == []
    assert store.save_rule(rule("ghost")).version == 1
    assert store.rule_heads() == [RuleHead("ghost", 1, True, None)]


def test_a_rule_error_is_shown_until_cleared(store: Any) -> None:
    store.save_rule(rule("r"))
    store.advance_watermark("r", None, T0)
    store.note_rule_error("r", RuleError(T0, "window never opens"))
    assert store.rule_heads() == [RuleHead("r", 1, True, T0, RuleError(T0, "window never opens"))]
    store.note_rule_error("r", None)
    assert store.rule_heads() == [RuleHead("r", 1, True, T0, None)]


def test_settings_default_until_saved(store: Any) -> None:
    assert store.settings() == WorkspaceSettings()
    changed = WorkspaceSettings(timezone="Asia/Makassar", paused=True, paused_reason="test")
    store.save_settings(changed)
    assert store.settings() == changed
    assert store.sending_state() == (changed, [])


def test_settings_are_saved_from_the_revision_read_or_not_at_all(store: Any) -> None:
    # Before any save: the defaults at revision 0, which a first save must start from
    found = store.versioned_settings()
    assert (found.item, found.revision) == (WorkspaceSettings(), 0)
    first = WorkspaceSettings(timezone="Asia/Makassar")
    assert store.save_settings_from(first, 0) is True
    assert store.save_settings_from(first, 0) is False
    assert store.versioned_settings().revision == 1

    # An admin's save moves the revision on whatever it was: a writer holding the older
    # revision no longer saves over it
    admin = WorkspaceSettings(timezone="Asia/Jayapura")
    store.save_settings(admin)
    assert store.save_settings_from(first, 1) is False
    found = store.versioned_settings()
    assert (found.item, found.revision) == (admin, 2)
    assert store.save_settings_from(first, 2) is True
    assert store.settings() == first


def health(number: str, quality: str, paused: bool = False) -> NumberHealth:
    """A report; a paused one says since when (an hour before it) and its code."""
    report = NumberHealth(phone_number_id=number, quality=quality, updated_at=T0, paused=paused)
    if not paused:
        return report
    pause = {"paused_at": T0 - timedelta(hours=1), "paused_code": f"quality:{quality}"}
    return report.model_copy(update=pause)


def test_the_numbers_health_is_saved_only_from_the_revision_read(store: Any) -> None:
    assert store.numbers() == []
    assert store.versioned_numbers() == Versioned([], 0)
    assert store.save_numbers_from([health("n1", "GREEN")], 0) is True
    # A report saved from a stale read is refused, and the one saved first stays
    assert store.save_numbers_from([health("n2", "GREEN")], 0) is False
    assert store.save_numbers_from([health("n1", "RED", paused=True)], 1) is True
    assert store.versioned_numbers() == Versioned([health("n1", "RED", paused=True)], 2)
    assert store.numbers() == [health("n1", "RED", paused=True)]
    assert store.sending_state() == (WorkspaceSettings(), store.numbers())


def test_stats_cover_the_days_asked_for(store: Any) -> None:
    store.save_rule(rule("r"))
    for day in range(3):
        at = T0 + timedelta(days=day)
        store.commit([NewFollowUp(followup(f"fu_{day}", at=at))], at)
    later = store.stats(T0.date() + timedelta(days=1), T0.date() + timedelta(days=5))
    assert [(row.day - T0.date()).days for row in later] == [1, 2]
    assert store.stats(T0.date() - timedelta(days=3), T0.date() - timedelta(days=1)) == []


def test_audit_entries_are_listed_newest_first_a_page_at_a_time(store: Any) -> None:
    for n in range(5):
        store.add_audit(
            AuditEntry(
                id=f"au_{n}",
                at=T0 + timedelta(minutes=n),
                actor="ana@example.com",
                action="rule.updated",
                target=f"r{n}",
                before="version 1",
                after="version 2",
            )
        )
    first = store.audit_log(3, None)
    rest = store.audit_log(3, first.cursor)
    assert [e.id for e in first.items] == ["au_4", "au_3", "au_2"]
    assert [e.id for e in rest.items] == ["au_1", "au_0"]
    assert rest.cursor is None
    assert rest.items[-1].target == "r0"
    assert store.rule_heads() == []
