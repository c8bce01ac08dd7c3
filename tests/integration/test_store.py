"""The DynamoDB store's guarantees beyond the contract every Store keeps (tests/contract)."""

from __future__ import annotations

import boto3

from followup.adapters.tables import MESSAGE_RETENTION, MessageItem
from followup.domain.contact import Speaker
from followup.domain.conversation import Direction, Message
from followup_local.engine import LocalEngine


def test_conversation_lines_expire_by_ttl_after_the_retention(engine: LocalEngine) -> None:
    at = engine.clock.now()
    line = Message(
        id="wamid.1", contact_id="ct_1", at=at, direction=Direction.INBOUND, speaker=Speaker.CONTACT
    )
    assert engine.deps.contacts.add_message(line)
    [item] = MessageItem.query("ct_1")
    assert item.expires_at == at + MESSAGE_RETENTION
    ttl = boto3.client("dynamodb", region_name=engine.config.aws_region).describe_time_to_live(
        TableName="followup-messages"
    )["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
