"""Each function is told every setting its use cases read in AWS.

Every `Config` default works locally (and so on moto), so a setting the stack never sets
on a function would silently take its local default in production: an empty queue URL,
the one made-up number `360dialog` instead of the numbers in the secret, a rate of 80.
The table below is read from each handler's use cases (functions/<name>/handler.py →
services → the adapters `followup.wiring.runtime` builds for what they call).
"""

from __future__ import annotations

import pytest

from followup.wiring.config import Config
from tests.infra.conftest import SENDER, Synth

EVERYWHERE = {"FOLLOWUP_TABLE_PREFIX"}
"""Every function that reads or writes a table binds the tables by their prefix."""
SECRET = "FOLLOWUP_SECRETS_NAME"
"""The provider keys, the webhook and signing secrets, and the sending numbers
(`D360_NUMBERS`, `D360_PHONE_NUMBER_ID`, `D360_NUMBER`) are read from the secret."""

READS: dict[str, set[str]] = {
    # the planning horizon; the numbers a rule may send from; the template catalogue from
    # 360dialog with the number's key; notifications signed with the secret's key and put on
    # the bus
    "enqueue": EVERYWHERE
    | {"FOLLOWUP_TICK_MINUTES", SECRET, "D360_BASE_URL", "FOLLOWUP_EVENT_BUS_NAME"},
    # the horizon; the queue; each configured number's lane, pause and warm-up
    "dispatch": EVERYWHERE | {"FOLLOWUP_TICK_MINUTES", "FOLLOWUP_SEND_QUEUE_URL", SECRET},
    "expire": EVERYWHERE,
    # keys and numbers, 360dialog, the pace and threads, retries back on the queue, the
    # unsubscribe links of emails
    "sender": EVERYWHERE
    | {
        SECRET,
        "FOLLOWUP_SEND_QUEUE_URL",
        "D360_BASE_URL",
        "FOLLOWUP_SEND_CONCURRENCY",
        "FOLLOWUP_SENDS_PER_SECOND",
        "PUBLIC_API_URL",
    },
    # the path and header secrets, the numbers reports name, the AI key for intents; a
    # contact's silence it moves enrolls by the horizon
    "webhook": EVERYWHERE | {"FOLLOWUP_TICK_MINUTES", SECRET, "WEBHOOK_HEADER_NAME"},
    # send-now and released holds go on the queue; the unsubscribe key; the numbers and
    # each one's rate (`GET /api/numbers`); the template catalogue from 360dialog
    "api": EVERYWHERE
    | {
        "FOLLOWUP_TICK_MINUTES",
        "FOLLOWUP_SEND_QUEUE_URL",
        SECRET,
        "D360_BASE_URL",
        "FOLLOWUP_SENDS_PER_SECOND",
    },
    # a stage change or an event enrolls contacts, by the horizon, in rules that may be
    # limited to some numbers
    "bus_events": EVERYWHERE | {"FOLLOWUP_TICK_MINUTES", SECRET},
    "stats": EVERYWHERE,
    "realtime": EVERYWHERE | {"WEBSOCKET_CALLBACK_URL"},
    "broadcaster": EVERYWHERE | {"WEBSOCKET_CALLBACK_URL"},
    "ws_authorizer": {"COGNITO_ISSUER", "COGNITO_CLIENT_ID"},
}


def test_the_table_names_every_function_and_only_settings_the_code_reads() -> None:
    aliases = {field.validation_alias for field in Config.model_fields.values()}
    for name, needed in READS.items():
        assert needed <= aliases, f"{name}: {sorted(needed - aliases)} are no Config settings"


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_function_is_told_every_setting_its_use_cases_read(
    stage: str, request: pytest.FixtureRequest
) -> None:
    s: Synth = request.getfixturevalue(stage)
    told = s.environments()
    assert set(told) == set(READS)
    missing = {
        f"{name} is not told {variable}: in AWS it would take the local default"
        for name, needed in READS.items()
        for variable in sorted(needed - set(told[name]))
    }
    assert not missing, "\n".join(sorted(missing))


def test_every_function_told_the_numbers_rate_is_told_the_deployments(prod: Synth) -> None:
    told = prod.environments()
    rates = {
        name: variables["FOLLOWUP_SENDS_PER_SECOND"]
        for name, variables in told.items()
        if "FOLLOWUP_SENDS_PER_SECOND" in variables
    }
    assert rates == {"sender": "1000", "api": "1000"}


def test_every_function_judging_whether_email_reaches_a_lead_is_told_the_identity(
    with_email: Synth,
) -> None:
    # Given a deployment that emails from an SES identity
    told = with_email.environments()
    # Then the sender knows email is set up, and so do the webhook (a STOP on WhatsApp
    # alone leaves a queued step to its email fallback only while email may reach the
    # lead) and the API (a rule's preview and mass-send check count the leads email
    # reaches); only the sender may send from it (test_stack)
    knowing = {name for name, variables in told.items() if variables.get("EMAIL_FROM") == SENDER}
    assert knowing == {"sender", "webhook", "api"}
