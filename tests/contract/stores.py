"""The DynamoDB store under contract: moto in-process, tables from the CDK app's definitions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import boto3

from followup.adapters import tables
from followup.adapters.dynamo import DynamoStore
from followup_local.engine import REGION, tune_moto


@contextmanager
def dynamo_tables() -> Iterator[None]:
    """Moto in-process with every table created (once: creating them costs most of a test)."""
    from moto import mock_aws

    tune_moto()
    with mock_aws():
        tables.bind("followup-", REGION)
        tables.create_tables(boto3.client("dynamodb", region_name=REGION))
        yield


def empty_dynamo_store() -> DynamoStore:
    """A DynamoStore on the tables `dynamo_tables` made, every item deleted first."""
    client = boto3.client("dynamodb", region_name=REGION)
    for model in tables.TABLES.values():
        spec = tables.table_spec(model)
        keys = [key["AttributeName"] for key in spec["KeySchema"]]
        for page in client.get_paginator("scan").paginate(TableName=spec["TableName"]):
            for item in page["Items"]:
                key = {name: item[name] for name in keys}
                client.delete_item(TableName=spec["TableName"], Key=key)
    return DynamoStore()


@contextmanager
def dynamo_store() -> Iterator[DynamoStore]:
    """A DynamoStore on tables of its own."""
    with dynamo_tables():
        yield DynamoStore()
