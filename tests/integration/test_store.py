"""The DynamoDB store's guarantees the services rely on."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from followup.adapters.tables import MESSAGE_RETENTION, MessageItem
from followup.domain.contact import Speaker
from followup.domain.conversation import Direction, Message
from followup.domain.followup import FollowUp, Status, StatusChange
from followup.services.ports import CommitRejected, ContactChange, NewFollowUp
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule


def planned(engine: LocalEngine, contact_id: str, followup_id: str) -> FollowUp:
    now = engine.clock.now()
    return FollowUp(
        id=followup_id,
        contact_id=contact_id,
        rule_id="r",
        rule_version=1,
        silence_key=now.isoformat(),
        created_at=now,
        scheduled_at=now,
        wake_at=now,
        history=[StatusChange(status=Status.QUEUED, at=now)],
    )


def test_a_commit_with_one_stale_change_writes_nothing(engine: LocalEngine) -> None:
    # Given a contact read at some revision, then changed by someone else
    deps = engine.deps
    deps.rules.save_rule(rule("r"))
    lead = quiet_contact(deps, "6281100000901", engine.clock.now() - timedelta(hours=1))
    read = deps.contacts.contact(lead.id)
    assert read is not None
    deps.commit(
        [ContactChange(read.item.model_copy(update={"name": "Other"}), read.revision)],
        engine.clock.now(),
    )
    # When a commit pairs a new follow-up with a change based on the stale read
    holder = read.item.model_copy(update={"pending_followup_id": "fu_x"})
    with pytest.raises(CommitRejected) as rejected:
        deps.commit(
            [NewFollowUp(planned(engine, lead.id, "fu_x")), ContactChange(holder, read.revision)],
            engine.clock.now(),
        )
    # Then only the stale change is named, and neither the follow-up nor its counters exist
    assert [type(change) for change in rejected.value.failed] == [ContactChange]
    assert deps.followups.followup("fu_x") is None
    day = engine.clock.now().date()
    assert deps.stats.stats(day, day) == []
    current = deps.contacts.contact(lead.id)
    assert current is not None
    assert current.item.name == "Other"


def test_a_duplicate_planned_send_is_refused(engine: LocalEngine) -> None:
    deps = engine.deps
    lead = quiet_contact(deps, "6281100000902", engine.clock.now() - timedelta(hours=1))
    deps.rules.save_rule(rule("r"))
    deps.commit([NewFollowUp(planned(engine, lead.id, "fu_y"))], engine.clock.now())
    day = engine.clock.now().date()
    [counted] = deps.stats.stats(day, day)
    assert counted.counts == {"queued": 1}
    with pytest.raises(CommitRejected) as rejected:
        deps.commit([NewFollowUp(planned(engine, lead.id, "fu_y"))], engine.clock.now())
    assert rejected.value.only(NewFollowUp)
    assert deps.stats.stats(day, day)[0].counts == {"queued": 1}


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
