"""The command line refuses, naming the flag, what would otherwise end in a traceback or
start a stack that fails later."""

from __future__ import annotations

from pathlib import Path

import pytest

from followup_local import cli


@pytest.mark.parametrize("instant", ["9999-12-31T23:59:00+00:00", "0226-11-29T21:00:00+07:00"])
def test_a_clock_outside_the_years_the_engine_handles_is_refused(
    instant: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.parser().parse_args(["dev", "--clock", instant])
    assert exited.value.code == 2
    said = capsys.readouterr().err
    assert "--clock" in said
    assert "2000 to 2999" in said


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
