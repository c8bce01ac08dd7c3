"""`followup dry-run` prints each entry's why in words, not as the API's code: "sequence
done", "no reply", "not enrolled: in journey"; a reply's effect, a sentence already, and
a branch's way are printed as they come."""

from __future__ import annotations

from rich.console import Console

from followup_local.dry_run_cli import _print


def test_the_why_column_reads_in_words() -> None:
    # Given a dry run's timeline as the API answers it
    run = {
        "zone": "Asia/Jakarta",
        "finished": True,
        "timeline": [
            {
                "local": "Tue 2026-12-01 10:00",
                "kind": "reply",
                "detail": "lagi sibuk kak",
                "reason": "busy",
                "effect": "follow-up busy-nudge at 2026-12-01 10:05 Asia/Jakarta",
            },
            {
                "local": "Tue 2026-12-01 10:00",
                "kind": "entered",
                "reason": "not_enrolled:in_journey",
            },
            {"local": "Tue 2026-12-01 10:20", "kind": "branch", "step": 2, "reason": "then"},
            {"local": "Tue 2026-12-01 10:20", "kind": "ended", "reason": "sequence_done"},
            {"local": "Fri 2026-12-04 10:05", "kind": "expired", "step": 1, "reason": "no_reply"},
        ],
    }
    console = Console(record=True, width=200)
    # When the command prints it
    _print(console, "busy-nudge", run)
    printed = console.export_text()
    # Then each why is in words, the effect's sentence kept whole
    assert "busy · follow-up busy-nudge at 2026-12-01 10:05 Asia/Jakarta" in printed
    assert "not enrolled: in journey" in printed
    assert "sequence done" in printed
    assert "no reply" in printed
    assert "sequence_done" not in printed
    assert "no_reply" not in printed
