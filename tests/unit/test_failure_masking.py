"""An error as the functions' logs and Lambda write it: its kind and frames as they are, its
message and notes, and each cause's, without a lead's number or address."""

from __future__ import annotations

import json
import traceback

import pytest

from followup.domain.errors import NotFound
from followup.wiring import logs
from followup.wiring.logs import Failure, masked_failures, masked_traceback

WA_ID = "6281100005019"
ADDRESS = "budi@example.com"
NUMBER = "+62 811-0000-5019"
LEAD_NOTE = f"while sending to {NUMBER} ({ADDRESS})"
MASKED_NOTE = "while sending to ****5019 (b****@example.com)"
HARMLESS_NOTE = "template promo_2 in pt_BR, tried 3 times"


def find_lead(wa_id: str) -> None:
    raise NotFound("contact", wa_id)


def test_a_failure_naming_a_number_still_fails_with_the_number_masked() -> None:
    # Given a handler failing on a lead it names by number
    handler = masked_failures(find_lead)
    # When it runs, it still fails: its kind and message masked, over the frames it went through
    with pytest.raises(Failure) as failed:
        handler(WA_ID)
    assert str(failed.value) == "NotFound: contact '****5019' not found"
    frames = traceback.extract_tb(failed.value.__traceback__)
    assert frames[-1].name == "find_lead"
    assert failed.value.__cause__ is None
    assert failed.value.__suppress_context__


def test_a_failure_with_nothing_to_mask_escapes_as_it_is() -> None:
    handler = masked_failures(find_lead)
    with pytest.raises(NotFound, match="contact 'ct_3f2a' not found"):
        handler("ct_3f2a")


def test_a_traceback_shows_each_cause_masked_after_its_frames() -> None:
    # Given an error raised from one naming a lead by number and address
    try:
        try:
            find_lead(WA_ID)
        except NotFound as missing:
            raise LookupError(f"no lead at {ADDRESS}") from missing
    except LookupError as failed:
        written = masked_traceback(failed)
    # Then both are written as Python writes them, cause first, each message masked
    assert written.startswith("Traceback (most recent call last):\n")
    assert "in find_lead\n" in written
    assert "NotFound: contact '****5019' not found\n" in written
    assert "The above exception was the direct cause of the following exception:" in written
    assert written.endswith("LookupError: no lead at b****@example.com")
    assert WA_ID not in written
    assert ADDRESS not in written


def send_noted(note: str) -> None:
    """Fails as a library does that notes what it was doing (PEP 678 `add_note`)."""
    try:
        raise TimeoutError("read timed out")
    except TimeoutError as failed:
        failed.add_note(note)
        raise


def send_logged(cause_note: str, *notes: str) -> None:
    """A handler's use case failing on a send, the error and its cause noted, and logging it
    with the function's logger as it goes."""
    try:
        try:
            send_noted(cause_note)
        except TimeoutError as timed_out:
            raise LookupError("contact 'ct_3f2a' not reached") from timed_out
    except LookupError as failed:
        for note in notes:
            failed.add_note(note)
        logs.logger("sender").warning("follow-up failed", exc_info=failed)
        raise


def test_a_note_naming_a_lead_is_written_and_fails_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a handler failing with notes on its error and on its cause, naming a lead by
    # number and address, next to a note that names no one
    handler = masked_failures(send_logged)
    # When it runs, it still fails, and logs the error through the function's logger
    with pytest.raises(Failure) as failed:
        handler(LEAD_NOTE, LEAD_NOTE, HARMLESS_NOTE)
    [record] = [r for r in caplog.records if r.name == "sender"]
    written = logs.logger("sender").registered_formatter.format(record)
    line = json.loads(written)
    # Then the log line shows each note under its error, masked, the harmless one as it is
    assert line["exception_notes"] == [MASKED_NOTE, HARMLESS_NOTE]
    assert f"TimeoutError: read timed out\n{MASKED_NOTE}\n" in line["exception"]
    assert line["exception"].endswith(
        f"LookupError: contact 'ct_3f2a' not reached\n{MASKED_NOTE}\n{HARMLESS_NOTE}"
    )
    # And the error Lambda writes keeps its notes, masked alike
    escaped = "".join(traceback.format_exception(failed.value))
    assert failed.value.__notes__ == [MASKED_NOTE, HARMLESS_NOTE]
    assert f"{MASKED_NOTE}\n{HARMLESS_NOTE}" in escaped
    assert str(failed.value) == "LookupError: contact 'ct_3f2a' not reached"
    # And neither shows the lead's number or address
    for text in (written, escaped):
        assert "811-0000-5019" not in text
        assert WA_ID not in text
        assert ADDRESS not in text


def test_a_failure_whose_cause_alone_notes_a_lead_fails_masked() -> None:
    # Given a handler whose error's message and note name no one, but its cause's note does
    handler = masked_failures(send_logged)
    # When it fails, the error Lambda writes keeps the harmless note, never the lead's
    with pytest.raises(Failure) as failed:
        handler(LEAD_NOTE, HARMLESS_NOTE)
    escaped = "".join(traceback.format_exception(failed.value))
    assert failed.value.__notes__ == [HARMLESS_NOTE]
    assert "811-0000-5019" not in escaped
    assert ADDRESS not in escaped


def test_a_failure_with_harmless_notes_escapes_as_it_is() -> None:
    handler = masked_failures(send_noted)
    with pytest.raises(TimeoutError, match="read timed out") as failed:
        handler(HARMLESS_NOTE)
    assert failed.value.__notes__ == [HARMLESS_NOTE]
