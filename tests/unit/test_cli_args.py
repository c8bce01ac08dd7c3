"""The command line refuses, naming the flag, what would otherwise end in a traceback or
start a stack that fails later."""

from __future__ import annotations

from pathlib import Path

import pytest

from followup_local import cli


@pytest.mark.parametrize(
    "instant",
    [
        "9999-12-31T23:59:00+00:00",
        "0226-11-29T21:00:00+07:00",
        "2100-01-01T08:00:00+07:00",
        # the last evening of 2099 in New York is 2100 already where the webhook reads it
        "2099-12-31T23:30:00-05:00",
    ],
)
def test_a_clock_outside_the_years_the_engine_and_its_webhook_handle_is_refused(
    instant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.parser().parse_args(["dev", "--clock", instant])
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert "--clock" in said
    assert "2000 to 2099" in said


def test_a_clock_in_the_last_year_the_webhook_takes_is_accepted() -> None:
    flags = cli.parser().parse_args(["dev", "--clock", "2099-12-31T08:00:00+07:00"])
    assert flags.clock.year == 2099


def test_a_state_dir_that_is_a_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    with pytest.raises(SystemExit) as exited:
        cli.main(["dev-token", "--role", "admin", "--state-dir", str(notes)])
    assert exited.value.code == 2
    assert "--state-dir" in capsys.readouterr().err
    assert notes.read_text() == "x"


def test_a_simulation_out_path_under_a_file_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given --out inside a path whose parent is a file (a typo, or a file of that name)
    taken = tmp_path / "taken"
    taken.write_text("")
    # When the flags are read, then it is refused naming the flag, before any simulation
    # runs to lose its report at the end
    with pytest.raises(SystemExit) as exited:
        cli.parser().parse_args(["simulate", "--out", str(taken / "run")])
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert "argument --out" in said
    assert "cannot be made a directory" in said
    assert taken.read_text() == ""


@pytest.mark.parametrize("start", ["9999-12-30", "2997-12-31", "1900-01-01"])
def test_a_simulation_start_outside_the_years_the_engine_handles_is_refused(
    start: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a first day the engine cannot hold the run around, or whose replies and
    # statuses the webhook would refuse as past its latest time (2100)
    # When the flags are read, then it is refused naming the flag and the years it may take
    with pytest.raises(SystemExit) as exited:
        cli.parser().parse_args(["simulate", "--start", start])
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert "argument --start" in said
    assert "2001 to 2097" in said
