"""A rule skipped for a lead stored with bad data is logged (to CloudWatch), reported and
shown on the rule without the lead's phone number or e-mail address: the error names what
was read, its field and what is wrong."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.logs import ADDRESS, logged, stored_with_bad_data

EXPECTED = "ValidationError: Contact.attributes.reach: Input should be a valid string"


def test_a_lead_stored_with_bad_data_is_not_in_the_rule_s_error(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an idle rule, and a quiet lead stored by a CRM sync with a list where an
    # attribute's text goes: the lead's number and e-mail address
    engine.deps.rules.save_rule(rule("welcome"))
    lead = quiet_contact(engine.deps, "6281100005019", engine.clock.now() - timedelta(hours=25))
    stored_with_bad_data(engine, lead)

    # When the engine ticks and the rule reads the lead
    report = engine.tick()["enqueue"]

    # Then the rule is skipped, and its log line, the tick's report and the error the rule
    # shows name the field and what is wrong with it
    written, [line] = logged(caplog, "enqueue", "rule skipped this tick")
    assert line["rule_id"] == "welcome"
    assert line["error"] == EXPECTED
    assert report["failed_rules"] == {"welcome": EXPECTED}
    status, shown = call(engine, "GET", "/api/rules/welcome", role="counselor")
    assert status == 200
    assert shown["last_error"]["message"] == EXPECTED
    # And none of them holds the lead's number or address
    for text in (written, json.dumps(report), json.dumps(shown)):
        assert "811-0000-5019" not in text
        assert ADDRESS not in text
