"""What a Lambda function logged, as Powertools writes it to CloudWatch."""

from __future__ import annotations

import importlib
import json
import logging
import traceback
import warnings
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.services.ports import ContactChange
from followup_local.engine import LocalEngine

NUMBER = "+62 811-0000-5019"
ADDRESS = "budi@example.com"
"""What a lead stored with bad data holds in it: what no log line may show."""


def logged(
    caplog: pytest.LogCaptureFixture, function: str, message: str
) -> tuple[str, list[dict[str, Any]]]:
    """Every line `function` logged, as written, and those saying `message`, read."""
    handler = importlib.import_module(f"functions.{function}.handler")
    formatter = handler.logger.registered_formatter
    written = [formatter.format(r) for r in caplog.records if r.name == function]
    lines = [json.loads(line) for line in written]
    return "\n".join(written), [line for line in lines if line["message"] == message]


def engine_logged(
    caplog: pytest.LogCaptureFixture, message: str
) -> tuple[str, list[dict[str, Any]]]:
    """Every line the engine's own loggers (`logging.getLogger(__name__)` in the services and
    adapters) logged saying `message`, as written, and read."""
    [handler] = logging.getLogger("followup").handlers
    written = [handler.format(r) for r in caplog.records if r.getMessage() == message]
    return "\n".join(written), [json.loads(line) for line in written]


def lambda_error(failed: BaseException) -> str:
    """What Lambda writes of an error escaping a handler (and hands to SQS, Step Functions
    and X-Ray): its kind, its message and the frames it was raised through."""
    frames = "".join(traceback.format_list(traceback.extract_tb(failed.__traceback__)))
    said = f"[ERROR] {type(failed).__name__}: {failed}"
    return f"{said}\nTraceback (most recent call last):\n{frames}"


def stored_with_bad_data(engine: LocalEngine, lead: Contact) -> None:
    """`lead` as a CRM sync stored them: a list where an attribute's text goes, holding the
    lead's number and e-mail address (NUMBER, ADDRESS)."""
    stored = engine.deps.contacts.contact(lead.id)
    assert stored is not None
    bad = lead.model_copy(update={"attributes": {"reach": [NUMBER, ADDRESS]}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydantic warns of the list it writes as it is
        engine.deps.commit([ContactChange(bad, stored.revision)], engine.clock.now())
