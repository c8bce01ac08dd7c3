"""`followup contacts merge-duplicates` on a stack's tables: each lead stored under both
forms of their mobile number made one, with a table of what was (or would be) done."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.webhook_events import Identity
from followup.services.contacts import find_contact
from followup.services.inbound import record_inbound
from followup_local.cli import main
from followup_local.engine import REGION, LocalEngine
from tests.support.builders import quiet_contact

MERGE = ["contacts", "merge-duplicates", "--table-prefix", "followup-", "--region", REGION]


def test_merge_duplicates_lists_then_folds_a_lead_stored_twice(
    engine: LocalEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a Brazilian lead stored by their dialable number, then again by WhatsApp's id
    # for them, and a lead stored once
    now = engine.clock.now()
    kept = quiet_contact(engine.deps, "5511987654321", now - timedelta(hours=2))
    other = quiet_contact(engine.deps, "551187654321", now - timedelta(hours=1))
    quiet_contact(engine.deps, "6281100000801", now)
    # When the command runs as a dry run
    assert main([*MERGE, "--dry-run"]) == 0
    listed = capsys.readouterr().out
    # Then it lists the pair and what would be done, and both contacts are still there
    assert "dry run: nothing changed" in listed
    assert "5511987654321" in listed
    assert "551187654321" in listed
    assert "folded in" in listed
    assert "6281100000801" not in listed
    assert engine.deps.contacts.contact(other.id) is not None
    # When it runs for real
    assert main(MERGE) == 0
    done = capsys.readouterr().out
    # Then the second contact is folded into the first, which either form finds
    assert "folded in" in done
    assert "dry run" not in done
    assert engine.deps.contacts.contact(other.id) is None
    for form in ("5511987654321", "551187654321"):
        found = find_contact(engine.deps, form, None)
        assert found is not None
        assert found.item.id == kept.id
    # And a second run finds nothing left to merge
    assert main(MERGE) == 0
    assert "551187654321" not in capsys.readouterr().out


def test_merge_duplicates_says_which_user_id_the_kept_contact_keeps(
    engine: LocalEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a lead stored twice, WhatsApp naming each contact by a user id of its own
    now = engine.clock.now()
    kept = quiet_contact(engine.deps, "5511987654321", now - timedelta(hours=3))
    quiet_contact(engine.deps, "551187654321", now - timedelta(hours=2))
    at = now - timedelta(hours=1)
    record_inbound(engine.deps, Identity("5511987654321", "BR.kept"), "oi", at)
    record_inbound(engine.deps, Identity("551187654321", "BR.folded"), "oi", at)
    # When the command runs, as a dry run and for real
    assert main([*MERGE, "--dry-run"]) == 0
    listed = capsys.readouterr().out
    assert main(MERGE) == 0
    done = capsys.readouterr().out
    # Then both say the kept contact keeps its user id and the other's links to it
    for out in (listed, done):
        assert "user id BR.kept kept, BR.folded linked to it" in " ".join(out.split())
    found = find_contact(engine.deps, None, "BR.folded")
    assert found is not None
    assert (found.item.id, found.item.user_id) == (kept.id, "BR.kept")
