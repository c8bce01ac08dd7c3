"""`followup dry-run`: a rule played for one contact by the running stack's API, sending
nothing, printed as a timeline table."""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

import httpx
from rich import box
from rich.console import Console
from rich.table import Table

from followup.api.auth import Role
from followup_local.flags import api_url, bounded, instant, state_to_read
from followup_local.statelock import running_url
from followup_local.tokens import DevTokens

_AFTER = re.compile(r"^(\d+)(m|h|d|w)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def _after(text: str) -> dict[str, Any]:
    found = _AFTER.match(text.strip())
    if found is None:
        raise argparse.ArgumentTypeError(
            f"expected a time after the start such as 30m, 2h, 3d or 1w, got {text!r}"
        )
    return {"amount": int(found.group(1)), "unit": _UNITS[found.group(2)]}


def _reply(text: str) -> dict[str, Any]:
    after, separator, said = text.partition("=")
    if not separator or not said.strip():
        raise argparse.ArgumentTypeError(f"expected AFTER=TEXT, e.g. 2h='lagi sibuk', got {text!r}")
    return {"after": _after(after), "reply": said.strip()}


def _stage(text: str) -> dict[str, Any]:
    after, separator, stage = text.partition("=")
    if not separator or not stage.strip():
        raise argparse.ArgumentTypeError(f"expected AFTER=STAGE, e.g. 2d=paid, got {text!r}")
    event = {"type": "stage_changed", "contact": "dry-run", "stage": stage.strip()}
    return {"after": _after(after), "event": event}


def _attribute(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def add_parser(verbs: Any, state_dir: str) -> None:
    """The `dry-run` verb on the `followup` parser."""
    run = verbs.add_parser(
        "dry-run",
        help="play a rule for one contact on a virtual clock, sending nothing",
        description="Ask the running stack (followup dev, or a deployed one with --url and "
        "--token) to play a rule for a real contact or a test one, with simulated replies "
        "and stage changes, and print the timeline in the contact's time zone.",
    )
    run.add_argument("rule", help="the rule's id")
    who = run.add_mutually_exclusive_group()
    who.add_argument("--contact", metavar="ID", help="a real contact (copied, never changed)")
    who.add_argument("--stage", help="a test contact in this stage (default: the first)")
    run.add_argument("--name", default="Test Contact", help="the test contact's name")
    run.add_argument(
        "--timezone", metavar="ZONE", help="the test contact's zone, e.g. Asia/Jakarta"
    )
    run.add_argument(
        "--attribute",
        type=_attribute,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an attribute of the test contact (repeatable)",
    )
    run.add_argument(
        "--reply",
        type=_reply,
        action="append",
        default=[],
        metavar="AFTER=TEXT",
        help="the contact writes TEXT this long after the start, e.g. 2h='lagi sibuk'",
    )
    run.add_argument(
        "--stage-change",
        type=_stage,
        action="append",
        default=[],
        metavar="AFTER=STAGE",
        help="the contact reaches STAGE this long after the start, e.g. 3d=paid",
    )
    run.add_argument(
        "--days", type=bounded(1, 400), default=30, help="how long to play, 1 to 400 (default: 30)"
    )
    run.add_argument(
        "--start", type=instant, help="ISO 8601 instant with its offset (default: now)"
    )
    run.add_argument(
        "--url",
        type=api_url,
        default=os.environ.get("FOLLOWUP_URL"),
        help="the API (default: $FOLLOWUP_URL, else where the `followup dev` running on the"
        " state directory listens)",
    )
    run.add_argument(
        "--token",
        default=os.environ.get("FOLLOWUP_TOKEN"),
        help="a sign-in token for a deployed stack (default: $FOLLOWUP_TOKEN; locally, one "
        "is made from the state directory)",
    )
    run.add_argument(
        "--state-dir",
        type=state_to_read,
        default=state_dir,
        metavar="DIR",
        help="the local stack's state, for its signing key (default: %(default)s)",
    )


def request_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"days": args.days, "simulate": [*args.reply, *args.stage_change]}
    if args.start:
        body["start"] = args.start.isoformat()
    if args.contact:
        body["contact_id"] = args.contact
    else:
        contact: dict[str, Any] = {"name": args.name, "attributes": dict(args.attribute)}
        if args.stage:
            contact["stage"] = args.stage
        if args.timezone:
            contact["timezone"] = args.timezone
        body["contact"] = contact
    return body


def run(args: argparse.Namespace) -> int:
    """Ask the API, print the timeline; 1 with the API's own message when it refuses."""
    errors = Console(stderr=True, soft_wrap=True)
    address = args.url or running_url(args.state_dir)
    if address is None:
        errors.print(
            f"[red]dry-run:[/red] no `followup dev` runs on {args.state_dir}: start it, or"
            " pass --state-dir or --url",
            highlight=False,
        )
        return 1
    token = args.token or DevTokens.load(args.state_dir).issue(Role.MARKETING)
    url = f"{address.rstrip('/')}/api/rules/{args.rule}/dry-run"
    try:
        answer = httpx.post(
            url,
            json=request_body(args),
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
    except httpx.HTTPError as problem:
        errors.print(
            f"[red]dry-run:[/red] cannot reach {address} ({problem})",
            highlight=False,
        )
        return 1
    if answer.status_code != 200:
        errors.print(f"[red]dry-run:[/red] {_refusal(answer)}", highlight=False)
        return 1
    _print(Console(), args.rule, answer.json())
    return 0


def _refusal(answer: httpx.Response) -> str:
    try:
        error = answer.json()["error"]
    except (ValueError, KeyError, TypeError):
        return f"HTTP {answer.status_code}"
    details = "; ".join(f"{d['field']}: {d['message']}" for d in error.get("details", []))
    return f"{error.get('message', answer.status_code)}" + (f" ({details})" if details else "")


def _words(code: str | None) -> str:
    """A reason's code as words: `sequence_done` → "sequence done", `not_enrolled:in_journey`
    → "not enrolled: in journey"; text that is no code as it is."""
    if not code or not re.fullmatch(r"[a-z0-9_]+(?::[a-z0-9_]+)?", code):
        return code or ""
    return ": ".join(part.replace("_", " ") for part in code.split(":"))


def _print(console: Console, rule: str, run: dict[str, Any]) -> None:
    ending = "finished" if run["finished"] else "still running at the end"
    table = Table(
        title=f"{rule}: dry run in {run['zone']} ({ending})", box=box.SIMPLE, title_justify="left"
    )
    for column in ("when", "what", "step", "message or detail", "why"):
        table.add_column(column, overflow="fold")
    for entry in run["timeline"]:
        message = entry.get("message") or {}
        said = message.get("text") or message.get("template_name") or entry.get("detail", "")
        why = " · ".join(
            part for part in (_words(entry.get("reason")), entry.get("effect")) if part
        )
        step = str(entry["step"]) if "step" in entry else ""
        table.add_row(entry["local"], entry["kind"], step, said, why)
    if not run["timeline"]:
        table.add_row("", "nothing happens", "", "", "")
    console.print(table)
