"""What a run produced: per-rule statistics for people, and audit files for anyone to check."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.table import Table
from rich.text import Text

from followup.domain.contact import Contact
from followup.domain.followup import FollowUp
from followup.domain.rule import Rule
from followup.domain.settings import ReviewThresholds, WorkspaceSettings
from followup.services.stats import PeriodStats, RuleStats, flags
from followup_local.engine import LocalEngine
from followup_local.gateway import request_event
from followup_local.sandbox import SandboxRequest
from followup_local.simulator.funnel import Person, demo_rules

if TYPE_CHECKING:
    from followup_local.simulator.run import SimulationConfig, World

_COLUMNS = ("sent", "responded", "opted_out", "expired", "failed", "conversions")
_HEADERS = ("sent", "responded", "opted\nout", "expired", "failed", "conversions")
_FLAGGED = "bold red"
_MARK = "!"


@dataclass(frozen=True)
class ContactState:
    """A contact at the end of the run, with what the simulated person did."""

    person: Person
    contact: Contact
    inbound: list[datetime]
    stage_changes: list[tuple[datetime, str]]


@dataclass
class Outcome:
    """Everything a report or an auditor needs, read from the engine after the last tick."""

    config: SimulationConfig
    end: datetime
    last_tick: datetime
    settings: WorkspaceSettings
    rules: list[Rule]
    stats: dict[str, RuleStats]
    total: PeriodStats
    sends: list[SandboxRequest]
    contacts: list[ContactState]
    followups: list[FollowUp]


def collect(
    engine: LocalEngine, world: World, config: SimulationConfig, last_tick: datetime
) -> Outcome:
    """Read rules, statistics, contacts and follow-ups back from the engine's store."""
    deps, end = engine.deps, engine.clock.now()
    heads = {head.rule_id: head for head in deps.rules.rule_heads()}
    rules = []
    for body in demo_rules():
        head = heads[body["id"]]
        rule = deps.rules.rule(head.rule_id, head.version)
        assert rule is not None
        rules.append(rule.model_copy(update={"active": head.active}))
    contacts, followups = [], []
    for person in world.crowd:
        contact_id = world.contact_ids.get(person.wa_id)
        found = deps.contacts.contact(contact_id) if contact_id else None
        if found is None:
            continue  # their first message would have come after the end of the run
        inbound, moves = world.inbound[person.wa_id], world.stage_changes[person.wa_id]
        contacts.append(ContactState(person, found.item, inbound, moves))
        followups.extend(
            sorted(deps.followups.followups_of(found.item.id), key=lambda f: f.created_at)
        )
    stats, total = stats_from_api(engine, *stats_period(config.start, end))
    return Outcome(
        config, end, last_tick, deps.rules.settings(), rules, stats, total,
        engine.sandbox.requests, contacts, followups,
    )  # fmt: skip


def stats_period(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The days the report reads the stats of: the UTC days from the run's start to its
    end, both included (nothing is counted before a run starts, whose first day begins at
    00:00 UTC). A run of the longest `--days` fits the admin API's longest period."""
    return start.astimezone(UTC), end.astimezone(UTC)


def stats_from_api(
    engine: LocalEngine, since: datetime, until: datetime
) -> tuple[dict[str, RuleStats], PeriodStats]:
    """Per-rule totals and every rule's together, as staff read them: `GET /api/stats`
    through the admin API handler."""
    query = f"from={since.date().isoformat()}&to={until.date().isoformat()}"
    event = request_event(
        method="GET",
        path="/api/stats",
        query=query,
        headers={},
        body=b"",
        route_key="ANY /api/{proxy+}",
        path_parameters={"proxy": "stats"},
        source_ip="127.0.0.1",
        claims={"sub": "simulator", "cognito:groups": ["admin"]},
    )
    response = engine.invoke("api", event)
    if response["statusCode"] != 200:
        raise RuntimeError(f"GET /api/stats answered {response['statusCode']}: {response['body']}")
    answer = json.loads(response["body"])
    per_rule = {
        row["rule_id"]: RuleStats(rule_id=row["rule_id"], counts=_counts(row))
        for row in answer["rules"]
    }
    return per_rule, PeriodStats(counts=_counts(answer["total"]))


def _counts(row: dict[str, Any]) -> dict[str, int]:
    """The counters of a stats row: its whole numbers, rates and flags left out."""
    return {k: v for k, v in row.items() if isinstance(v, int) and not isinstance(v, bool)}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment else None


def _row(
    rule_id: str,
    name: str,
    active: bool | None,
    stats: PeriodStats | None,
    review: ReviewThresholds,
) -> dict[str, Any]:
    counts = stats.counts if stats else {}
    row: dict[str, Any] = {"rule_id": rule_id, "name": name, "active": active}
    row |= {
        "sent": counts.get("sent", 0),
        "responded": counts.get("responded", 0),
        "opted_out": counts.get("opted_out", 0),
        "expired": counts.get("expired", 0),
        "failed": counts.get("failed", 0),
        "conversions": counts.get("converted", 0),
        "response_rate": _rounded(stats.response_rate if stats else None),
        "opt_out_rate": _rounded(stats.opt_out_rate if stats else None),
        "flags": flags(stats, review) if stats else [],
    }
    return row | {"counts": dict(sorted(counts.items()))}


def summary(outcome: Outcome) -> dict[str, Any]:
    """The report as JSON-ready data: period, population, settings, per-rule rows and total."""
    config = outcome.config
    arrived = sum(1 for state in outcome.contacts if state.person.arrives)
    review = outcome.settings.review
    rows = [_row(r.id, r.name, r.active, outcome.stats.get(r.id), review) for r in outcome.rules]
    return {
        "period": {
            "start": _iso(config.start),
            "end": _iso(outcome.end),
            "last_tick": _iso(outcome.last_tick),
            "days": config.days,
            "tick_minutes": config.tick_minutes,
            "seed": config.seed,
        },
        "population": {
            "planned": config.contacts,
            "contacts": len(outcome.contacts),
            "arrived_during_run": arrived,
            "opted_out": sum(1 for state in outcome.contacts if state.contact.opted_out),
            "requests_to_whatsapp": len(outcome.sends),
        },
        "settings": outcome.settings.model_dump(mode="json"),
        "rules": rows,
        "total": _row("total", "All rules", None, outcome.total, review),
    }


def headline(report: dict[str, Any]) -> str:
    """The totals printed above the table, saying which count contacts and which follow-ups."""
    population, total = report["population"], report["total"]
    canceled = total["counts"].get("opted_out_before_send", 0)
    return (
        f"{population['contacts']} of {population['planned']} leads in the funnel by the end "
        f"({population['arrived_during_run']} wrote first during the run); "
        f"{population['requests_to_whatsapp']} requests to WhatsApp.\n"
        f"Opt-outs: {population['opted_out']} contacts opted out; "
        f"{total['opted_out']} sent follow-ups answered with an opt-out (the table's "
        f'"opted out" column) and {canceled} queued follow-ups canceled by one.'
    )


def _rounded(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def _rate(value: float | None, flag: str, row: dict[str, Any]) -> Text:
    """A rate as a percentage, bold red and marked when it is past a review threshold; a
    dash for a rule that sent nothing."""
    if value is None:
        return Text("–")
    if flag in row["flags"]:
        return Text(f"{_MARK} {value:.1%}", style=_FLAGGED)
    return Text(f"{value:.1%}")


def table(report: dict[str, Any]) -> Table:
    """Per-rule statistics as a rich table, rates as percentages, rates to review marked."""
    period, review = report["period"], report["settings"]["review"]
    days = f"{period['days']} day{'s' if period['days'] != 1 else ''}"
    title = f"Follow-ups per rule over {days} from {period['start'][:10]}"
    caption = "\n".join(
        (
            "counts are follow-ups, conversions are contacts; "
            "opted out: sent follow-ups answered with an opt-out",
            f"{_MARK} past the review thresholds: opt-out rate above "
            f"{review['max_opt_out_rate']:.1%}, response rate below "
            f"{review['min_response_rate']:.1%}",
            f"one scheduler tick every {period['tick_minutes']} minutes, seed {period['seed']}",
        )
    )
    grid = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0))
    grid.add_column("rule", no_wrap=True, min_width=22)
    for header in (*_HEADERS, "response\nrate", "opt-out\nrate"):
        width = max(len(line) for line in header.splitlines())
        grid.add_column(header, justify="right", no_wrap=True, min_width=width)
    for row in [*report["rules"], report["total"]]:
        label = row["rule_id"] if row["active"] is not False else f"{row['rule_id']} (off)"
        cells = [str(row[column]) for column in _COLUMNS]
        rates = [
            _rate(row["response_rate"], "low_response", row),
            _rate(row["opt_out_rate"], "high_opt_out", row),
        ]
        grid.add_row(label, *cells, *rates, end_section=row is report["rules"][-1])
    return grid


def write_audit(outcome: Outcome, out: Path) -> list[Path]:
    """Write sends, contacts, follow-ups and settings as files anyone can check on their own."""
    out.mkdir(parents=True, exist_ok=True)
    settings = outcome.settings.model_dump(mode="json")
    settings["rules"] = [rule.model_dump(mode="json") for rule in outcome.rules]
    settings["period"] = summary(outcome)["period"]
    written = [
        _lines(out / "sends.jsonl", (_send(request) for request in outcome.sends)),
        _lines(out / "contacts.jsonl", (_contact(state) for state in outcome.contacts)),
        _lines(out / "followups.jsonl", (f.model_dump(mode="json") for f in outcome.followups)),
        out / "settings.json",
    ]
    written[-1].write_text(json.dumps(settings, indent=2, ensure_ascii=False) + "\n")
    return written


def _lines(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def _send(request: SandboxRequest) -> dict[str, Any]:
    return {
        "received_at": _iso(request.received_at),
        "followup_id": request.followup_id,
        "status": request.status,
        "error_code": request.error_code,
        "wamid": request.wamid,
        "body": request.body,
    }


def _contact(state: ContactState) -> dict[str, Any]:
    contact, person = state.contact, state.person
    return {
        "id": contact.id,
        "wa_id": contact.wa_id,
        "name": contact.name,
        "timezone": contact.timezone,
        "score": contact.score.value,
        "stage": contact.stage,
        "attributes": contact.attributes,
        "opted_out": contact.opted_out,
        "opted_out_at": _iso(contact.opted_out_at),
        "created_at": _iso(contact.created_at),
        "inbound_at": [_iso(moment) for moment in state.inbound],
        "stage_changes": [{"at": _iso(at), "stage": stage} for at, stage in state.stage_changes],
        "persona": person.persona.value,
        "arrived_during_run": person.arrives,
        "unreachable": person.unreachable,
    }
