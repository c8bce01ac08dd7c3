"""On moto, through the handlers: the sender writes the sent follow-up alone, and the stats
function applies each send to its contact and enrollment from the follow-up stream, once,
whether a batch comes again or records of different follow-ups come out of order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from followup.adapters.followup_stream import changes
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup.domain.rule import Rule
from followup.services import sent_stream
from followup_local.engine import LocalEngine
from followup_local.streams import StreamPump, stream_of, streams_client
from tests.support.builders import quiet_contact

HOUR = timedelta(hours=1)
WA_ID = "6281100000981"


def two_steps() -> Rule:
    step = {"template": {"name": "reminder", "language": "en"}}
    return Rule.model_validate(
        {
            "id": "two-steps",
            "name": "Two steps",
            "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
            "steps": [
                {**step, "wait": {"amount": 0, "unit": "minutes"}},
                {**step, "wait": {"amount": 2, "unit": "hours"}},
            ],
        }
    )


def records(engine: LocalEngine) -> list[dict[str, Any]]:
    """Every record of the follow-up stream from its start, read by a reader of its own."""
    region = engine.config.aws_region
    arn = stream_of(boto3.client("dynamodb", region_name=region), "followup-followups")
    found: list[dict[str, Any]] = []
    StreamPump(streams_client(region), arn).pump(found.extend)
    return found


def sends_in(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of a batch that show a follow-up sent."""
    return [
        record
        for record in batch
        if record["dynamodb"].get("OldImage", {}).get("status", {}).get("S") == "sending"
        and record["dynamodb"]["NewImage"]["status"]["S"] == "sent"
    ]


def test_a_batch_delivered_again_moves_nothing_twice(engine: LocalEngine) -> None:
    # Given a lead sent the first step, the stream left unread
    engine.pump_each_step = False
    deps = engine.deps
    deps.rules.save_rule(two_steps())
    lead = quiet_contact(deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [sent] = deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    assert sent.sent_at is not None
    # Then the sender wrote the follow-up alone
    contact = deps.contacts.contact(lead.id)
    assert contact is not None
    assert contact.item.followups_sent == 0
    [waiting] = deps.followups.enrollments_of(lead.id)
    assert (waiting.item.step_index, waiting.item.sends) == (0, 0)
    # When the stats function takes the stream's batch, then takes it again
    engine.streams["enrollments"].pump(lambda _: None)
    batch: list[dict[str, Any]] = []
    engine.streams["followups"].pump(batch.extend)
    first = engine.invoke("stats", {"Records": batch})
    counted = deps.contacts.contact(lead.id)
    [moved] = deps.followups.enrollments_of(lead.id)
    again = engine.invoke("stats", {"Records": batch})
    # Then the contact counted the send and the journey moved on once
    assert first["settled"] == 1
    assert again == {"settled": 0, "counted": 0}
    assert counted is not None
    assert counted.item.followups_sent == 1
    assert counted.item.last_outbound_at == sent.sent_at
    assert (moved.item.step_index, moved.item.sends) == (1, 1)
    assert moved.item.next_due_at == sent.sent_at + 2 * HOUR
    assert deps.contacts.contact(lead.id) == counted
    assert deps.followups.enrollments_of(lead.id) == [moved]


def test_the_journey_goes_step_by_step_and_late_records_move_nothing(
    engine: LocalEngine,
) -> None:
    # Given a two-step journey run through the handlers, the stream applied as it goes
    deps = engine.deps
    deps.rules.save_rule(two_steps())
    lead = quiet_contact(deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [first] = deps.followups.followups_of(lead.id)
    assert first.sent_at is not None
    engine.run_until(first.sent_at + 2 * HOUR)
    engine.tick()
    statuses = [f.status for f in deps.followups.followups_of(lead.id)]
    assert statuses == [Status.SENT, Status.SENT]
    [done] = deps.followups.enrollments_of(lead.id)
    assert (done.item.state, done.item.sends) == (EnrollmentState.COMPLETED, 2)
    contact = deps.contacts.contact(lead.id)
    assert contact is not None
    assert contact.item.followups_sent == 2
    # When the two sends' records come again, each in a batch of its own (as from two
    # shards), the later send's first
    two = sends_in(records(engine))
    assert len(two) == 2
    late = [
        sent_stream.apply(deps, sent_stream.sends(changes({"Records": [record]})))
        for record in reversed(two)
    ]
    # Then neither moves the contact or the journey
    assert late == [0, 0]
    assert deps.followups.enrollments_of(lead.id) == [done]
    assert deps.contacts.contact(lead.id) == contact
    assert len(engine.sandbox.sent()) == 2
