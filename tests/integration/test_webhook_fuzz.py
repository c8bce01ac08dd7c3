"""Random and mutated envelopes: never a 5xx for bad input, never a partial write."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
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


def text_with(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """The sample text delivery with one field made hostile."""
    document: dict[str, Any] = json.loads((EVENTS / "whatsapp" / "text.json").read_text())
    change(document["entry"][0]["changes"][0]["value"])
    return document


def _message(value: dict[str, Any]) -> dict[str, Any]:
    message: dict[str, Any] = value["messages"][0]
    return message


HOSTILE: dict[str, Callable[[dict[str, Any]], None]] = {
    "timestamp 10**20": lambda v: _message(v).update(timestamp=str(10**20)),
    "timestamp 10**20 as a number": lambda v: _message(v).update(timestamp=10**20),
    "timestamp in milliseconds": lambda v: _message(v).update(timestamp="1795485600000"),
    "negative timestamp": lambda v: _message(v).update(timestamp="-5"),
    "lone surrogate in the text": lambda v: _message(v)["text"].update(body="hi \ud800"),
    "lone surrogate in the name": lambda v: v["contacts"][0]["profile"].update(name="\udfff"),
    "lone surrogate in the sender": lambda v: _message(v).update(**{"from": "62811\ud800"}),
    "3,000-character message id": lambda v: _message(v).update(id="w" * 3000),
    "3,000-character sender": lambda v: _message(v).update(**{"from": "6" * 3000}),
    "3,000-character user id": lambda v: _message(v).update(user_id="u" * 3000),
    "250-emoji message id": lambda v: _message(v).update(id="\U0001f600" * 250),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_values_are_400_and_write_nothing(
    running: tuple[LocalEngine, Any], name: str
) -> None:
    engine, client = running
    before = snapshot(client)
    response = post(engine, json.dumps(text_with(HOSTILE[name])))
    assert response["statusCode"] == 400, response
    assert snapshot(client) == before


def test_a_status_with_a_3000_character_id_is_400(running: tuple[LocalEngine, Any]) -> None:
    engine, client = running
    document = json.loads((EVENTS / "whatsapp" / "status-read.json").read_text())
    document["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = "w" * 3000
    before = snapshot(client)
    assert post(engine, json.dumps(document))["statusCode"] == 400
    assert snapshot(client) == before


def test_json_nested_1000_deep_is_400(running: tuple[LocalEngine, Any]) -> None:
    engine, client = running
    before = snapshot(client)
    for deep in ("[" * 1000 + "]" * 1000, "[" * 100_000 + "]" * 100_000):
        assert post(engine, deep)["statusCode"] == 400
    nested = '{"n": ' * 1000 + '"x"' + "}" * 1000
    text = (EVENTS / "whatsapp" / "text.json").read_text()
    document = text.replace('"text": {', f'"text": {{"extra": {nested},', 1)
    response = post(engine, document)
    assert response["statusCode"] == 400
    assert "deep" in response["body"]
    assert snapshot(client) == before
