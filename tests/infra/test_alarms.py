"""The deployed alarms and stream triggers, as the on-call lives with them: every new dead
letter notifies, and a batch the stats function cannot take holds its stream for hours, not
a day."""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match
from aws_lambda_powertools.metrics import MetricUnit

from tests.infra.conftest import Synth, synth

DEAD_LETTER_QUEUES = ("send_dlq", "tick_dlq", "bus_dlq", "stream_dlq", "stats_dlq")
FIVE_MINUTES = 300
DAY = 24 * 60 * 60 // FIVE_MINUTES


def _ref_of(s: Synth, construct: Any) -> str:
    logical_id: str = s.stack.get_logical_id(construct.node.default_child)
    return logical_id


def _queue_dimensions(s: Synth, attribute: str) -> list[dict[str, Any]]:
    queue = _ref_of(s, getattr(s.stack, attribute))
    return [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]


def _watched(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its own, or those of its metric math."""
    if "MetricName" in alarm:
        return [alarm]
    return [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]


def _alarms_on_queue(s: Synth, attribute: str) -> list[dict[str, Any]]:
    dimensions = _queue_dimensions(s, attribute)
    return [
        a["Properties"]
        for a in s.resources("AWS::CloudWatch::Alarm").values()
        if any(m.get("Dimensions") == dimensions for m in _watched(a["Properties"]))
    ]


def _notifications(alarm: dict[str, Any], depths: list[int]) -> int:
    """How often `alarm` goes from OK to ALARM (one notification each) over a dead-letter
    queue's depth, one value per five minutes: an alarm on the depth itself, or one on its
    rise (metric math `DIFF` of it: what arrived since the period before)."""
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"]
    if "Metrics" in alarm:
        [expression] = [m["Expression"] for m in alarm["Metrics"] if "Expression" in m]
        assert expression.startswith("DIFF("), expression
        assert [m["MetricName"] for m in _watched(alarm)] == ["ApproximateNumberOfMessagesVisible"]
        measured = [now - before for before, now in zip([0, *depths], depths, strict=False)]
    else:
        assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
        measured = depths
    states = [value >= alarm["Threshold"] for value in measured]
    return sum(now and not before for before, now in zip([False, *states], states, strict=False))


@pytest.mark.parametrize("queue", DEAD_LETTER_QUEUES)
def test_each_new_dead_letter_notifies_even_while_older_ones_wait(dev: Synth, queue: str) -> None:
    # Given a dead letter arrives on Monday and waits there (dead letters are kept 14 days)
    monday = [0, *[1] * DAY]
    # When another arrives on Tuesday, and a third on Wednesday
    week = monday + [2] * DAY + [3] * DAY
    # Then the on-call is told of each of them, not only of the first
    [alarm] = _alarms_on_queue(dev, queue)
    assert _notifications(alarm, week) == 3
    assert alarm["EvaluationPeriods"] == 1
    assert alarm["TreatMissingData"] == "notBreaching"


def _published_by_sender(name: str) -> dict[str, Any]:
    """The metric `name` as the sender's Powertools metrics write it (EMF): its namespace,
    dimensions and their values."""
    metrics = importlib.import_module("functions.sender.handler").metrics
    try:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        written: dict[str, Any] = metrics.serialize_metric_set()
    finally:
        metrics.clear_metrics()
    [published] = written["_aws"]["CloudWatchMetrics"]
    assert [m["Name"] for m in published["Metrics"]] == [name]
    [dimensions] = published["Dimensions"]
    return {
        "Namespace": published["Namespace"],
        "Dimensions": [{"Name": d, "Value": written[d]} for d in dimensions],
    }


def test_records_the_sender_keeps_failing_on_notify_before_the_dead_letter_queue(
    dev: Synth,
) -> None:
    # Given the sender counts each record of a batch it fails on, as Powertools publishes it
    published = _published_by_sender("send_record_failed")
    queue = dev.resources("AWS::SQS::Queue")[_ref_of(dev, dev.stack.send_queue)]["Properties"]
    handed_back_after = queue["VisibilityTimeout"]
    receives = queue["RedrivePolicy"]["maxReceiveCount"]
    # When records keep failing
    [alarm] = [
        a["Properties"]
        for a in dev.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == "send_record_failed"
    ]
    # Then an alarm reads that very metric, and tells the on-call
    assert {k: alarm[k] for k in published} == published
    assert (alarm["Statistic"], alarm["Period"]) == ("Sum", FIVE_MINUTES)
    assert alarm["AlarmActions"] == [{"Ref": _ref_of(dev, dev.stack.alarm_topic)}]
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["TreatMissingData"] == "notBreaching"
    # Once 5 or more records failed in each of 3 five-minute periods in a row...
    assert (alarm["Threshold"], alarm["EvaluationPeriods"]) == (5, 3)
    assert alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"]) == 3
    # ...not for one record tried again (SQS hands it back at most once a period)...
    assert handed_back_after > FIVE_MINUTES
    # ...and before records failing on every receive wait in the dead-letter queue
    assert alarm["EvaluationPeriods"] * FIVE_MINUTES < (receives - 1) * handed_back_after
    # And the dashboard's graph of sends shows them beside the sends that went and failed
    [dashboard] = dev.resources("AWS::CloudWatch::Dashboard").values()
    body = json.dumps(dashboard["Properties"]["DashboardBody"])
    assert "send_record_failed" in body


def test_every_alarm_may_publish_to_the_topic_the_on_call_follows(dev: Synth) -> None:
    # Given every alarm notifies the alarms topic
    topic = {"Ref": _ref_of(dev, dev.stack.alarm_topic)}
    alarms = dev.resources("AWS::CloudWatch::Alarm").values()
    assert alarms
    assert all(topic in a["Properties"]["AlarmActions"] for a in alarms)
    # When the topic's own policy replaces SNS's default one (which let the account's
    # alarms publish)
    [statements] = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in dev.resources("AWS::SNS::TopicPolicy").values()
        if topic in p["Properties"]["Topics"]
    ]
    # Then CloudWatch may publish to it for this account's alarms, and only over SSL
    [publish] = [s for s in statements if s["Effect"] == "Allow"]
    assert publish["Action"] == "sns:Publish"
    assert publish["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert publish["Resource"] == topic
    assert publish["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    }
    [refused] = [s for s in statements if s["Effect"] == "Deny"]
    assert refused["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # And the deploy names the topic, for whoever follows it another way than email
    assert dev.template.find_outputs("AlarmTopicArn")["AlarmTopicArn"]["Value"] == topic


def test_a_production_deploy_whose_alarms_reach_no_one_says_so(prod: Synth, variants: Path) -> None:
    unheard = Match.string_like_regexp("alarms reach no one")
    assert Annotations.from_stack(prod.stack).find_warning("*", unheard)
    heard = synth(variants, stage="prod", alarm_email="oncall@example.edu")
    assert not Annotations.from_stack(heard.stack).find_warning("*", unheard)


def test_a_stats_batch_that_keeps_failing_holds_its_stream_for_hours_not_a_day(
    dev: Synth,
) -> None:
    stats = _ref_of(dev, dev.stack.functions["stats"])
    dead_letters = _ref_of(dev, dev.stack.stats_dlq)
    mappings = [
        m["Properties"]
        for m in dev.resources("AWS::Lambda::EventSourceMapping").values()
        if m["Properties"]["FunctionName"]["Ref"] == stats
    ]
    assert len(mappings) == 2  # the follow-up and the enrollment streams
    for mapping in mappings:
        # Given a batch the stats function fails on every time (a record it cannot read):
        # the sends behind it on its shard wait, their journeys not moved on, until it is
        # given up; DynamoDB keeps stream records a day
        given_up_after = mapping["MaximumRecordAgeInSeconds"]
        # Then it is given up within a few hours, named in the dead-letter queue (alarmed)...
        assert 60 * 60 <= given_up_after <= 4 * 60 * 60
        assert mapping["MaximumRetryAttempts"] >= 1_000  # not dropped for a passing fault
        assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == {
            "Fn::GetAtt": [dead_letters, "Arn"]
        }
        # ...and retried whole from its first record, whose checkpoint keeps each record
        # counted once (a split batch would start at another record and count it again)
        assert mapping["BisectBatchOnFunctionError"] is False
    # And the deploy names the queue, for `followup replay-counts` to take the batch again
    outputs = dev.template.find_outputs("CountsDeadLettersUrl")
    assert outputs["CountsDeadLettersUrl"]["Value"] == {"Ref": dead_letters}
