"""The DynamoDB store's guarantees beyond the contract every Store keeps (tests/contract)."""

from __future__ import annotations

from datetime import timedelta

import boto3

from followup.adapters.tables import MESSAGE_RETENTION, FollowUpItem, MessageItem
from followup.domain.contact import Speaker
from followup.domain.conversation import Direction, Message
from followup.domain.followup import Status
from followup.services.ports import FollowUpChange
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule


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


def test_follow_ups_stored_whole_by_earlier_versions_read_the_same(engine: LocalEngine) -> None:
    """Items written before the compact document (the whole model in `doc`) still read."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000501", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [sent] = engine.deps.followups.followups_of(lead.id)
    item = FollowUpItem.get(sent.id)
    item.doc = sent.model_dump_json()
    item.save()
    assert engine.deps.followups.followup(sent.id) == sent
    assert engine.deps.followups.followups_of(lead.id) == [sent]
    wamid, now = sent.provider_message_id or "", engine.clock.now()
    read = envelopes.status(wamid, "read", now, lead.wa_id or "", sent.id)
    assert engine.deliver(read) == 200
    found = engine.deps.followups.followup(sent.id)
    assert found is not None
    assert found.status is Status.READ
    assert found.model_copy(update={"status": sent.status, "history": sent.history}) == sent


def test_a_follow_up_stored_before_moves_were_counted_is_written_on_its_status(
    engine: LocalEngine,
) -> None:
    """An item written before follow-ups counted their moves (no `moves`) is not refused
    for that: a redrive of one handed over before the upgrade still goes."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000502", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    [queued] = engine.deps.followups.followups_of(lead.id)
    FollowUpItem.get(queued.id).update(actions=[FollowUpItem.moves.remove()])
    later = queued.model_copy(update={"wake_at": engine.clock.now() + timedelta(minutes=30)})
    engine.deps.commit(
        [FollowUpChange(later, Status.QUEUED, moves=queued.moves + 1)], later.created_at
    )
    assert engine.deps.followups.followup(queued.id) == later
    assert FollowUpItem.get(queued.id).moves == queued.moves
