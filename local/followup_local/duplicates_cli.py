"""`followup contacts merge-duplicates`: leads stored once under each form of their mobile
number (Brazil, Mexico, Argentina) made one, on a deployed stack's tables, printed as a
table."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from followup.adapters.dynamo import DynamoStore
from followup.domain.contact import Contact
from followup.domain.whatsapp import OutboundMessage
from followup.services.deps import Deps
from followup.services.duplicates import Merged, Outcome, merge_duplicates
from followup.services.ports import Delayed
from followup.wiring.runtime import SystemClock


def add_parser(verbs: Any) -> None:
    """The `contacts` verb on the `followup` parser, with its `merge-duplicates` command."""
    contacts = verbs.add_parser(
        "contacts",
        help="repair contacts on a deployed stack's tables",
        description="Repairs of contacts on a deployed stack's tables.",
    )
    commands = contacts.add_subparsers(dest="contacts_command", metavar="COMMAND", required=True)
    merge = commands.add_parser(
        "merge-duplicates",
        help="make one contact of each lead stored under both forms of their number",
        description="Find the leads stored twice, once under each way their mobile number is "
        "written (Brazil with and without the ninth digit, Mexico with and without the 1 after "
        "52, Argentina with and without the 9 after 54), and keep the contact created first: "
        "the other is folded into it, or, when it has journeys of its own, kept apart with "
        "both contacts' opt-outs and stops. Reads the contacts table once.",
    )
    merge.add_argument(
        "--dry-run", action="store_true", help="only list the pairs and what would be done"
    )
    merge.add_argument(
        "--table-prefix", required=True, help="the stack's table prefix, e.g. followup-prod-"
    )
    merge.add_argument("--region", required=True, help="the stack's AWS region")


def run(args: argparse.Namespace) -> int:
    """Merge (or list) the duplicates and print the table; 1 when a pair is left to run
    again."""
    deps = Deps.over(
        DynamoStore(), queue=NothingSent(), whatsapp=NothingSent(), clock=SystemClock()
    )
    merged = merge_duplicates(deps, dry_run=args.dry_run)
    console = Console()
    (console if console.is_terminal else Console(width=200)).print(_table(merged, args.dry_run))
    return 1 if any(each.outcome is Outcome.LEFT for each in merged) else 0


def _table(merged: Iterable[Merged], dry_run: bool) -> Table:
    """One row per lead stored twice: each contact's number, stage, opt-out and journeys,
    and what became of the second (and of its user id, when the kept one has another)."""
    title = "leads stored under both forms of their number"
    table = Table(title=title + (" (dry run: nothing changed)" if dry_run else ""), box=box.SIMPLE)
    for side in ("kept", "other"):
        table.add_column(side)
        table.add_column("stage")
        table.add_column("opted out")
        table.add_column("journeys", justify="right")
    table.add_column("would be" if dry_run else "done")
    for each in merged:
        table.add_row(
            *_cells(each.kept, each.kept_journeys),
            *_cells(each.other, each.other_journeys),
            _done(each),
        )
    return table


def _done(each: Merged) -> str:
    """What became of the second; when both had a user id, which one the kept contact keeps
    and that the other's only links to it."""
    if each.user_id_linked is None:
        return each.outcome.value
    kept = each.kept.user_id
    return f"{each.outcome.value}; user id {kept} kept, {each.user_id_linked} linked to it"


def _cells(contact: Contact, journeys: int) -> tuple[str, str, str, str]:
    return (contact.wa_id or "", contact.stage, "yes" if contact.opted_out else "no", str(journeys))


class NothingSent:
    """The send queue and WhatsApp of a repair on a deployed stack (a merge, a replay),
    which moves contacts, enrollments and follow-ups but never queues or sends one: a call
    is refused."""

    def enqueue(self, followup_ids: Iterable[str], delay_seconds: int = 0) -> None:
        raise RuntimeError("a repair queues no send")

    def enqueue_each(self, messages: Iterable[Delayed]) -> None:
        raise RuntimeError("a repair queues no send")

    def send(self, outbound: OutboundMessage) -> str:
        raise RuntimeError("a repair sends nothing")
