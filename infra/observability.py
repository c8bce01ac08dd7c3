"""Alarms to an SNS topic and one dashboard: dead letters, errors, failures, rules skipped
for bad data, pauses, opt-outs, a webhook failing or refusing deliveries, records the
sender keeps failing on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Annotations, CfnOutput, Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs

from followup.wiring.runtime import NAMESPACE

if TYPE_CHECKING:
    from infra.stack import FollowupStack


def alarms(stack: FollowupStack) -> sns.Topic:
    topic = alarm_topic(stack)
    CfnOutput(stack, "AlarmTopicArn", value=topic.topic_arn, description="where alarms go")
    if stack.settings.alarm_email:
        topic.add_subscription(subscriptions.EmailSubscription(stack.settings.alarm_email))
    elif stack.settings.production:
        Annotations.of(stack).add_warning_v2(
            "followup:alarms-unheard",
            "stage=prod without alarm_email: the alarms reach no one until the topic in the"
            " AlarmTopicArn output has a subscriber (-c alarm_email=ops@example.com)",
        )
    notify = actions.SnsAction(topic)

    def alarm(
        name: str, metric: cloudwatch.IMetric, threshold: float, what: str, periods: int = 1
    ) -> None:
        """Notifies once `metric` reaches `threshold` in each of `periods` periods in a row."""
        made = cloudwatch.Alarm(
            stack,
            name,
            metric=metric,
            threshold=threshold,
            evaluation_periods=periods,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=what,
        )
        made.add_alarm_action(notify)

    dead_letters = (
        (stack.send_dlq, "sends"),
        (stack.tick_dlq, "ticks"),
        (stack.bus_dlq, "events"),
        (stack.stream_dlq, "broadcasts"),
        (stack.stats_dlq, "counts"),
    )
    for queue, what in dead_letters:
        alarm(
            f"{what.title()}DeadLetters",
            arrivals(queue),
            1,
            f"{what} gave up after retries and wait in a dead-letter queue (kept 14 days); "
            "each new dead letter notifies again",
        )
    for name, fn in stack.functions.items():
        title = name.title().replace("_", "")
        alarm(f"{title}Errors", fn.metric_errors(period=Duration.minutes(5)), 1, f"{name} failed")
        alarm(
            f"{title}Throttles",
            fn.metric_throttles(period=Duration.minutes(5)),
            1,
            f"{name} was throttled",
        )
    for title, failed in (
        ("TickFailed", stack.tick_machine.metric_failed(period=Duration.minutes(5))),
        ("TickTimedOut", stack.tick_machine.metric_timed_out(period=Duration.minutes(5))),
    ):
        alarm(title, failed, 1, "a tick workflow ended without running all its steps")
    failures = metric("send_failed", "sender")
    alarm("SendFailures", failures, 10, "10 or more sends failed within 5 minutes")
    record_failures = metric("send_record_failed", "sender")
    alarm(
        "SendRecordsFailing",
        record_failures,
        5,
        "the sender failed on 5 or more records in each of 3 five-minute periods in a row: "
        "SQS hands each back, and after its 5th receive to the sends' dead-letter queue",
        periods=3,
    )
    alarm(
        "ProviderFailing",
        metric("send_retrying", "sender"),
        20,
        "360dialog could not take 20 or more sends within 5 minutes (unreachable or 5xx): "
        "each is tried again, at most 15 minutes apart, up to the workspace's max_attempts",
    )
    unanswered = metric("send_unknown", "sender")
    alarm(
        "SendsUnanswered",
        unanswered,
        5,
        "360dialog took 5 or more sends within 5 minutes without answering (timeouts or "
        "dropped connections): each waits for WhatsApp's status, or fails at its deadline",
    )
    alarm(
        "RuleErrors",
        metric("enqueue_rule_errors", "enqueue"),
        1,
        "a rule was skipped in a tick for an error in its data (its last_error says which)",
    )
    alarm(
        "SendingPaused",
        metric("send_paused", "sender"),
        1,
        "WhatsApp told the sender to stop (quality, policy block, locked account, billing or "
        "a refused API key): sending is paused until an admin resumes it",
    )
    alarm(
        "EmailUnavailable",
        metric("send_email_unavailable", "sender"),
        1,
        "SES refused an email for the whole account (sending paused or suspended, the "
        "sender's identity or the configuration set not usable): email is paused, and the "
        "email follow-ups wait until an admin resumes email",
    )
    alarm(
        "SendingPausedByStatus",
        metric("webhook_status_failed_paused", "webhook"),
        1,
        "a status webhook reported a message refused for spam, a policy block, a locked "
        "account or billing: the number is paused until an admin resumes it",
    )
    alarm(
        "NumberQualityPaused",
        metric("webhook_quality_degraded", "webhook"),
        1,
        "WhatsApp rated a number's quality down (flagged, downgraded, restricted, red or "
        "low): sending from it is paused until an admin resumes it",
    )
    alarm(
        "WebhookFailing",
        metric("webhook_http_500", "webhook"),
        5,
        "the webhook failed 5 or more deliveries within 5 minutes (answered 500): replies, "
        "opt-outs and statuses wait for 360dialog to deliver them again",
    )
    alarm(
        "WebhookSecretUnset",
        metric("webhook_secret_unset", "webhook"),
        1,
        "the webhook refuses every delivery (503) until the secret holds WEBHOOK_SECRET, or "
        "WEBHOOK_HEADER_SECRET when webhook_header_name is set",
    )
    alarm(
        "AgentTookOver",
        metric("webhook_agent_standby_paused", "webhook"),
        1,
        "standby webhooks arrived: Meta Business Agent answers the number's chats, so "
        "automation is paused until an admin turns the agent off and resumes the number",
    )
    alarm(
        "RuleOptOutSpike",
        metric("enqueue_opt_out_spikes", "enqueue"),
        1,
        "a rule's opt-out rate passed its threshold over the minimum sample of sends (the "
        "tick log names it); it is switched off if the workspace's review settings say so",
    )
    alarm(
        "TemplateAtRisk",
        metric("webhook_template_at_risk", "webhook"),
        1,
        "Meta flagged a template or rated it RED: it may be paused, then disabled (see "
        "/api/templates)",
    )
    alarm(
        "TemplatesAtRiskAfterSync",
        metric("enqueue_templates_newly_at_risk", "enqueue"),
        1,
        "the template sync found templates newly FLAGGED or rated RED (see /api/templates)",
    )
    opt_outs = metric("webhook_opt_out", "webhook", period_minutes=60)
    alarm("OptOutSpike", opt_outs, 20, "20 or more contacts opted out within an hour")
    dashboard = cloudwatch.Dashboard(
        stack, "Dashboard", dashboard_name=f"{stack.settings.prefix}engine"
    )
    dashboard.add_widgets(
        cloudwatch.GraphWidget(
            title="Sends",
            left=[metric("send_sent", "sender"), failures, unanswered, record_failures],
        ),
        cloudwatch.GraphWidget(
            title="Replies and opt-outs",
            left=[metric("webhook_inbound", "webhook"), opt_outs],
        ),
        cloudwatch.GraphWidget(
            title="Send queue",
            left=[
                stack.send_queue.metric_approximate_number_of_messages_visible(),
                stack.send_dlq.metric_approximate_number_of_messages_visible(),
            ],
        ),
    )
    return topic


def alarm_topic(stack: FollowupStack) -> sns.Topic:
    """The topic alarms notify: SSL only, and open to this account's CloudWatch alarms. Its
    policy replaces SNS's default one, which is what lets them publish, so it says so."""
    topic = sns.Topic(stack, "Alarms", enforce_ssl=True)
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            effect=iam.Effect.ALLOW,
            actions=["sns:Publish"],
            principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            resources=[topic.topic_arn],
            conditions={"StringEquals": {"aws:SourceAccount": stack.account}},
        )
    )
    return topic


def arrivals(queue: sqs.IQueue) -> cloudwatch.MathExpression:
    """Messages that arrived in a queue within 5 minutes: the rise of its depth since the
    period before. Not its depth, which stays up while dead letters wait, so a later one
    would notify nobody; not NumberOfMessagesSent, which a redrive from a source queue
    does not count. A period with no data is the last depth known, or 0 before any (an
    idle empty queue reports none)."""
    return cloudwatch.MathExpression(
        expression="DIFF(FILL(FILL(visible, REPEAT), 0))",
        using_metrics={
            "visible": queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            )
        },
        label="dead letters arrived",
        period=Duration.minutes(5),
    )


def metric(name: str, service: str, period_minutes: int = 5) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace=NAMESPACE,
        metric_name=name,
        dimensions_map={"service": service},
        statistic="Sum",
        period=Duration.minutes(period_minutes),
    )
