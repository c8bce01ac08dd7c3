"""A function that fails on a lead stored with bad data logs (to CloudWatch) what failed and
where, never the lead's phone number or e-mail address: the error names what was read, its
field and what is wrong, over the frames it was raised through."""

from __future__ import annotations

import importlib
import logging
import re
from datetime import timedelta

import pytest
from pydantic import ValidationError

from followup.domain.followup import Status
from followup_local import envelopes
from followup_local.engine import LambdaContext, LocalEngine, sqs_event
from tests.support.builders import quiet_contact, rule
from tests.support.fresh import python
from tests.support.logs import (
    ADDRESS,
    engine_logged,
    lambda_error,
    logged,
    stored_with_bad_data,
)
from tests.support.webhook import post

WA_ID = "6281100005019"
OTHER_WA_ID = "6281100005020"
PROBLEM = "Contact.attributes.reach: Input should be a valid string"


def test_a_webhook_failing_on_a_lead_s_bad_data_logs_the_field_not_the_number(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a lead stored with bad data
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - timedelta(hours=25))
    stored_with_bad_data(engine, lead)
    # When the lead writes again
    delivery = envelopes.text_message(WA_ID, "halo", engine.clock.now(), "wamid.BAD1")
    response = post(engine, delivery)
    # Then the delivery is answered 500, so WhatsApp delivers it again
    assert response["statusCode"] == 500
    # And the log names the field and what is wrong, and where it failed
    written, [line] = logged(caplog, "webhook", "webhook failed; the provider will deliver again")
    assert PROBLEM in line["exception"]
    assert PROBLEM in line["stack_trace"]["value"]
    assert line["stack_trace"]["frames"][0]["function"] == "handler"
    assert line["exception"].startswith("Traceback (most recent call last):")
    # And never the lead's number or address
    assert "811-0000-5019" not in written
    assert ADDRESS not in written


def test_a_send_failing_on_a_lead_s_bad_data_fails_without_the_number(
    engine: LocalEngine,
) -> None:
    # Given a follow-up handed to the sender for a lead stored with bad data since
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    stored_with_bad_data(engine, lead)
    received = engine.sqs.receive_message(QueueUrl=engine.queue_url, MaxNumberOfMessages=10)
    event = sqs_event(received["Messages"], engine.queue_url)
    sender = importlib.import_module("functions.sender.handler")
    # When the sender takes the batch, it still fails, so SQS hands the record over again
    try:
        with pytest.raises(Exception, match=re.escape(PROBLEM)) as failed:
            sender.handler(event, LambdaContext("sender"))
    finally:
        sender.metrics.clear_metrics()
    # Then what Lambda writes of the failure names the field and what is wrong, and where
    written = lambda_error(failed.value)
    assert "in _send_claimed" in written
    # And never the lead's number or address
    assert "811-0000-5019" not in written
    assert ADDRESS not in written


def test_one_send_of_a_batch_failing_on_a_lead_s_bad_data_is_logged_without_the_number(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a batch of two follow-ups handed to the sender, one for a lead stored with bad
    # data since
    engine.deps.rules.save_rule(rule())
    quiet_since = engine.clock.now() - timedelta(hours=25)
    lead = quiet_contact(engine.deps, WA_ID, quiet_since)
    other = quiet_contact(engine.deps, OTHER_WA_ID, quiet_since)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    stored_with_bad_data(engine, lead)
    [failing] = engine.deps.followups.followups_of(lead.id)
    received = engine.sqs.receive_message(
        QueueUrl=engine.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    )
    [message] = [m for m in received["Messages"] if failing.id in m["Body"]]
    sender = importlib.import_module("functions.sender.handler")
    # When the sender takes the batch
    try:
        response = sender.handler(
            sqs_event(received["Messages"], engine.queue_url), LambdaContext("sender")
        )
        counted = {name: sum(m["Value"]) for name, m in sender.metrics.metric_set.items()}
    finally:
        sender.metrics.clear_metrics()
    # Then only that lead's record is handed back to SQS, and the other lead's is sent
    assert response == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    [sent] = engine.deps.followups.followups_of(other.id)
    assert sent.status is Status.SENT
    assert counted["send_record_failed"] == 1
    # And one line names the follow-up, its message and receive, the field and what is wrong
    written, [line] = logged(caplog, "sender", "follow-up failed; SQS hands it over again")
    assert (line["level"], line["followup_id"]) == ("WARNING", failing.id)
    assert (line["message_id"], line["receive_count"]) == (message["MessageId"], 1)
    assert line["exception"].endswith(f"ValidationError: {PROBLEM}")
    assert "in _send_claimed" in line["exception"]
    # And never the lead's number or address
    assert "811-0000-5019" not in written
    assert ADDRESS not in written


def test_an_error_the_engine_logs_on_its_own_is_written_without_the_number(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a lead stored with bad data, and a function loaded
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - timedelta(hours=25))
    stored_with_bad_data(engine, lead)
    importlib.import_module("functions.webhook.handler")
    # When a use case fails to read them and logs the error with its own logger
    with pytest.raises(ValidationError) as failed:
        engine.deps.contacts.contact(lead.id)
    service = logging.getLogger("followup.services.inbound")
    service.error("the rules could not read a reply", exc_info=failed.value)
    # Then its line names the field and what is wrong, and where it failed
    written, [line] = engine_logged(caplog, "the rules could not read a reply")
    assert line["exception"].endswith(f"ValidationError: {PROBLEM}")
    assert line["stack_trace"]["frames"][-1]["function"] == "model_validate_json"
    # And never the lead's number or address
    assert "811-0000-5019" not in written
    assert ADDRESS not in written


FAILING_TICK = """
from functions.expire.handler import handler
class Context:
    function_name, memory_limit_in_mb, aws_request_id = "expire", 512, "r1"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:expire"
try:
    handler({"time": "yesterday"}, Context())
except Exception as failed:
    print(type(failed).__name__)
"""


def test_a_function_that_fails_before_it_counts_anything_writes_no_warning_about_metrics() -> None:
    # Given a fresh container, as Lambda starts one, and a tick whose event holds no time
    # When the function fails on it, before it counts anything
    done = python(FAILING_TICK)
    # Then the failure escapes (masked: its message quotes the event), for Lambda to count
    assert done.stdout.split() == ["Failure"]
    # And what it writes holds no warning of an empty flush of metrics
    assert "metrics" not in done.stderr
