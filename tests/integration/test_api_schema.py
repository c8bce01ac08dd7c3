"""The admin API against its own OpenAPI description, driven by schemathesis through the gateway.

Every operation gets generated requests, valid and invalid, as admin: none may get a
5xx, and every answer must match the documented status codes, content types and
schemas. `positive_data_acceptance` is left out on purpose: some rules cannot be
said in a schema (an unknown stage, a 92-day queue window) and answer 422.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from followup.api.auth import Role
from followup_local.engine import local_engine
from followup_local.gateway import create_app, serving
from followup_local.openapi import DOCUMENT
from followup_local.tokens import DevTokens
from tests.integration.conftest import TUESDAY_9AM_JAKARTA

TOKENS = DevTokens("schema-test-signing-key-of-32-bytes")


schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text()))


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    """One engine for the module, behind the local gateway on 127.0.0.1."""
    with (
        local_engine(TUESDAY_9AM_JAKARTA) as engine,
        serving(create_app(engine.invoke, TOKENS)) as base_url,
    ):
        yield base_url


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented_and_never_with_a_5xx(
    case: Any, gateway: str
) -> None:
    token = TOKENS.issue(Role.ADMIN)
    case.call_and_validate(
        base_url=gateway,
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance],
    )
