"""cdk-nag AwsSolutions findings this design accepts, each scoped to where it applies
and given the reason a security reviewer needs. Everything else must pass."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import IConstruct

from followup.adapters.tables import TABLES, table_spec
from infra.grants import NEEDS
from infra.stack import TRACED

if TYPE_CHECKING:
    from infra.stack import FollowupStack


def _accept(scope: IConstruct, rule: str, reason: str) -> None:
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))


def _ref(stack: cdk.Stack, construct: IConstruct) -> str:
    child = construct.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return str(stack.get_logical_id(child))


def acknowledge(stack: FollowupStack) -> None:
    for name, fn in stack.functions.items():
        role = fn.role
        assert role is not None
        wildcards = []
        if name in TRACED:
            wildcards.append(
                "xray:PutTraceSegments and xray:PutTelemetryRecords, added by active tracing: "
                "X-Ray has no resource-level permissions for these actions."
            )
        if NEEDS[name].texts_and_emails:
            wildcards.append(
                "sns:Publish with sns:CheckIfPhoneNumberIsOptedOut, to send SMS: SNS gives a "
                "phone number no resource ARN to scope them to."
            )
        if wildcards:
            _accept(role, "AwsSolutions-IAM5[Resource::*]", "Only " + " And ".join(wildcards))
        for logical in sorted(NEEDS[name].tables):
            table = stack.tables[logical]
            if table_spec(TABLES[logical]).get("GlobalSecondaryIndexes"):
                _accept(
                    role,
                    f"AwsSolutions-IAM5[Resource::<{_ref(stack, table)}.Arn>/index/*]",
                    "Queries on the global secondary indexes of this one table, which this "
                    "function reads or writes (infra/grants.py); the indexes are declared from "
                    "the code's own index definitions and no other table is covered.",
                )
    for name in ("enqueue", "dispatch", "expire"):
        fn = stack.functions[name]
        _accept(
            stack,
            f"AwsSolutions-IAM5[Resource::<{_ref(stack, fn)}.Arn>:*]",
            f"The tick workflow's role may invoke the {name} function and its versions "
            "only (the Step Functions Lambda task grants lambda:InvokeFunction on both).",
        )
    _accept(
        stack.tick_machine,
        "AwsSolutions-IAM5[Resource::*]",
        "Only the CloudWatch Logs delivery actions (logs:CreateLogDelivery, ListLogDeliveries "
        "and the like) that Step Functions needs to log to its log group; they have no "
        "resource-level permissions.",
    )
    _accept(
        stack.tick_machine,
        "AwsSolutions-SF2",
        "No X-Ray on the tick workflow: each step is a traced Lambda function, and the "
        "workflow's own history and logs show every step's input, timing and error.",
    )
    for route in stack.public_routes:
        _accept(
            route,
            "AwsSolutions-APIG4",
            "Deliberately without the JWT authorizer: GET /api/openapi.json is the public "
            "API description; "
            "/u/{token} is the one-click unsubscribe link of emails, whose HMAC-signed token "
            "is checked by the handler (RFC 8058: mail clients post it without signing in).",
        )
    _accept(
        stack.secret,
        "AwsSolutions-SMG4",
        "The 360dialog and Anthropic keys are issued by those providers and cannot be "
        "rotated by a Lambda; the webhook secret is rotated by hand without downtime "
        "(old and new comma-separated, then the old removed), as the README describes.",
    )
    api_id = _ref(stack, stack.websocket_api)
    for name in sorted(name for name in stack.functions if NEEDS[name].pushes):
        role = stack.functions[name].role
        assert role is not None
        _accept(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:"
            f"<AWS::AccountId>:<{api_id}>/live/*/@connections/*]",
            "Posting to the open connections of this one WebSocket stage; connection ids "
            "are made by API Gateway at connect time, so they cannot be listed in advance.",
        )
    _accept(
        stack.api_gateway_logs_role,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AmazonAPIGatewayPushToCloudWatchLogs]",
        "API Gateway's account-level logging role, which the WebSocket stage's access logs "
        "need: the AWS managed policy made for it (creating and writing log groups), and "
        "only API Gateway may assume the role.",
    )
    for route_id in ("$disconnect-Route", "$default-Route"):
        _accept(
            stack.websocket_api.node.find_child(route_id),
            "AwsSolutions-APIG4",
            "WebSocket APIs authorize once, on $connect (the Cognito token is checked by "
            "the Lambda authorizer); $disconnect and $default only run on connections "
            "that passed it.",
        )
    _web_app(stack)
    for queue in (stack.tick_dlq, stack.bus_dlq, stack.stream_dlq, stack.stats_dlq):
        _accept(
            queue,
            "AwsSolutions-SQS3",
            "This queue is itself a dead-letter queue (of the tick workflow and its "
            "schedule, the event bus rule and its function, or the follow-up stream's "
            "broadcaster and stats function).",
        )


def _web_app(stack: FollowupStack) -> None:
    """The web app's distribution, and the CDK-provided function that uploads the build."""
    distribution = stack.web
    _accept(
        distribution,
        "AwsSolutions-CFR4",
        "The app is served on CloudFront's default *.cloudfront.net certificate, whose "
        "minimum TLS version CloudFront does not let a distribution raise; the stack takes "
        "no custom domain, which would be needed to require TLS 1.2.",
    )
    _accept(
        distribution,
        "AwsSolutions-CFR1",
        "No geo restriction: staff sign in from wherever they travel, the files are the "
        "public build of the app, and every API call needs a Cognito token.",
    )
    _accept(
        distribution,
        "AwsSolutions-CFR2",
        "No WAF on the static app: it holds no data and no server logic; the APIs it calls "
        "are throttled and authorized. Attach a web ACL if the organisation mandates one.",
    )
    [uploader] = [
        child
        for child in stack.node.children
        if child.node.id.startswith("Custom::CDKBucketDeployment")
    ]
    reasons = {
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]": "The upload function is aws-cdk-lib's own "
        "BucketDeployment provider; it runs only during deployments and writes only its logs "
        "with this policy.",
        "AwsSolutions-L1": "The upload function's runtime is pinned by aws-cdk-lib's "
        "BucketDeployment provider, not by this app; it runs only during deployments.",
    }
    for action in ("s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"):
        reasons[f"AwsSolutions-IAM5[Action::{action}]"] = (
            "BucketDeployment copies the built app from the CDK asset bucket into the web "
            "bucket and prunes old files: object-level actions on those two buckets only."
        )
    reasons[
        "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-"
        "<AWS::AccountId>-<AWS::Region>/*]"
    ] = "Reading the uploaded build from the CDK bootstrap asset bucket (content-hashed keys)."
    reasons[f"AwsSolutions-IAM5[Resource::<{_ref(stack, stack.web_bucket)}.Arn>/*]"] = (
        "Writing and pruning the app's files in its own bucket; file names change per build."
    )
    reasons["AwsSolutions-IAM5[Resource::*]"] = (
        "cloudfront:CreateInvalidation and GetInvalidation, granted by BucketDeployment to "
        "refresh index.html and config.json on the app's distribution after an upload."
    )
    for rule, reason in reasons.items():
        _accept(uploader, rule, reason)
