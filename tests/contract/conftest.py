"""The contract suite runs every test against each Store: in memory and on DynamoDB (moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pynamodb.exceptions import PynamoDBException

from followup.adapters.connections import Connections
from followup.adapters.memory import MemoryStore, Refused
from tests.contract.stores import dynamo_tables, empty_dynamo_store


@pytest.fixture(scope="module")
def tables_on_moto() -> Iterator[None]:
    with dynamo_tables():
        yield


@pytest.fixture(params=["memory", "dynamo"])
def store(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return MemoryStore()
    request.getfixturevalue("tables_on_moto")
    return empty_dynamo_store()


@pytest.fixture
def connections(store: Any) -> Any:
    """The WebSocket connection registry beside `store` (the same object in memory)."""
    return store if isinstance(store, MemoryStore) else Connections()


@pytest.fixture
def refused(store: Any) -> type[Exception]:
    """What the store raises for a request DynamoDB refuses outright (not a lost condition)."""
    return Refused if isinstance(store, MemoryStore) else PynamoDBException
