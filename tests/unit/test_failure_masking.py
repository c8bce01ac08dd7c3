"""An error as the functions' logs and Lambda write it: its kind and frames as they are, its
message, and each cause's, without a lead's number or address."""

from __future__ import annotations

import traceback

import pytest

from followup.domain.errors import NotFound
from followup.wiring.logs import Failure, masked_failures, masked_traceback

WA_ID = "6281100005019"
ADDRESS = "budi@example.com"


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
