"""The whole product in one stack.

Here: the layer, the secret, the tables, the send queue, the handlers (one helper makes
each function) and the event bus. The rest is composed from `ticks.py` (the scheduled
tick), `access.py` (user pool, HTTP API), `realtime.py` (WebSocket API), `web.py` (the
admin app) and `observability.py` (alarms, dashboard).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import (
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from followup.adapters import notify
from followup.adapters.tables import TABLES, table_spec, ttl_attribute
from followup.adapters.timeouts import (
    API_TIMEOUT,
    SENDER_TIMEOUT,
    TICK_TIMEOUT,
    WEBHOOK_TIMEOUT,
)
from followup.domain.channels import EMAIL_EVENT_TYPES, EMAIL_EVENTS_SOURCE
from followup.services import crm_events
from followup.wiring.runtime import NAMESPACE
from infra import access, layer, observability, realtime, ticks, web
from infra.batching import STATS
from infra.capacity import send_capacity
from infra.grants import NEEDS
from infra.settings import DeploySettings

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
RUNTIME = lambda_.Runtime.PYTHON_3_14
TICKS = ("enqueue", "dispatch", "expire")
TRACED = frozenset({*TICKS, "sender"})
PROVISIONED_TARGET = 70
"""With provisioned capacity, the share of it auto scaling keeps in use (percent)."""
"""X-Ray where one invocation calls several services (DynamoDB, SQS, 360dialog, SNS, SES,
Claude), by Lambda's active tracing alone: one segment per invocation, with its cold start.
No function loads the X-Ray SDK for subsegments: its import (about a bare `import boto3`
again) would double a tick's cold start, and at hourly ticks nearly every tick starts cold;
the tick reports' counts are metrics already. The request-facing functions (webhook, API,
WebSocket, authorizer, broadcaster, bus events) do without: their logs and metrics already
show what they did."""
STATS_GIVEN_UP_AFTER = Duration.hours(3)
"""How long the stats function retries a failing stream batch before giving it up."""
_KEY_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _sort_key(schema: list[dict[str, str]], types: dict[str, str]) -> dynamodb.Attribute | None:
    """The RANGE attribute of a key schema, typed from the attribute definitions."""
    names = [k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"]
    return dynamodb.Attribute(name=names[0], type=_KEY_TYPES[types[names[0]]]) if names else None


def _partition_key(schema: list[dict[str, str]], types: dict[str, str]) -> dynamodb.Attribute:
    [name] = [k["AttributeName"] for k in schema if k["KeyType"] == "HASH"]
    return dynamodb.Attribute(name=name, type=_KEY_TYPES[types[name]])


class FollowupStack(Stack):  # type: ignore[misc]  # the CDK is not analysed (pyproject)
    """Everything `cdk deploy` creates; names come from the stage (`followup-<stage>-...`)."""

    def __init__(self, scope: Construct, id: str, settings: DeploySettings, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.settings = settings
        self.layer = lambda_.LayerVersion(
            self,
            "Library",
            code=lambda_.Code.from_asset(str(layer.build())),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[lambda_.Architecture.ARM_64],
            description="followup library and its dependencies (boto3 from the runtime)",
        )
        self.secret = secretsmanager.Secret(
            self,
            "Secrets",
            secret_name=f"{settings.prefix}secrets",
            description="JSON: D360_API_KEY (or D360_NUMBERS, or D360_KEYS for the numbers "
            "the deployment describes), WEBHOOK_SECRET, WEBHOOK_HEADER_SECRET, "
            "META_APP_SECRET, META_VERIFY_TOKEN, ANTHROPIC_API_KEY, UNSUBSCRIBE_SECRET, "
            "NOTIFY_SECRET",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                # Empty slots for the operator to fill; no secret value is in the template.
                secret_string_template='{"D360_API_KEY": "", "ANTHROPIC_API_KEY": ""}',  # noqa: S106
                generate_string_key="WEBHOOK_SECRET",
                exclude_punctuation=True,
                password_length=40,
            ),
            removal_policy=self.keep_in_production(),
        )
        self.tables = self._tables()
        self.send_queue, self.send_dlq = self._send_queue()
        self.functions: dict[str, lambda_.Function] = {}
        self.web_bucket, self.web = web.distribution(self)
        self.web_url = f"https://{self.web.distribution_domain_name}"
        self.user_pool, self.user_pool_client = access.user_pool(self)
        self.email_events = self._email_events()
        self._handlers()
        self.tick_machine = ticks.schedule(self)
        self._event_bus()
        self.http_api = access.http_api(self)
        self.webhook_url = access.webhook(self)
        self.websocket_api = realtime.websocket_api(self)
        web.files(self)
        self.alarm_topic = observability.alarms(self)

    # --- data ----------------------------------------------------------------------------

    def keep_in_production(self) -> RemovalPolicy:
        return RemovalPolicy.RETAIN if self.settings.production else RemovalPolicy.DESTROY

    def _tables(self) -> dict[str, dynamodb.TableV2]:
        """One table per model in the code, keys and indexes read from the model itself."""
        made = {}
        for logical, model in TABLES.items():
            spec = table_spec(model)
            types = {a["AttributeName"]: a["AttributeType"] for a in spec["AttributeDefinitions"]}
            stream = spec.get("StreamSpecification", {}).get("StreamViewType")
            made[logical] = dynamodb.TableV2(
                self,
                f"{logical.capitalize()}Table",
                table_name=f"{self.settings.prefix}{logical}",
                partition_key=_partition_key(spec["KeySchema"], types),
                sort_key=_sort_key(spec["KeySchema"], types),
                billing=self._billing(),
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                deletion_protection=self.settings.production,
                removal_policy=self.keep_in_production(),
                dynamo_stream=dynamodb.StreamViewType(stream) if stream else None,
                time_to_live_attribute=ttl_attribute(model),
                global_secondary_indexes=[
                    dynamodb.GlobalSecondaryIndexPropsV2(
                        index_name=index["IndexName"],
                        partition_key=_partition_key(index["KeySchema"], types),
                        sort_key=_sort_key(index["KeySchema"], types),
                        projection_type=dynamodb.ProjectionType(
                            index["Projection"]["ProjectionType"]
                        ),
                        non_key_attributes=index["Projection"].get("NonKeyAttributes"),
                    )
                    for index in spec.get("GlobalSecondaryIndexes", [])
                ],
            )
        return made

    def _billing(self) -> dynamodb.Billing:
        """On demand, or provisioned with auto scaling (the indexes scale as their table)."""
        if self.settings.capacity == "on_demand":
            return dynamodb.Billing.on_demand()
        scaled = dynamodb.Capacity.autoscaled(
            min_capacity=self.settings.min_capacity,
            max_capacity=self.settings.max_capacity,
            target_utilization_percent=PROVISIONED_TARGET,
        )
        return dynamodb.Billing.provisioned(read_capacity=scaled, write_capacity=scaled)

    # --- sending -------------------------------------------------------------------------

    def _send_queue(self) -> tuple[sqs.Queue, sqs.Queue]:
        dlq = self.dead_letter_queue("SendDeadLetters")
        queue = sqs.Queue(
            self,
            "SendQueue",
            visibility_timeout=Duration.seconds(6 * SENDER_TIMEOUT),
            retention_period=Duration.days(4),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5),
        )
        return queue, dlq

    def dead_letter_queue(self, id: str) -> sqs.Queue:
        """Where failed messages or invocations wait 14 days for someone to look (alarmed)."""
        return sqs.Queue(
            self,
            id,
            retention_period=Duration.days(14),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
        )

    # --- functions -----------------------------------------------------------------------

    def function(
        self,
        name: str,
        *,
        timeout_seconds: int = 30,
        memory: int = 512,
        environment: dict[str, str] | None = None,
        reserved: int | None = None,
    ) -> lambda_.Function:
        """A handler from functions/<name>, on the shared layer, observable, granted its needs."""
        log_group = logs.LogGroup(
            self,
            f"{name.title().replace('_', '')}Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=self.keep_in_production(),
        )
        title = name.title().replace("_", "")
        role = iam.Role(
            self,
            f"{title}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"the {name} function: its own logs, plus the grants below",
        )
        log_group.grant_write(role)
        made = lambda_.Function(
            self,
            f"{title}Function",
            role=role,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="handler.handler",
            code=lambda_.Code.from_asset(str(FUNCTIONS / name), exclude=["__pycache__", "*.pyc"]),
            layers=[self.layer],
            timeout=Duration.seconds(timeout_seconds),
            memory_size=memory,
            reserved_concurrent_executions=reserved,
            tracing=lambda_.Tracing.ACTIVE if name in TRACED else lambda_.Tracing.DISABLED,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment={
                "FOLLOWUP_TABLE_PREFIX": self.settings.prefix,
                "FOLLOWUP_TICK_MINUTES": str(self.settings.tick_minutes),
                "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
                "POWERTOOLS_SERVICE_NAME": name,
                **(environment or {}),
            },
        )
        self._grant(name, made)
        self.functions[name] = made
        return made

    def _grant(self, name: str, fn: lambda_.Function) -> None:
        """What `grants.NEEDS` lets this function do, and the names it needs to do it."""
        needs = NEEDS[name]
        for logical in needs.reads:
            self.tables[logical].grant_read_data(fn)
        for logical in needs.writes:
            self.tables[logical].grant_write_data(fn)
        described = self.settings.numbers
        if needs.secret and described:
            fn.add_environment("FOLLOWUP_NUMBERS", self.settings.numbers_variable())
        if needs.secret and not (needs.secret_for_numbers_only and described):
            self.secret.grant_read(fn)
            fn.add_environment("FOLLOWUP_SECRETS_NAME", self.secret.secret_arn)
        if needs.sends:
            self.send_queue.grant_send_messages(fn)
            fn.add_environment("FOLLOWUP_SEND_QUEUE_URL", self.send_queue.queue_url)
        if needs.texts_and_emails:
            self._grant_texts_and_emails(fn)
        if (needs.texts_and_emails or needs.judges_email) and self.settings.email_from:
            fn.add_environment("EMAIL_FROM", self.settings.email_from)

    def _grant_texts_and_emails(self, fn: lambda_.Function) -> None:
        """SMS to phone numbers (SNS has no resource to scope them to) and email from the
        one configured identity (told to the function by `_grant`). A publish to a phone
        number names no SNS resource; one to a topic or a push endpoint names its ARN, and
        is denied: the sender texts leads, it has no topic of anyone's to post to."""
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sns:Publish", "sns:CheckIfPhoneNumberIsOptedOut"], resources=["*"]
            )
        )
        fn.add_to_role_policy(
            iam.PolicyStatement(
                effect=iam.Effect.DENY,
                actions=["sns:Publish"],
                resources=[f"arn:{self.partition}:sns:*:*:*"],
            )
        )
        sender = self.settings.email_address
        if sender is None or self.email_events is None:
            return
        identities = [sender, sender.rpartition("@")[2]]
        name = self.email_events.configuration_set_name
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["ses:SendEmail", "ses:SendRawEmail"],
                resources=[
                    *(
                        self.format_arn(service="ses", resource="identity", resource_name=identity)
                        for identity in identities
                    ),
                    self.format_arn(
                        service="ses", resource="configuration-set", resource_name=name
                    ),
                ],
            )
        )
        fn.add_environment("SES_CONFIGURATION_SET", name)

    def _email_events(self) -> ses.ConfigurationSet | None:
        """The configuration set every email goes with: it publishes each one's hard bounce
        and complaint to the account's default EventBridge bus (the only bus SES publishes
        to), for the bus_events function (`_event_bus`). None without `email_from`."""
        if self.settings.email_from is None:
            return None
        configuration_set = ses.ConfigurationSet(
            self, "EmailEvents", configuration_set_name=f"{self.settings.prefix}emails"
        )
        default_bus = events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
        configuration_set.add_event_destination(
            "ToDefaultBus",
            destination=ses.EventDestination.event_bus(default_bus),
            events=[ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
        )
        return configuration_set

    def _handlers(self) -> None:
        settings = self.settings
        capacity = send_capacity(settings.total_rate, settings.send_time_ms)
        self.capacity = capacity
        provider = {"D360_BASE_URL": settings.d360_base_url}
        for tick in ticks.ORDER:
            # the enqueue tick syncs the template catalogue from 360dialog
            self.function(
                tick,
                timeout_seconds=TICK_TIMEOUT,
                environment=provider if tick == "enqueue" else None,
            )
        sender = self.function(
            "sender",
            timeout_seconds=SENDER_TIMEOUT,
            environment={
                "D360_BASE_URL": settings.d360_base_url,
                "FOLLOWUP_SEND_CONCURRENCY": str(capacity.threads),
                "FOLLOWUP_SENDS_PER_SECOND": str(settings.sends_per_second),
            },
        )
        self.function(
            "webhook",
            # past a hanging DynamoDB call (adapters.timeouts.DYNAMODB: 19 s at most)
            timeout_seconds=WEBHOOK_TIMEOUT,
            environment={"WEBHOOK_HEADER_NAME": settings.webhook_header_name},
            reserved=access.webhook_concurrency(settings.total_rate),
        )
        # syncs the template catalogue on demand; lists each number with its rate
        self.function(
            "api",
            timeout_seconds=API_TIMEOUT,
            environment=provider | {"FOLLOWUP_SENDS_PER_SECOND": str(settings.sends_per_second)},
        )
        self.function("bus_events")
        self._stats_from_stream()
        # A send's bookkeeping is the stats function's: a deploy updates it before the
        # sender, so no send goes out whose stream record an older stats function skips.
        sender.node.add_dependency(self.functions["stats"])
        sender.add_event_source(
            sources.SqsEventSource(
                self.send_queue,
                batch_size=10,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
                max_concurrency=capacity.instances,
            )
        )

    def _stats_from_stream(self) -> None:
        """Each send's bookkeeping (services.sent_stream), then the counters
        (services.stats_stream), from the follow-up and enrollment streams.

        One function for both: a stream shard serves two readers at most before DynamoDB
        throttles them, and the follow-up stream has two (this and the broadcaster). The
        bookkeeping reads and writes a contact and an enrollment per send, so a batch of
        sends may take a minute or more: 300 s, as a tick.

        Large batches over a minute (infra.batching.STATS): one write per stats item a batch
        moves, so the fewer batches the fewer writes. A failed batch is retried whole from its
        first record, which the function's checkpoint is keyed by: so no bisecting and no
        partial batch reports, either of which would start a retry at another record and
        count again what was counted. Retried for STATS_GIVEN_UP_AFTER (a passing fault of
        DynamoDB or a deploy clears well within it), then named in a dead-letter queue
        (alarmed): a batch that fails every time (a record the function cannot read) holds
        the sends behind it on its shard, their journeys not moved on, that long and not
        for the streams' whole day of retention, by when those records would be gone too.
        Within that day, `followup replay-counts` takes the dead letters again.
        """
        self.stats_dlq = self.dead_letter_queue("StatsDeadLetters")
        CfnOutput(
            self,
            "CountsDeadLettersUrl",
            value=self.stats_dlq.queue_url,
            description="the stats function's dead letters: followup replay-counts",
        )
        stats = self.function("stats", timeout_seconds=300)
        for table in ("followups", "enrollments"):
            stats.add_event_source(
                sources.DynamoEventSource(
                    self.tables[table],
                    starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                    batch_size=STATS.size,
                    max_batching_window=Duration.seconds(STATS.window_seconds),
                    bisect_batch_on_error=False,
                    report_batch_item_failures=False,
                    retry_attempts=10_000,  # the most allowed: bounded by the record age
                    max_record_age=STATS_GIVEN_UP_AFTER,
                    on_failure=sources.SqsDlq(self.stats_dlq),
                )
            )

    def _event_bus(self) -> None:
        """Other systems put `stage_changed` / `message_sent` / `conversation_closed` /
        `conversation_reopened` events on this bus; SES puts emails' bounces and complaints
        on the default one (`_email_events`).

        EventBridge invokes the function asynchronously: its retries and dead-letter queue
        cover an invocation Lambda refused; an event the function failed on is retried by
        Lambda, then kept in the same queue (as an invocation record, the event in its
        `requestPayload`), not dropped."""
        self.event_bus = events.EventBus(
            self, "EventBus", event_bus_name=f"{self.settings.prefix}events"
        )
        self.bus_dlq = self.dead_letter_queue("BusDeadLetters")
        self.functions["bus_events"].configure_async_invoke(
            on_failure=destinations.SqsDestination(self.bus_dlq),
            retry_attempts=2,
            max_event_age=Duration.hours(6),
        )
        events.Rule(
            self,
            "CrmEvents",
            event_bus=self.event_bus,
            # journeys' own notifications never come back in as CRM events
            event_pattern=events.EventPattern(
                detail_type=list(crm_events.EVENT_TYPES),
                source=events.Match.anything_but(notify.SOURCE),
            ),
            targets=[self._to_bus_events()],
        )
        if self.email_events is not None:
            events.Rule(
                self,
                "EmailFeedback",
                event_pattern=events.EventPattern(
                    source=[EMAIL_EVENTS_SOURCE],
                    detail_type=list(EMAIL_EVENT_TYPES),
                ),
                targets=[self._to_bus_events()],
            )
        for name, fn in self.functions.items():
            if NEEDS[name].notifies:
                self.event_bus.grant_put_events_to(fn)
                fn.add_environment("FOLLOWUP_EVENT_BUS_NAME", self.event_bus.event_bus_name)
        CfnOutput(self, "EventBusName", value=self.event_bus.event_bus_name)

    def _to_bus_events(self) -> events_targets.LambdaFunction:
        """A rule's target: the bus events function, an event EventBridge could not deliver
        kept in the bus's dead-letter queue."""
        return events_targets.LambdaFunction(
            self.functions["bus_events"],
            dead_letter_queue=self.bus_dlq,
            retry_attempts=4,
            max_event_age=Duration.hours(2),
        )
