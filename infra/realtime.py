"""The live queue feed: a WebSocket API signed into with the staff's Cognito token."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs

from infra.batching import BROADCASTER
from infra.grants import NEEDS

if TYPE_CHECKING:
    from infra.stack import FollowupStack


def websocket_api(stack: FollowupStack) -> apigw.WebSocketApi:
    """The live queue feed: sign in on `$connect`, then follow-up changes are pushed."""
    issuer = f"https://cognito-idp.{stack.region}.amazonaws.com/{stack.user_pool.user_pool_id}"
    authorizer_fn = stack.function(
        "ws_authorizer",
        timeout_seconds=10,
        environment={
            "COGNITO_ISSUER": issuer,
            "COGNITO_CLIENT_ID": stack.user_pool_client.user_pool_client_id,
        },
    )
    # a hanging DynamoDB call gives up within adapters.timeouts.DYNAMODB.stall (19 s); the
    # WebSocket API waits 29 s
    realtime = stack.function("realtime", timeout_seconds=29)
    routes = integrations.WebSocketLambdaIntegration("Realtime", realtime)
    api = apigw.WebSocketApi(
        stack,
        "WebSocketApi",
        api_name=f"{stack.settings.prefix}live",
        connect_route_options=apigw.WebSocketRouteOptions(
            integration=routes,
            authorizer=authorizers.WebSocketLambdaAuthorizer(
                "StaffToken",
                authorizer_fn,
                identity_source=["route.request.header.Sec-WebSocket-Protocol"],
            ),
        ),
        disconnect_route_options=apigw.WebSocketRouteOptions(integration=routes),
        default_route_options=apigw.WebSocketRouteOptions(integration=routes),
    )
    stage = apigw.WebSocketStage(
        stack,
        "WebSocketStage",
        web_socket_api=api,
        stage_name="live",
        auto_deploy=True,
        throttle=apigw.ThrottleSettings(rate_limit=20, burst_limit=40),
    )
    stage.node.add_dependency(logging_account(stack))
    ws_logs = logs.LogGroup(
        stack,
        "WebSocketAccessLogs",
        retention=logs.RetentionDays.THREE_MONTHS,
        removal_policy=stack.keep_in_production(),
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
    broadcaster = stack.function(
        "broadcaster",
        timeout_seconds=60,
        environment={"WEBSOCKET_CALLBACK_URL": stage.callback_url},
    )
    realtime.add_environment("WEBSOCKET_CALLBACK_URL", stage.callback_url)
    for name, fn in stack.functions.items():
        if NEEDS[name].pushes:
            stage.grant_management_api_access(fn)
    stack.stream_dlq = stack.dead_letter_queue("StreamDeadLetters")
    broadcaster.add_event_source(
        sources.DynamoEventSource(
            stack.tables["followups"],
            starting_position=lambda_.StartingPosition.LATEST,
            batch_size=BROADCASTER.size,
            max_batching_window=Duration.seconds(BROADCASTER.window_seconds),
            retry_attempts=2,
            bisect_batch_on_error=True,
            on_failure=sources.SqsDlq(stack.stream_dlq),
        )
    )
    stack.websocket_url = stage.url
    CfnOutput(stack, "WebSocketUrl", value=stage.url, description="live queue feed")
    return api


def logging_account(stack: FollowupStack) -> apigw_v1.CfnAccount:
    """API Gateway's account-level CloudWatch Logs role, without which a WebSocket stage
    with access logs cannot be created. One per account and region, shared by every API
    there: kept when the stack is deleted, so other APIs' logging goes on."""
    role = iam.Role(
        stack,
        "ApiGatewayLogsRole",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        description="API Gateway writes the access logs of this account's APIs",
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name(
                "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
            )
        ],
    )
    role.apply_removal_policy(RemovalPolicy.RETAIN)
    account = apigw_v1.CfnAccount(stack, "ApiGatewayAccount", cloud_watch_role_arn=role.role_arn)
    account.apply_removal_policy(RemovalPolicy.RETAIN)
    stack.api_gateway_logs_role = role
    return account
