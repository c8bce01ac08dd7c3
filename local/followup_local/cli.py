"""The `followup` command: run the product locally, simulate the demo funnel, play a rule
for one contact, sign in locally, connect WhatsApp, upgrade and repair a deployed stack."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from followup.adapters import send_days, slot_upgrade, tables
from followup.adapters.dynamo import DynamoStore
from followup.adapters.tables import bind
from followup.adapters.whatsapp_messages import LATEST_SECONDS
from followup.api.auth import Role
from followup.domain.localtime import FIRST_YEAR
from followup_local import connect, dry_run_cli, duplicates_cli, replay_cli
from followup_local.devstack import DevOptions, DevStack
from followup_local.durable import StateError
from followup_local.flags import bounded, instant, origin
from followup_local.simulator import Outcome, SimulationConfig, simulate
from followup_local.simulator.funnel import START
from followup_local.simulator.report import headline, summary, table, write_audit
from followup_local.tokens import DevTokens

_CLOCK_YEARS = (FIRST_YEAR, datetime.fromtimestamp(LATEST_SECONDS, UTC).year - 1)
"""The years the demo clock may start in: the engine's, up to the last before the latest
time the webhook takes (the sandbox's replies and statuses go through it)."""

_SIMULATED_YEARS = (FIRST_YEAR + 1, _CLOCK_YEARS[1] - 2)
"""The years a simulation may start in: its leads' history reaches weeks before the start
and the run up to a year after it, all within the years the engine handles and before the
latest time the webhook takes (the simulated replies and statuses go through it)."""


def _day(text: str) -> datetime:
    """A simulation's first day, at 00:00 UTC, in one of `_SIMULATED_YEARS`."""
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date as YYYY-MM-DD, got {text!r}") from None
    first, last = _SIMULATED_YEARS
    if not first <= day.year <= last:
        raise argparse.ArgumentTypeError(
            f"the year must be from {first} to {last}, so that the run and its leads' "
            f"history fit the years the engine and its webhook handle, got {text!r}"
        )
    return day


def _instant(text: str) -> datetime:
    found = instant(text)
    first, last = _CLOCK_YEARS
    if not first <= found.astimezone(UTC).year <= last:  # the webhook reads UTC seconds
        raise argparse.ArgumentTypeError(
            f"the year must be from {first} to {last} in UTC, so that the sandbox's replies "
            f"reach the webhook, got {text!r}"
        )
    return found


def _state_directory(text: str) -> Path:
    """A directory to keep state in, as `_directory` allows it, naming FOLLOWUP_STATE_DIR
    when the value came from it."""
    return _directory(text, origin(text, "FOLLOWUP_STATE_DIR"))


def _directory(text: str, origin: str = "") -> Path:
    """A directory to write in: made when missing; refused, saying why, when it cannot be
    made or written (a file there or above it, no permission)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}{origin} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as problem:
        reason = problem.strerror or str(problem)
        raise argparse.ArgumentTypeError(
            f"{text!r}{origin} cannot be made a directory: {reason}"
        ) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{text!r}{origin} is not a directory this user can write")
    return path


def _state_dir(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--state-dir",
        type=_state_directory,
        # A string, so argparse checks the default with its type as it checks the flag.
        default=os.environ.get("FOLLOWUP_STATE_DIR", ".followup"),
        metavar="DIR",
        help=what,
    )


def parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per verb."""
    root = argparse.ArgumentParser(prog="followup", description=__doc__)
    verbs = root.add_subparsers(dest="command", metavar="COMMAND", required=True)
    run = verbs.add_parser(
        "simulate",
        help="run the demo funnel on a virtual clock and report per-rule statistics",
        description="Run generated leads through the real handlers on in-process AWS (moto) "
        "and a WhatsApp sandbox, with a virtual clock, and report what each rule achieved.",
    )
    defaults = SimulationConfig()
    run.add_argument(
        "--contacts",
        type=bounded(1, 100_000),
        default=defaults.contacts,
        help="leads, a fifth of them writing first during the run (default: %(default)s)",
    )
    run.add_argument(
        "--days",
        type=bounded(1, 365),
        default=defaults.days,
        help="virtual days to run (default: %(default)s)",
    )
    run.add_argument(
        "--tick",
        type=bounded(1, 1440),
        default=defaults.tick_minutes,
        metavar="MINUTES",
        help="minutes between scheduler ticks (default: %(default)s)",
    )
    run.add_argument(
        "--seed",
        type=bounded(0, 2**63 - 1),
        default=defaults.seed,
        help="random seed for the leads and their behaviour (default: %(default)s)",
    )
    run.add_argument(
        "--start",
        type=_day,
        default=START,
        metavar="YYYY-MM-DD",
        help=f"first day, from 00:00 UTC, in {_SIMULATED_YEARS[0]} to {_SIMULATED_YEARS[1]} "
        f"(default: {START:%Y-%m-%d})",
    )
    run.add_argument(
        "--out",
        type=_directory,
        metavar="DIR",
        help="write sends, contacts, follow-ups and settings here, for audit",
    )
    run.add_argument("--json", action="store_true", help="print only the report, as JSON")
    token = verbs.add_parser(
        "dev-token",
        help="print a local sign-in token (JWT) for a role",
        description="Print a JWT the local gateway accepts, carrying the role's group the way "
        "Cognito does. Send it as `Authorization: Bearer TOKEN`; it is valid for 12 hours.",
    )
    token.add_argument("--role", choices=[role.value for role in Role], required=True)
    _state_dir(
        token, "where the local signing key lives (default: $FOLLOWUP_STATE_DIR or %(default)s)"
    )
    dev = verbs.add_parser(
        "dev",
        help="run the whole product locally: embedded AWS, gateway, live feed, sandbox",
        description="Run the real handlers against an embedded AWS (moto) behind a local "
        "gateway, with scheduler ticks, the SQS and stream triggers, the live queue feed and "
        "the WhatsApp sandbox page. Ctrl-C stops it; data is kept in the state directory.",
    )
    dev.add_argument(
        "--port", type=bounded(1, 65535), default=8000, help="gateway port (default: %(default)s)"
    )
    dev.add_argument(
        "--tick",
        type=bounded(0, 3600),
        default=60,
        metavar="SECONDS",
        help="seconds between enqueue / dispatch / expire ticks, the first at start; 0: only "
        "on POST /dev/tick (default: %(default)s)",
    )
    dev.add_argument(
        "--clock",
        type=_instant,
        metavar="INSTANT",
        help="a demo clock: start the stack's time at this instant (ISO 8601 with offset, "
        "e.g. 2026-11-29T21:00:00+07:00), then run forward in real time; use with --reset",
    )
    dev.add_argument(
        "--contacts",
        type=bounded(0, 5000),
        default=40,
        help="demo leads seeded on first start (default: %(default)s)",
    )
    dev.add_argument("--reset", action="store_true", help="forget saved data; seed again")
    dev.add_argument("--verbose", action="store_true", help="show the handlers' INFO logs")
    _state_dir(
        dev, "keys, webhook secret and saved data (default: $FOLLOWUP_STATE_DIR or %(default)s)"
    )
    connect = verbs.add_parser(
        "connect-whatsapp",
        help="point 360dialog's webhook at the deployed stack, or show where it points",
        description="Register the deployed webhook URL (with the path secret, and the secret "
        "header if asked) with 360dialog's /v1/configs/webhook, with each sending number's key "
        "(D360_NUMBERS, else D360_API_KEY), reading the webhook function's "
        "URL from the stack's outputs and the secrets from its Secrets Manager secret. Secrets "
        "are shown masked.",
    )
    connect.add_argument("--stack", help="the deployed stack, e.g. Followup-prod")
    connect.add_argument(
        "--base-url", help="the stack's WebhookBaseUrl output (instead of --stack)"
    )
    connect.add_argument("--secret-name", help="the secret's name or ARN (instead of --stack)")
    connect.add_argument("--region", help="AWS region (default: from the environment)")
    connect.add_argument(
        "--header-name",
        help="also send WEBHOOK_HEADER_SECRET in this header (the stack's webhook_header_name)",
    )
    connect.add_argument("--show", action="store_true", help="only show the current configuration")
    backfill = verbs.add_parser(
        "backfill-send-days",
        help="after upgrading to the send-time queue: file older follow-ups by send day",
        description="Give each follow-up stored before the queue's send-time index its send "
        "day and time, so the queue lists it and its status counts include it. Scans the "
        "follow-ups table once; safe to run again (it skips those that have one).",
    )
    backfill.add_argument(
        "--table-prefix", required=True, help="the stack's table prefix, e.g. followup-prod-"
    )
    backfill.add_argument("--region", required=True, help="the stack's AWS region")
    slots = verbs.add_parser(
        "migrate-slots",
        help="before upgrading past contacts that name their pending follow-up: give each its slot",
        description="Give each contact that still names its pending follow-up on itself a "
        "slot item holding it, and drop the name from the contact. Scans the contacts table "
        "once; safe while the engine runs (a slot taken since is kept, a contact changed "
        "meanwhile is read again) and safe to run again (it skips contacts already moved).",
    )
    slots.add_argument(
        "--table-prefix", required=True, help="the stack's table prefix, e.g. followup-prod-"
    )
    slots.add_argument("--region", required=True, help="the stack's AWS region")
    dry_run_cli.add_parser(verbs, os.environ.get("FOLLOWUP_STATE_DIR", ".followup"))
    duplicates_cli.add_parser(verbs)
    replay_cli.add_parser(verbs)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `followup` console script."""
    cli = parser()
    args = cli.parse_args(argv)
    if getattr(args, "table_prefix", None) is not None:
        _bind_stack(cli, args.table_prefix, args.region)
    if args.command == "dev-token":
        sys.stdout.write(DevTokens.load(args.state_dir).issue(Role(args.role)) + "\n")
        return 0
    if args.command == "connect-whatsapp":
        return _connect(cli, args)
    if args.command == "dev":
        return _dev(args)
    if args.command == "dry-run":
        return dry_run_cli.run(args)
    if args.command == "backfill-send-days":
        sys.stdout.write(f"{send_days.backfill()} follow-ups given their send day\n")
        return 0
    if args.command == "migrate-slots":
        return _migrate_slots()
    if args.command == "contacts":
        return duplicates_cli.run(args)
    if args.command == "replay-counts":
        return replay_cli.run(args)
    return _simulate(args)


def _bind_stack(cli: argparse.ArgumentParser, prefix: str, region: str) -> None:
    """Point the tables at a deployed stack's, refusing (exit status 2) a prefix or region
    under which there is no contacts table, before a command reads or writes anything."""
    bind(prefix, region)
    name = f"{prefix}contacts"
    try:
        tables.client().describe_table(TableName=name)
    except ClientError as problem:
        if problem.response["Error"]["Code"] == "ResourceNotFoundException":
            cli.error(
                f"--table-prefix: there is no table {name!r} in {region}; a stack's tables are "
                "named by its prefix, dash included: followup-prod-contacts for --table-prefix "
                "followup-prod-"
            )
        cli.error(f"cannot read table {name!r} in {region}: {problem}")
    except BotoCoreError as problem:
        cli.error(f"cannot reach DynamoDB in {region}: {problem}")


def _dev(args: argparse.Namespace) -> int:
    options = DevOptions(
        port=args.port,
        tick_seconds=args.tick,
        state_dir=args.state_dir,
        reset=args.reset,
        contacts=args.contacts,
        verbose=args.verbose,
        clock=args.clock,
    )
    console = Console()
    stack = DevStack(options)
    stopping = threading.Event()

    def request_stop(*_: object) -> None:
        if stopping.is_set():
            console.print("still stopping; every change is already on disk", highlight=False)
        stopping.set()

    # Installed here, not inherited: a script's `followup dev &` starts with SIGINT ignored.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start()
    except StateError as problem:
        Console(stderr=True, soft_wrap=True).print(
            f"[red]followup dev:[/red] {escape(str(problem))}", highlight=False
        )
        return 1
    except RuntimeError as problem:
        Console(stderr=True).print(f"[red]followup dev:[/red] {problem} (try --port)")
        return 1
    table = Table(box=box.SIMPLE, show_header=False, title="follow-up engine, running locally")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in stack.banner(_command()):
        table.add_row(name, value)
    # A terminal folds long paths; a log or pipe keeps each line whole, for grep.
    (console if console.is_terminal else Console(width=1000)).print(table)
    console.print("ready · Ctrl-C stops (data is kept; --reset starts over)", highlight=False)
    while not stopping.wait(0.5):
        pass
    console.print("stopping…")
    stack.stop()
    console.print(f"stopped; data saved in {options.state_dir}")
    return 0


def _command() -> str:
    """How this `followup` was called (e.g. `.venv/bin/followup` under make), to reuse it."""
    called = sys.argv[0] if sys.argv else ""
    return called if Path(called).name == "followup" else "followup"


def _connect(cli: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.stack and not (args.base_url and args.secret_name):
        cli.error("connect-whatsapp needs --stack, or both --base-url and --secret-name")
    console = Console()
    try:
        outputs = connect.stack_outputs(args.stack, args.region) if args.stack else {}
        base_url = args.base_url or outputs.get("WebhookBaseUrl")
        secret_name = args.secret_name or outputs.get("SecretName")
        if not base_url or not secret_name:
            raise connect.ConnectError(
                f"stack {args.stack!r} has no WebhookBaseUrl / SecretName output"
            )
        secrets = connect.read_secrets(secret_name, args.region)
        numbers = connect.number_keys(secrets)
        chosen = None if args.show else connect.target(base_url, secrets, args.header_name)
    except connect.ConnectError as problem:
        Console(stderr=True).print(f"[red]connect-whatsapp:[/red] {problem}")
        return 1
    d360 = outputs.get("D360BaseUrl") or connect.d360_base_url()
    done = [connect.connect_number(d360, each, chosen) for each in numbers]
    console.print(_connected_table(done, chosen))
    for failed in (c for c in done if c.problem):
        Console(stderr=True).print(
            f"[red]connect-whatsapp:[/red] number {failed.number}: {failed.problem}",
            highlight=False,
        )
    return 1 if any(c.problem for c in done) else 0


def _connected_table(done: list[connect.Connected], chosen: connect.Target | None) -> Table:
    """Each number's webhook before (or now) and after, and what was done for it."""
    table = Table(title="360dialog webhook, by number", box=box.SIMPLE)
    table.add_column("number")
    table.add_column("")
    table.add_column("url", overflow="fold")
    table.add_column("headers", overflow="fold")
    table.add_column("done", overflow="fold")
    for each in done:
        if each.problem:
            outcome = f"failed: {each.problem}"
        else:
            outcome = "shown" if chosen is None else "registered"
        table.add_row(
            each.number,
            "now" if chosen is None else "before",
            connect.masked_url(each.before.get("url")),
            connect.masked_headers(each.before.get("headers")),
            outcome,
        )
        if each.after is not None and chosen is not None:
            table.add_row(
                "",
                "after",
                connect.masked_url(each.after.get("url")),
                connect.masked_headers(chosen.headers),
                "",
            )
    return table


def _migrate_slots() -> int:
    """Move pending follow-ups onto slots, with a progress bar on a terminal; print what
    was done. 1 when some contact kept changing and is left for another run."""
    console = Console()
    if console.is_terminal:
        columns = (
            TextColumn("[bold]reading the contacts table"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("items (approx.)"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("read", total=slot_upgrade.approximate_items())
            tally = slot_upgrade.migrate(
                DynamoStore(), datetime.now(UTC), lambda n: progress.update(task, completed=n)
            )
    else:
        tally = slot_upgrade.migrate(DynamoStore(), datetime.now(UTC))
    table = Table(title="pending follow-ups moved onto slots", box=box.SIMPLE, show_header=False)
    table.add_column()
    table.add_column(justify="right")
    table.add_row("contacts table items read", str(tally.read))
    table.add_row("contacts naming their pending follow-up", str(tally.moved.total()))
    for moved in slot_upgrade.Moved:
        table.add_row(moved.value, str(tally.moved[moved]))
    console.print(table)
    return 1 if tally.moved[slot_upgrade.Moved.LEFT] else 0


def _simulate(args: argparse.Namespace) -> int:
    config = SimulationConfig(args.contacts, args.days, args.tick, args.seed, args.start)
    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 120))  # a file or pipe: do not squeeze
    # The handlers' log lines (a rule past its opt-out threshold...) go to stderr, as does
    # the progress bar: stdout holds the report alone, for `--json | jq` or a file.
    with contextlib.redirect_stdout(sys.stderr):
        outcome = _run(config, console if console.is_terminal and not args.json else None)
    report = summary(outcome)
    written = write_audit(outcome, args.out) if args.out is not None else []
    if args.json:
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        return 0
    console.print(headline(report))
    console.print(table(report))
    for path in written:
        console.print(f"wrote {path}")
    return 0


def _run(config: SimulationConfig, console: Console | None) -> Outcome:
    """Simulate, with a progress bar on `console` when there is one."""
    if console is None:
        return simulate(config)
    columns = (
        TextColumn(f"[bold]simulating {config.days} days of follow-ups"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("ticks"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("simulate", total=config.ticks)
        return simulate(config, lambda done, _: progress.update(task, completed=done))


if __name__ == "__main__":
    sys.exit(main())
