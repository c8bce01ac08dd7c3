"""The whole product in one stack: data, ticks, sending, APIs, secrets and observability."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    CfnOutput,
    Duration,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from followup.adapters.tables import TABLES, table_spec, ttl_attribute
from followup.wiring.runtime import NAMESPACE
from infra import layer
from infra.capacity import send_capacity
from infra.settings import DeploySettings

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
WEB_DIST = ROOT / "web" / "dist"
RUNTIME = lambda_.Runtime.PYTHON_3_14
SENDER_TIMEOUT_SECONDS = 60
GROUPS = ("admin", "marketing", "counselor")
TICKS = ("enqueue", "dispatch", "expire")
_KEY_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _sort_key(schema: list[dict[str, str]], types: dict[str, str]) -> dynamodb.Attribute | None:
    """The RANGE attribute of a key schema, typed from the attribute definitions."""
    names = [k["AttributeName"] for k in schema if k["KeyType"] == "RANGE"]
    return dynamodb.Attribute(name=names[0], type=_KEY_TYPES[types[names[0]]]) if names else None


def _partition_key(schema: list[dict[str, str]], types: dict[str, str]) -> dynamodb.Attribute:
    [name] = [k["AttributeName"] for k in schema if k["KeyType"] == "HASH"]
    return dynamodb.Attribute(name=name, type=_KEY_TYPES[types[name]])


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogs:
    """Where and how the HTTP API writes one JSON line per request."""

    def __init__(self, destination: apigw.IAccessLogDestination) -> None:
        self._destination = destination

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return apigw_v1.AccessLogFormat.json_with_standard_fields(
            caller=False,
            http_method=True,
            ip=True,
            protocol=True,
            request_time=True,
            resource_path=True,
            response_length=True,
            status=True,
            user=True,
        )


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
            description="JSON: D360_API_KEY, WEBHOOK_SECRET, WEBHOOK_HEADER_SECRET, "
            "META_APP_SECRET, META_VERIFY_TOKEN, ANTHROPIC_API_KEY",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                # Empty slots for the operator to fill; no secret value is in the template.
                secret_string_template='{"D360_API_KEY": "", "ANTHROPIC_API_KEY": ""}',  # noqa: S106
                generate_string_key="WEBHOOK_SECRET",
                exclude_punctuation=True,
                password_length=40,
            ),
            removal_policy=self._keep_in_production(),
        )
        self.tables = self._tables()
        self.send_queue, self.send_dlq = self._send_queue()
        self.functions: dict[str, lambda_.Function] = {}
        self.web_bucket, self.web = self._web_distribution()
        self.web_url = f"https://{self.web.distribution_domain_name}"
        self.user_pool, self.user_pool_client = self._user_pool()
        self._handlers()
        self._schedules()
        self._event_bus()
        self.http_api = self._http_api()
        self.websocket_api = self._websocket_api()
        self._web_files()
        self.alarm_topic = self._observability()

    # --- data ----------------------------------------------------------------------------

    def _keep_in_production(self) -> RemovalPolicy:
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
                billing=dynamodb.Billing.on_demand(),
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                deletion_protection=self.settings.production,
                removal_policy=self._keep_in_production(),
                dynamo_stream=dynamodb.StreamViewType(stream) if stream else None,
                time_to_live_attribute=ttl_attribute(model),
                global_secondary_indexes=[
                    dynamodb.GlobalSecondaryIndexPropsV2(
                        index_name=index["IndexName"],
                        partition_key=_partition_key(index["KeySchema"], types),
                        sort_key=_sort_key(index["KeySchema"], types),
                        projection_type=dynamodb.ProjectionType.ALL,
                    )
                    for index in spec.get("GlobalSecondaryIndexes", [])
                ],
            )
        return made

    # --- sending -------------------------------------------------------------------------

    def _send_queue(self) -> tuple[sqs.Queue, sqs.Queue]:
        dlq = sqs.Queue(
            self,
            "SendDeadLetters",
            retention_period=Duration.days(14),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
        )
        queue = sqs.Queue(
            self,
            "SendQueue",
            visibility_timeout=Duration.seconds(6 * SENDER_TIMEOUT_SECONDS),
            retention_period=Duration.days(4),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=5),
        )
        return queue, dlq

    # --- functions -----------------------------------------------------------------------

    def function(
        self,
        name: str,
        *,
        timeout_seconds: int = 30,
        memory: int = 512,
        environment: dict[str, str] | None = None,
    ) -> lambda_.Function:
        """A handler from functions/<name>, on the shared layer, observable, least privilege."""
        log_group = logs.LogGroup(
            self,
            f"{name.title().replace('_', '')}Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=self._keep_in_production(),
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
            tracing=lambda_.Tracing.ACTIVE,
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment={
                "FOLLOWUP_TABLE_PREFIX": self.settings.prefix,
                "FOLLOWUP_SECRETS_NAME": self.secret.secret_arn,
                "POWERTOOLS_METRICS_NAMESPACE": NAMESPACE,
                "POWERTOOLS_SERVICE_NAME": name,
                **(environment or {}),
            },
        )
        self.secret.grant_read(made)
        self.functions[name] = made
        return made

    def _handlers(self) -> None:
        settings = self.settings
        capacity = send_capacity(settings.sends_per_second, settings.provider_latency_floor_ms)
        self.capacity = capacity
        provider = {"D360_BASE_URL": settings.d360_base_url}
        queue_url = {"FOLLOWUP_SEND_QUEUE_URL": self.send_queue.queue_url}
        enqueue = self.function("enqueue", timeout_seconds=300)
        dispatch = self.function("dispatch", timeout_seconds=300, environment=queue_url)
        expire = self.function("expire", timeout_seconds=300, environment=queue_url)
        sender = self.function(
            "sender",
            timeout_seconds=SENDER_TIMEOUT_SECONDS,
            environment={
                **provider,
                **queue_url,
                "FOLLOWUP_SEND_CONCURRENCY": str(capacity.threads),
            },
        )
        webhook = self.function(
            "webhook",
            timeout_seconds=10,
            environment={"WEBHOOK_HEADER_NAME": settings.webhook_header_name},
        )
        api = self.function("api", environment=queue_url)
        bus_events = self.function("bus_events")
        for logical, table in self.tables.items():
            if logical != "connections":
                for fn in (enqueue, dispatch, expire, sender, webhook, api, bus_events):
                    table.grant_read_write_data(fn)
        for fn in (dispatch, expire, sender, api):
            self.send_queue.grant_send_messages(fn)
        sender.add_event_source(
            sources.SqsEventSource(
                self.send_queue,
                batch_size=10,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
                max_concurrency=capacity.instances,
            )
        )

    def _schedules(self) -> None:
        """EventBridge Scheduler ticks; a failed invocation is retried, then kept in a DLQ."""
        self.tick_dlq = sqs.Queue(
            self,
            "TickDeadLetters",
            retention_period=Duration.days(14),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
        )
        rate = scheduler.ScheduleExpression.rate(Duration.minutes(self.settings.tick_minutes))
        for name in TICKS:
            scheduler.Schedule(
                self,
                f"{name.title()}Tick",
                schedule=rate,
                description=f"runs {name} every {self.settings.tick_minutes} minutes",
                target=scheduler_targets.LambdaInvoke(
                    self.functions[name],
                    input=scheduler.ScheduleTargetInput.from_object(
                        {
                            "source": "followup.tick",
                            "time": scheduler.ContextAttribute.scheduled_time,
                        }
                    ),
                    retry_attempts=2,
                    max_event_age=Duration.minutes(min(self.settings.tick_minutes, 15) * 2),
                    dead_letter_queue=self.tick_dlq,
                ),
            )

    def _event_bus(self) -> None:
        """Other systems put `stage_changed` / `message_sent` events on this bus."""
        self.event_bus = events.EventBus(
            self, "EventBus", event_bus_name=f"{self.settings.prefix}events"
        )
        self.bus_dlq = sqs.Queue(
            self,
            "BusDeadLetters",
            retention_period=Duration.days(14),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
        )
        events.Rule(
            self,
            "CrmEvents",
            event_bus=self.event_bus,
            event_pattern=events.EventPattern(detail_type=["stage_changed", "message_sent"]),
            targets=[
                events_targets.LambdaFunction(
                    self.functions["bus_events"],
                    dead_letter_queue=self.bus_dlq,
                    retry_attempts=4,
                    max_event_age=Duration.hours(2),
                )
            ],
        )
        CfnOutput(self, "EventBusName", value=self.event_bus.event_bus_name)

    # --- APIs ----------------------------------------------------------------------------

    def _user_pool(self) -> tuple[cognito.IUserPool, cognito.IUserPoolClient]:
        settings = self.settings
        if settings.user_pool_id:
            if not settings.user_pool_client_id:
                raise ValueError("context user_pool_client_id is needed with user_pool_id")
            self.hosted_ui = None
            pool = cognito.UserPool.from_user_pool_id(self, "UserPool", settings.user_pool_id)
            client = cognito.UserPoolClient.from_user_pool_client_id(
                self, "UserPoolClient", settings.user_pool_client_id
            )
            return pool, client
        made = cognito.UserPool(
            self,
            "UserPool",
            user_pool_name=f"{settings.prefix}staff",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=12,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(sms=False, otp=True),
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            removal_policy=self._keep_in_production(),
        )
        for group in GROUPS:
            cognito.CfnUserPoolGroup(
                self, f"{group.title()}Group", user_pool_id=made.user_pool_id, group_name=group
            )
        client = made.add_client(
            "AdminApp",
            auth_flows=cognito.AuthFlow(user_srp=True),
            prevent_user_existence_errors=True,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(implicit_code_grant=True),
                scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
                callback_urls=[f"{self.web_url}/"],
                logout_urls=[f"{self.web_url}/"],
            ),
            id_token_validity=Duration.hours(1),
        )
        self.hosted_ui = made.add_domain(
            "SignIn",
            cognito_domain=cognito.CognitoDomainOptions(
                domain_prefix=f"followup-{settings.stage}-{self.account}"
            ),
        )
        return made, client

    def _http_api(self) -> apigw.HttpApi:
        api = apigw.HttpApi(
            self,
            "HttpApi",
            api_name=f"{self.settings.prefix}http",
            create_default_stage=False,
            cors_preflight=apigw.CorsPreflightOptions(
                allow_origins=[self.web_url],
                allow_headers=["authorization", "content-type"],
                allow_methods=[apigw.CorsHttpMethod.ANY],
                max_age=Duration.hours(1),
            ),
        )
        access_logs = logs.LogGroup(
            self,
            "HttpApiAccessLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=self._keep_in_production(),
        )
        apigw.HttpStage(
            self,
            "HttpStage",
            http_api=api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(
                rate_limit=self.settings.api_rate_limit, burst_limit=self.settings.api_burst_limit
            ),
            access_log_settings=_AccessLogs(apigw.LogGroupLogDestination(access_logs)),
        )
        jwt = authorizers.HttpJwtAuthorizer(
            "StaffJwt",
            jwt_issuer=f"https://cognito-idp.{self.region}.amazonaws.com/"
            f"{self.user_pool.user_pool_id}",
            jwt_audience=[self.user_pool_client.user_pool_client_id],
        )
        admin = integrations.HttpLambdaIntegration("Api", self.functions["api"])
        api.add_routes(
            path="/api/{proxy+}",
            methods=[apigw.HttpMethod.ANY],
            integration=admin,
            authorizer=jwt,
        )
        self.public_routes = api.add_routes(
            path="/api/openapi.json",
            methods=[apigw.HttpMethod.GET],
            integration=admin,
            authorizer=apigw.HttpNoneAuthorizer(),
        ) + api.add_routes(
            path="/webhooks/whatsapp/{secret}",
            methods=[apigw.HttpMethod.GET, apigw.HttpMethod.POST],
            integration=integrations.HttpLambdaIntegration("Webhook", self.functions["webhook"]),
            authorizer=apigw.HttpNoneAuthorizer(),
        )
        CfnOutput(self, "ApiUrl", value=api.api_endpoint, description="admin API base URL")
        CfnOutput(
            self,
            "WebhookUrl",
            value=f"{api.api_endpoint}/webhooks/whatsapp/<WEBHOOK_SECRET from the secret>",
            description="give this to 360dialog (followup connect-whatsapp does it)",
        )
        CfnOutput(self, "UserPoolId", value=self.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.user_pool_client.user_pool_client_id)
        CfnOutput(self, "SecretName", value=self.secret.secret_name)
        return api

    def _websocket_api(self) -> apigw.WebSocketApi:
        """The live queue feed: sign in on `$connect`, then follow-up changes are pushed."""
        issuer = f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool.user_pool_id}"
        authorizer_fn = self.function(
            "ws_authorizer",
            timeout_seconds=10,
            environment={
                "COGNITO_ISSUER": issuer,
                "COGNITO_CLIENT_ID": self.user_pool_client.user_pool_client_id,
            },
        )
        realtime = self.function("realtime", timeout_seconds=10)
        routes = integrations.WebSocketLambdaIntegration("Realtime", realtime)
        api = apigw.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=f"{self.settings.prefix}live",
            connect_route_options=apigw.WebSocketRouteOptions(
                integration=routes,
                authorizer=authorizers.WebSocketLambdaAuthorizer(
                    "StaffToken",
                    authorizer_fn,
                    identity_source=["route.request.querystring.token"],
                ),
            ),
            disconnect_route_options=apigw.WebSocketRouteOptions(integration=routes),
            default_route_options=apigw.WebSocketRouteOptions(integration=routes),
        )
        stage = apigw.WebSocketStage(
            self,
            "WebSocketStage",
            web_socket_api=api,
            stage_name="live",
            auto_deploy=True,
            throttle=apigw.ThrottleSettings(rate_limit=20, burst_limit=40),
        )
        ws_logs = logs.LogGroup(
            self,
            "WebSocketAccessLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=self._keep_in_production(),
        )
        cfn_stage = stage.node.default_child
        assert isinstance(cfn_stage, apigw.CfnStage)
        cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
            destination_arn=ws_logs.log_group_arn,
            format=json.dumps(
                {
                    "requestId": "$context.requestId",
                    "connectionId": "$context.connectionId",
                    "eventType": "$context.eventType",
                    "routeKey": "$context.routeKey",
                    "status": "$context.status",
                    "ip": "$context.identity.sourceIp",
                    "time": "$context.requestTime",
                }
            ),
        )
        broadcaster = self.function(
            "broadcaster",
            timeout_seconds=60,
            environment={"WEBSOCKET_CALLBACK_URL": stage.callback_url},
        )
        realtime.add_environment("WEBSOCKET_CALLBACK_URL", stage.callback_url)
        connections = self.tables["connections"]
        for fn in (realtime, broadcaster):
            connections.grant_read_write_data(fn)
            stage.grant_management_api_access(fn)
        self.stream_dlq = sqs.Queue(
            self,
            "StreamDeadLetters",
            retention_period=Duration.days(14),
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
        )
        broadcaster.add_event_source(
            sources.DynamoEventSource(
                self.tables["followups"],
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=100,
                max_batching_window=Duration.seconds(1),
                retry_attempts=2,
                bisect_batch_on_error=True,
                on_failure=sources.SqsDlq(self.stream_dlq),
            )
        )
        self.websocket_url = stage.url
        CfnOutput(self, "WebSocketUrl", value=stage.url, description="live queue feed")
        return api

    # --- the admin web app ----------------------------------------------------------------

    def _web_distribution(self) -> tuple[s3.Bucket, cloudfront.Distribution]:
        """A private bucket behind CloudFront (origin access control), logs kept."""
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.OBJECT_WRITER,  # CloudFront writes with ACLs
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))],
            removal_policy=self._keep_in_production(),
        )
        bucket = s3.Bucket(
            self,
            "WebApp",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="s3/",
            removal_policy=self._keep_in_production(),
        )
        spa = cloudfront.ErrorResponse  # unknown paths are app routes: answer index.html
        distribution = cloudfront.Distribution(
            self,
            "WebDistribution",
            comment=f"{self.settings.prefix}admin",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
            ),
            error_responses=[
                spa(http_status=403, response_http_status=200, response_page_path="/index.html"),
                spa(http_status=404, response_http_status=200, response_page_path="/index.html"),
            ],
            enable_logging=True,
            log_bucket=self.access_logs,
            log_file_prefix="cloudfront/",
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        )
        return bucket, distribution

    def _web_files(self) -> None:
        """The built app, plus the `config.json` that tells it where the APIs and sign-in are."""
        if not (WEB_DIST / "index.html").exists():
            raise ValueError("the admin web app is not built: run `make web` (make synth does)")
        config: dict[str, str] = {
            "mode": "cognito",
            "apiUrl": self.http_api.api_endpoint,
            "wsUrl": self.websocket_url,
            "clientId": self.user_pool_client.user_pool_client_id,
        }
        if self.hosted_ui is not None:
            config["cognitoDomain"] = (
                f"{self.hosted_ui.domain_name}.auth.{self.region}.amazoncognito.com"
            )
        elif self.settings.user_pool_domain:
            config["cognitoDomain"] = self.settings.user_pool_domain
        s3deploy.BucketDeployment(
            self,
            "WebAppFiles",
            destination_bucket=self.web_bucket,
            sources=[
                s3deploy.Source.asset(str(WEB_DIST)),
                s3deploy.Source.json_data("config.json", config),
            ],
            distribution=self.web,
            distribution_paths=["/index.html", "/config.json"],
            memory_limit=256,
        )
        CfnOutput(self, "WebAppUrl", value=f"{self.web_url}/", description="the admin web app")

    # --- observability -------------------------------------------------------------------

    def _observability(self) -> sns.Topic:
        topic = sns.Topic(self, "Alarms", enforce_ssl=True)
        if self.settings.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(self.settings.alarm_email))
        notify = actions.SnsAction(topic)

        def alarm(name: str, metric: cloudwatch.IMetric, threshold: float, what: str) -> None:
            made = cloudwatch.Alarm(
                self,
                name,
                metric=metric,
                threshold=threshold,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_description=what,
            )
            made.add_alarm_action(notify)

        dead_letters = (
            (self.send_dlq, "sends"),
            (self.tick_dlq, "ticks"),
            (self.bus_dlq, "events"),
            (self.stream_dlq, "broadcasts"),
        )
        for queue, what in dead_letters:
            alarm(
                f"{what.title()}DeadLetters",
                queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5)),
                1,
                f"{what} gave up after retries and wait in a dead-letter queue",
            )
        for name, fn in self.functions.items():
            title = name.title().replace("_", "")
            alarm(
                f"{title}Errors", fn.metric_errors(period=Duration.minutes(5)), 1, f"{name} failed"
            )
            alarm(
                f"{title}Throttles",
                fn.metric_throttles(period=Duration.minutes(5)),
                1,
                f"{name} was throttled",
            )
        failures = self._metric("send_failed", "sender")
        alarm("SendFailures", failures, 10, "10 or more sends failed within 5 minutes")
        opt_outs = self._metric("webhook_opt_out", "webhook", period_minutes=60)
        alarm("OptOutSpike", opt_outs, 20, "20 or more contacts opted out within an hour")
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{self.settings.prefix}engine"
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Sends",
                left=[self._metric("send_sent", "sender"), failures],
            ),
            cloudwatch.GraphWidget(
                title="Replies and opt-outs",
                left=[self._metric("webhook_inbound", "webhook"), opt_outs],
            ),
            cloudwatch.GraphWidget(
                title="Send queue",
                left=[
                    self.send_queue.metric_approximate_number_of_messages_visible(),
                    self.send_dlq.metric_approximate_number_of_messages_visible(),
                ],
            ),
        )
        return topic

    def _metric(self, name: str, service: str, period_minutes: int = 5) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=name,
            dimensions_map={"service": service},
            statistic="Sum",
            period=Duration.minutes(period_minutes),
        )
