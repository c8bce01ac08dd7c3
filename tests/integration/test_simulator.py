"""`followup simulate` end to end, audited from the files it writes, not from the engine's report.

The checks below read only sends.jsonl, contacts.jsonl, followups.jsonl and settings.json, and
re-derive every policy from first principles (zoneinfo, the holidays package), so a bug in the
engine's own policy code cannot hide itself.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from rich.console import Console

from followup.domain.rule import Rule
from followup.domain.settings import ReviewThresholds, WorkspaceSettings
from followup.services.stats import PeriodStats, RuleStats
from followup_local.cli import main
from followup_local.engine import local_engine
from followup_local.simulator import Outcome, SimulationConfig, simulate
from followup_local.simulator.funnel import demo_rules
from followup_local.simulator.report import (
    headline,
    stats_from_api,
    stats_period,
    summary,
    table,
    write_audit,
)
from tests.support.fresh import python

# Wednesday to Saturday: Christmas (an Indonesian holiday), a Saturday and the 72-hour expiry
# fall inside the run; a 150-minute tick puts sends at half past too, off the hour boundaries
# (and takes fewer ticks, which cost the run its time, than a shorter one that does).
SMALL = SimulationConfig(
    contacts=60, days=4, tick_minutes=150, seed=11, start=datetime(2026, 12, 23, tzinfo=UTC)
)
TERMINAL = {"responded", "expired", "failed", "canceled", "opted_out", "skipped"}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UNITS = {"minutes": 1, "hours": 60, "days": 1440, "weeks": 10080}
SERVICE_WINDOW = timedelta(hours=24)
COUNTRIES = {"62": "ID", "55": "BR", "351": "PT"}  # the simulated leads' calling codes


@dataclass
class Run:
    """What a simulation wrote, read back as plain data."""

    report: dict[str, Any]
    sends: list[dict[str, Any]]
    contacts: dict[str, dict[str, Any]]  # by WhatsApp id
    followups: dict[str, dict[str, Any]]  # by id
    settings: dict[str, Any]

    @property
    def accepted(self) -> list[dict[str, Any]]:
        return [send for send in self.sends if send["status"] == 200]

    def rule(self, rule_id: str) -> dict[str, Any]:
        return next(rule for rule in self.settings["rules"] if rule["id"] == rule_id)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def load(out: Path, report: dict[str, Any]) -> Run:
    contacts = {row["wa_id"]: row for row in lines(out / "contacts.jsonl")}
    followups = {row["id"]: row for row in lines(out / "followups.jsonl")}
    settings = json.loads((out / "settings.json").read_text())
    return Run(report, lines(out / "sends.jsonl"), contacts, followups, settings)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    out = tmp_path_factory.mktemp("simulation")
    outcome = simulate(SMALL)
    write_audit(outcome, out)
    return load(out, summary(outcome))


# --- the audit ------------------------------------------------------------------------------


def window_open(window: dict[str, Any], instant: datetime, zone: str, wa_id: str) -> bool:
    """Re-derived: local weekday hours, blackout days, custom dates and the public holidays
    of the lead's country (by their calling code) where the window lists it."""
    local = instant.astimezone(ZoneInfo(zone))
    day = WEEKDAYS[local.weekday()]
    if day in window["blackout_days"] or local.date().isoformat() in window["custom_holidays"]:
        return False
    home = next(name for code, name in COUNTRIES.items() if wa_id.startswith(code))
    for code in window["holiday_countries"]:
        country, _, subdivision = code.partition("-")
        if country != home:
            continue
        calendar = holidays.country_holidays(country, subdiv=subdivision or None, years=local.year)
        if local.date() in calendar:
            return False
    minute = local.hour * 60 + local.minute

    def minutes(hhmm: str) -> int:
        return int(hhmm[:2]) * 60 + int(hhmm[3:])

    hours = window["hours"].get(day, [])
    return any(minutes(r["start"]) <= minute < minutes(r["end"]) for r in hours)


def check_sends_inside_business_hours(run: Run) -> None:
    for send in run.accepted:
        rule = run.rule(run.followups[send["followup_id"]]["rule_id"])
        if rule["send_anytime"]:
            continue
        workspace = run.settings["send_window"]
        window = dict(rule["send_window"] or workspace)  # a rule's own hours keep the holidays
        for holidays_of in ("holiday_countries", "custom_holidays"):
            window[holidays_of] = [*window[holidays_of], *workspace[holidays_of]]
        wa_id = send["body"]["to"]
        zone = run.contacts[wa_id]["timezone"] or run.settings["timezone"]
        opened = window_open(window, at(send["received_at"]), zone, wa_id)
        assert opened, (rule["id"], send, zone)


def check_free_text_only_inside_24_hours(run: Run) -> None:
    for send in run.accepted:
        if send["body"]["type"] != "text":
            continue
        sent_at = at(send["received_at"])
        inbound = [at(t) for t in run.contacts[send["body"]["to"]]["inbound_at"]]
        before = [moment for moment in inbound if moment <= sent_at]
        assert before, send
        assert sent_at - max(before) < SERVICE_WINDOW, (send, max(before))


def check_nothing_after_opt_out(run: Run) -> None:
    for contact in run.contacts.values():
        if contact["opted_out_at"] is None:
            assert not contact["opted_out"]
            continue
        opted_out_at = at(contact["opted_out_at"])
        assert opted_out_at in [at(t) for t in contact["inbound_at"]], contact
        later = [
            send
            for send in run.sends
            if (send["body"] or {}).get("to") == contact["wa_id"]
            and at(send["received_at"]) >= opted_out_at
        ]
        assert later == [], contact


def check_no_double_sends(run: Run) -> None:
    sent_ids = Counter(send["followup_id"] for send in run.accepted)
    assert None not in sent_ids
    assert all(count == 1 for count in sent_ids.values()), sent_ids.most_common(3)
    assert set(sent_ids) <= set(run.followups)
    planned = Counter(
        (f["contact_id"], f["rule_id"], f["step_index"], f["repeat_index"], f["silence_key"])
        for f in run.followups.values()
    )
    assert all(count == 1 for count in planned.values()), planned.most_common(3)


def check_every_follow_up_ends_or_waits(run: Run) -> None:
    last_tick = at(run.settings["period"]["last_tick"])
    expire = run.settings["expire_after"]
    expire_after = timedelta(minutes=expire["amount"] * UNITS[expire["unit"]])
    for followup in run.followups.values():
        status = followup["status"]
        if status in TERMINAL:
            continue
        if status == "queued":
            assert at(followup["scheduled_at"]) > last_tick, followup
        else:
            assert status in ("sent", "delivered", "read"), followup
            assert at(followup["sent_at"]) > last_tick - expire_after, followup


def check_report_matches_sends(run: Run) -> None:
    per_rule = Counter(run.followups[s["followup_id"]]["rule_id"] for s in run.accepted)
    for row in run.report["rules"]:
        assert row["sent"] == per_rule[row["rule_id"]], row
    assert run.report["total"]["sent"] == len(run.accepted)


def check_inactive_rules_never_fire(run: Run) -> None:
    inactive = {rule["id"] for rule in run.settings["rules"] if not rule["active"]}
    assert inactive
    assert not [f for f in run.followups.values() if f["rule_id"] in inactive]


AUDIT = (
    check_sends_inside_business_hours,
    check_free_text_only_inside_24_hours,
    check_nothing_after_opt_out,
    check_no_double_sends,
    check_every_follow_up_ends_or_waits,
    check_report_matches_sends,
    check_inactive_rules_never_fire,
)


# --- the tests ------------------------------------------------------------------------------


def test_the_demo_workspace_uses_office_hours_and_each_lead_countrys_holidays(run: Run) -> None:
    window = run.settings["send_window"]
    weekdays = {day: [{"start": "08:00", "end": "17:00"}] for day in WEEKDAYS[:5]}
    assert window["hours"] == weekdays
    assert window["blackout_days"] == ["sat", "sun"]
    assert window["holiday_countries"] == ["ID", "BR", "PT"]
    assert len(run.settings["rules"]) >= 10


@pytest.mark.parametrize("check", AUDIT, ids=lambda check: check.__name__)
def test_the_run_passes_the_audit(run: Run, check: Any) -> None:
    check(run)


def test_the_demo_shows_sends_replies_opt_outs_and_conversions(run: Run) -> None:
    total = run.report["total"]
    assert total["sent"] > 0
    assert total["responded"] > 0
    assert total["opted_out"] > 0
    assert total["conversions"] > 0
    zones = {contact["timezone"] for contact in run.contacts.values()}
    assert {"Asia/Jakarta", "Asia/Makassar", "America/Sao_Paulo", "Europe/Lisbon"} <= zones
    # Christmas is a public holiday in every lead's country: only rules that send any time
    # may send.
    christmas = [s for s in run.accepted if s["received_at"].startswith("2026-12-25")]
    for send in christmas:
        assert run.rule(run.followups[send["followup_id"]]["rule_id"])["send_anytime"]


def test_replies_and_delivery_statuses_arrive_through_the_webhook(run: Run) -> None:
    # The simulated phones answer through the webhook, so statuses land in the history.
    seen = {change["status"] for f in run.followups.values() for change in f["history"]}
    assert {"delivered", "read", "responded", "opted_out"} <= seen


def test_the_cli_prints_a_json_report_and_writes_audit_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--contacts", "10", "--days", "1", "--tick", "150", "--seed", "3"]
    assert main(["simulate", *args, "--json", "--out", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"rules", "total", "settings", "period"} <= set(report)
    assert report["period"]["days"] == 1
    for row in report["rules"]:
        rate = row["response_rate"]
        assert 0.0 <= rate <= 1.0 if row["sent"] else rate is None
    cli_run = load(tmp_path, report)
    for check in AUDIT:
        check(cli_run)


def test_the_json_report_is_all_stdout_holds_the_engines_log_lines_going_to_stderr() -> None:
    # Given a run whose handlers log as they go (at INFO here: by default only warnings,
    # such as a rule past its opt-out threshold, which a longer run logs)
    args = ["--contacts", "5", "--days", "1", "--tick", "240", "--seed", "3", "--json"]
    # When it is run for its JSON, as a script piping it would
    cli = "import sys; from followup_local.cli import main; sys.exit(main(sys.argv[1:]))"
    run = python(cli, "simulate", *args, POWERTOOLS_LOG_LEVEL="INFO")
    # Then stdout is the report alone, and the log lines are on stderr
    assert json.loads(run.stdout)["period"]["days"] == 1
    assert '"level":"INFO"' in run.stderr


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--contacts", "0"], "--contacts"),
        (["--days", "two"], "--days"),
        (["--tick", "0"], "--tick"),
        (["--seed", "x"], "--seed"),
    ],
)
def test_invalid_arguments_exit_2_naming_the_flag(
    args: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["simulate", *args])
    assert exited.value.code == 2
    assert f"argument {flag}" in capsys.readouterr().err


def test_an_out_path_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken"
    taken.write_text("")
    with pytest.raises(SystemExit) as exited:
        main(["simulate", "--out", str(taken)])
    assert exited.value.code == 2
    assert "argument --out" in capsys.readouterr().err


def opted_out_after_a_send(run: Run) -> int:
    """Follow-ups WhatsApp accepted that the contact then answered with an opt-out."""
    return sum(
        1
        for followup in run.followups.values()
        if followup["status"] == "opted_out"
        and "sent" in {change["status"] for change in followup["history"]}
    )


def table_row_line(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if re.search(rf"^\W*{re.escape(label)} ", line))


def table_row(text: str, label: str) -> list[str]:
    return table_row_line(text, label).split()[1:]


def printed(report: dict[str, Any]) -> str:
    """The headline and the table as `followup simulate` prints them to a file or pipe."""
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(headline(report))
    console.print(table(report))
    return console.export_text()


def test_the_summary_line_and_the_table_say_what_they_count_and_agree(run: Run) -> None:
    contacts = sum(1 for contact in run.contacts.values() if contact["opted_out"])
    followups = opted_out_after_a_send(run)
    assert followups > 0  # the run has opt-outs after a send: the counts below are not zero
    text = printed(run.report)
    words = " ".join(text.split())
    assert f"{contacts} contacts opted out" in words
    assert f"{followups} sent follow-ups answered with an opt-out" in words
    sent, _, opted_out, *_ = table_row(text, "total")
    assert opted_out == str(followups)
    assert sent == str(len(run.accepted))
    assert "opted out: sent follow-ups answered with an opt-out" in words
    # Each count stays in its own words however the two compare
    apart = json.loads(json.dumps(run.report))
    apart["population"]["opted_out"] = contacts + 100
    words = " ".join(printed(apart).split())
    assert f"{contacts + 100} contacts opted out" in words
    assert f"{followups} sent follow-ups answered with an opt-out" in words


def test_the_cli_prints_the_headline_and_the_table_of_its_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--contacts", "5", "--days", "1", "--tick", "240", "--seed", "3"]
    assert main(["simulate", *args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    words = " ".join(out.split())
    cli_run = load(tmp_path, {})
    assert f"{len(cli_run.contacts)} of 5 leads in the funnel by the end" in words
    assert f"{len(cli_run.sends)} requests to WhatsApp" in words
    assert "Follow-ups per rule over 1 day from" in words
    sent, *_ = table_row(out, "total")
    assert sent == str(len(cli_run.accepted))


def rendered(outcome: Outcome) -> tuple[str, str]:
    """The table as a colour terminal shows it, and as plain text."""
    console = Console(record=True, width=200, file=io.StringIO(), color_system="standard")
    console.print(table(summary(outcome)))
    return console.export_text(styles=True, clear=False), console.export_text()


HIGH, HALF, LOW, QUIET = (body["id"] for body in demo_rules()[:4])
RULE_COUNTS = {
    HIGH: {"sent": 100, "responded": 30, "opted_out": 18},
    HALF: {"sent": 50, "responded": 25, "opted_out": 25},
    LOW: {"sent": 100, "responded": 30, "opted_out": 1},
    QUIET: {"sent": 100, "responded": 2},
}


def outcome_with(settings: WorkspaceSettings) -> Outcome:
    """A finished run whose per-rule totals are `RULE_COUNTS`."""
    start = datetime(2026, 12, 21, tzinfo=UTC)
    rules = [Rule.model_validate(body) for body in demo_rules()]
    stats = {rule_id: RuleStats(rule_id=rule_id, counts=c) for rule_id, c in RULE_COUNTS.items()}
    total = PeriodStats(counts={})
    return Outcome(
        SimulationConfig(start=start), start, start, settings, rules, stats, total, [], [], []
    )


def test_rates_past_the_review_thresholds_stand_out_in_the_table() -> None:
    styled, plain = rendered(outcome_with(WorkspaceSettings()))
    # Default thresholds: more than 2 % opt-out or less than 5 % response is marked.
    assert table_row(plain, HIGH)[-3:] == ["30.0%", "!", "18.0%"]
    assert table_row(plain, HALF)[-3:] == ["50.0%", "!", "50.0%"]
    assert table_row(plain, LOW)[-3:] == ["0", "30.0%", "1.0%"]
    assert table_row(plain, QUIET)[-3:] == ["!", "2.0%", "0.0%"]
    bold_red = "\x1b[1;31m"
    assert bold_red in table_row_line(styled, HIGH)
    assert bold_red in table_row_line(styled, HALF)
    assert bold_red not in table_row_line(styled, LOW)
    legend = "! past the review thresholds: opt-out rate above 2.0%, response rate below 5.0%"
    assert legend in " ".join(plain.split())


def test_the_table_marks_rates_against_the_workspace_thresholds() -> None:
    review = ReviewThresholds(max_opt_out_rate=0.25, min_response_rate=0.01)
    _, plain = rendered(outcome_with(WorkspaceSettings(review=review)))
    assert table_row(plain, HIGH)[-3:] == ["0", "30.0%", "18.0%"]
    assert table_row(plain, HALF)[-3:] == ["50.0%", "!", "50.0%"]
    assert table_row(plain, QUIET)[-3:] == ["0", "2.0%", "0.0%"]
    legend = "! past the review thresholds: opt-out rate above 25.0%, response rate below 1.0%"
    assert legend in " ".join(plain.split())


def test_delivered_messages_carry_their_price_by_market(run: Run) -> None:
    # The simulated phones report each delivery with the price WhatsApp names for it
    priced = [f["pricing"] for f in run.followups.values() if f.get("pricing")]
    assert priced
    assert any(pricing["cost_usd"] > 0 for pricing in priced)
    assert "indonesia" in {pricing["market"] for pricing in priced}


def test_a_year_long_run_reads_its_whole_period_from_the_stats_api() -> None:
    # Given the engine at the end of a run of the longest `--days` (365), a tick past it
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with local_engine(start) as engine:
        engine.clock.advance(timedelta(days=365, minutes=150))
        # When the report reads the stats of the run's days, as staff would
        stats, total = stats_from_api(engine, *stats_period(start, engine.clock.now()))
    # Then the admin API answers for the whole period (it takes at most 366 days): nothing
    # was sent in it
    assert stats == {}
    assert not any(total.counts.values())
