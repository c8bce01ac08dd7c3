"""The admin API against its own OpenAPI description, driven by schemathesis through the gateway.

Every operation gets generated requests, valid and invalid, as admin: none may get a
5xx, and every answer must match the documented status codes, content types and
schemas. The stateful phase then chains operations along the description's links (list
or create a rule, then read, activate, edit or delete it; create a contact, then send it
a follow-up), each chain starting from the same seeded workspace.
`positive_data_acceptance` is left out on purpose: some rules cannot be said in a
schema (an unknown stage, a 92-day queue window) and answer 422.

`make test` runs a small sample, the same one every time; `make fuzz-api` sets
API_FUZZ_EXAMPLES (examples per operation) and API_FUZZ_SCENARIOS (chains) for the full
run, drawn afresh each time. At that size schemathesis also makes "invalid" query values
that reach the server as valid ones (an empty list drops the parameter, `[true]` is
sent as `true`), so the full run leaves `negative_data_rejection` out too.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from followup.adapters.tables import TABLES
from followup.api.auth import Role
from followup.domain.rule import Rule
from followup_local.engine import LocalEngine, local_engine
from followup_local.gateway import create_app, serving
from followup_local.openapi import DOCUMENT
from followup_local.simulator.funnel import demo_rules, demo_settings
from followup_local.tokens import DevTokens
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_contact

TOKENS = DevTokens("schema-test-signing-key-of-32-bytes")
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "40"))
SCENARIOS = int(os.environ.get("API_FUZZ_SCENARIOS", "15"))
SAMPLE = "API_FUZZ_EXAMPLES" not in os.environ
EXCLUDED = [positive_data_acceptance] + ([] if SAMPLE else [negative_data_rejection])


REJECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
"""What answers an invalid request (with a 5xx, which another check fails): schemathesis's
own list, and 413 for a body larger than its route takes (a string far past its
`maxLength` may make one), refused before it is read."""

schema = schemathesis.openapi.from_dict(
    json.loads(DOCUMENT.read_text()),
    config=SchemathesisConfig.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": [*REJECTED, "5xx"]}}}
    ),
)


@schema.hook
def filter_query(ctx: Any, query: dict[str, Any] | None) -> bool:
    """Only queries that reach the server as generated: a parameter whose value is an
    empty list or nothing is dropped on the way, so an "invalid" extra one would arrive
    as a valid request."""
    return query is None or all(value not in ([], {}, None) for value in query.values())


def seed(engine: LocalEngine) -> None:
    """The demo settings and rules and a few quiet leads, so listings hand out real ids."""
    deps = engine.deps
    deps.rules.save_settings(demo_settings())
    for body in demo_rules():
        deps.rules.save_rule(Rule.model_validate(body))
    deps.catalog.invalidate()
    for n in range(5):
        quiet_contact(deps, f"62811000070{n}", engine.clock.now() - timedelta(hours=30))


def reset(engine: LocalEngine) -> None:
    """Every table emptied and seeded again: each chain sees the same workspace (and a
    fresh cache, which would otherwise keep rule versions the reset took away)."""
    for model in TABLES.values():
        with model.batch_write() as batch:
            for item in model.scan():
                batch.delete(item)
    engine.deps.start_cold()
    seed(engine)


@pytest.fixture(scope="module")
def workspace() -> Iterator[LocalEngine]:
    with local_engine(TUESDAY_9AM_JAKARTA) as engine:
        seed(engine)
        yield engine


@pytest.fixture(scope="module")
def gateway(workspace: LocalEngine) -> Iterator[str]:
    """The local gateway on 127.0.0.1 in front of the module's engine."""
    with serving(create_app(workspace.invoke, TOKENS)) as base_url:
        yield base_url


def _admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS.issue(Role.ADMIN)}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=SAMPLE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented_and_never_with_a_5xx(
    case: Any, gateway: str
) -> None:
    case.call_and_validate(base_url=gateway, headers=_admin(), excluded_checks=EXCLUDED)


def test_chained_operations_answer_as_documented_and_never_with_a_5xx(
    workspace: LocalEngine, gateway: str
) -> None:
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]  # built at run time
        def setup(self) -> None:
            reset(workspace)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": gateway, "headers": _admin()}

        def validate_response(self, response: Any, case: Any, *_: Any, **kwargs: Any) -> None:
            case.validate_response(
                response,
                excluded_checks=EXCLUDED,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=settings(
            max_examples=SCENARIOS,
            derandomize=SAMPLE,
            stateful_step_count=8,
            phases=[Phase.generate],
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
