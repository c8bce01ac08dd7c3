"""Random and mutated envelopes: never a 5xx for bad input, never a partial write."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.adapters.tables import TABLES
from followup_local.engine import LocalEngine, local_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.events import EVENTS
from tests.support.webhook import post

SAMPLES = [json.loads(path.read_text()) for path in sorted((EVENTS / "whatsapp").glob("*.json"))]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path inside a JSON document."""
    found = [prefix] if prefix else []
    if isinstance(document, dict):
        for key, value in document.items():
            found += paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    document = copy.deepcopy(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = paths(document)
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON)
    return document


def snapshot(client: Any) -> dict[str, list[Any]]:
    """Everything stored, table by table."""
    return {
        model.Meta.table_name: sorted(
            json.dumps(item, sort_keys=True)
            for item in client.scan(TableName=model.Meta.table_name)["Items"]
        )
        for model in TABLES.values()
    }


def check(engine: LocalEngine, client: Any, body: Any) -> None:
    before = snapshot(client)
    response = post(engine, body if isinstance(body, str | bytes) else json.dumps(body))
    assert response["statusCode"] < 500, response
    if response["statusCode"] >= 400:
        assert snapshot(client) == before


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[LocalEngine, Any]]:
    """One engine for all examples: each example compares the store before and after."""
    with local_engine(TUESDAY_9AM_JAKARTA) as engine:
        yield engine, boto3.client("dynamodb", region_name="us-east-1")


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(body=mutated() | JSON | st.text(max_size=40))
def test_mutated_and_random_envelopes_never_5xx_nor_half_write(
    running: tuple[LocalEngine, Any], body: Any
) -> None:
    engine, client = running
    check(engine, client, body)
