"""The commands that repair a deployed stack's tables refuse a prefix or region naming no
table, with the option named, before they read or write anything."""

from __future__ import annotations

import pytest

from followup_local.cli import main
from followup_local.engine import REGION, LocalEngine

COMMANDS = [
    ["backfill-send-days"],
    ["migrate-slots"],
    ["contacts", "merge-duplicates"],
    ["contacts", "merge-duplicates", "--dry-run"],
    ["replay-counts", "--queue-url", "https://sqs.example/123/dead-letters"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_prefix_without_its_dash_is_named_not_a_traceback(
    engine: LocalEngine, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack whose tables are followup-contacts, followup-followups…
    # When an operator leaves the dash off the prefix
    with pytest.raises(SystemExit) as ended:
        main([*command, "--table-prefix", "followup", "--region", REGION])
    # Then the command stops as on any bad argument, naming the option and the table it
    # looked for, and saying how the names are made
    assert ended.value.code == 2
    said = capsys.readouterr().err
    assert "--table-prefix" in said
    assert "'followupcontacts'" in said
    assert "followup-prod-" in said


def test_a_region_without_the_stack_is_named(
    engine: LocalEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["backfill-send-days", "--table-prefix", "followup-", "--region", "eu-west-1"])
    assert ended.value.code == 2
    assert "in eu-west-1" in capsys.readouterr().err
