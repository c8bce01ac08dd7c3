"""The stores under contract, each fresh: in memory, and DynamoDB on moto in-process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import boto3

from followup.adapters import tables
from followup.adapters.dynamo import DynamoStore
from followup_local.engine import REGION, tune_moto


@contextmanager
def dynamo_store() -> Iterator[DynamoStore]:
    """A DynamoStore on empty tables created from the same definitions as the CDK app's."""
    from moto import mock_aws

    tune_moto()
    with mock_aws():
        tables.bind("followup-", REGION)
        tables.create_tables(boto3.client("dynamodb", region_name=REGION))
        yield DynamoStore()
