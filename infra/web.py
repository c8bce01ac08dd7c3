"""The admin web app: a private bucket behind CloudFront, and the build with its config."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

if TYPE_CHECKING:
    from infra.stack import FollowupStack

WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"


def distribution(stack: FollowupStack) -> tuple[s3.Bucket, cloudfront.Distribution]:
    """A private bucket behind CloudFront (origin access control), logs kept."""
    stack.access_logs = s3.Bucket(
        stack,
        "AccessLogs",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.OBJECT_WRITER,  # CloudFront writes with ACLs
        lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))],
        removal_policy=stack.keep_in_production(),
    )
    bucket = s3.Bucket(
        stack,
        "WebApp",
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        server_access_logs_bucket=stack.access_logs,
        server_access_logs_prefix="s3/",
        removal_policy=stack.keep_in_production(),
    )
    spa = cloudfront.ErrorResponse  # unknown paths are app routes: answer index.html
    distribution = cloudfront.Distribution(
        stack,
        "WebDistribution",
        comment=f"{stack.settings.prefix}admin",
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
        log_bucket=stack.access_logs,
        log_file_prefix="cloudfront/",
        minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
    )
    return bucket, distribution


def files(stack: FollowupStack) -> None:
    """The built app, plus the `config.json` that tells it where the APIs and sign-in are."""
    if not (WEB_DIST / "index.html").exists():
        raise ValueError("the admin web app is not built: run `make web` (make synth does)")
    config: dict[str, str] = {
        "mode": "cognito",
        "apiUrl": stack.http_api.api_endpoint,
        "wsUrl": stack.websocket_url,
        "clientId": stack.user_pool_client.user_pool_client_id,
    }
    if stack.hosted_ui is not None:
        config["cognitoDomain"] = (
            f"{stack.hosted_ui.domain_name}.auth.{stack.region}.amazoncognito.com"
        )
    elif stack.settings.user_pool_domain:
        config["cognitoDomain"] = stack.settings.user_pool_domain
    s3deploy.BucketDeployment(
        stack,
        "WebAppFiles",
        destination_bucket=stack.web_bucket,
        sources=[
            s3deploy.Source.asset(str(WEB_DIST)),
            s3deploy.Source.json_data("config.json", config),
        ],
        distribution=stack.web,
        distribution_paths=["/index.html", "/config.json"],
        memory_limit=256,
        log_group=logs.LogGroup(
            stack,
            "WebAppFilesLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=stack.keep_in_production(),
        ),
    )
    CfnOutput(stack, "WebAppUrl", value=f"{stack.web_url}/", description="the admin web app")
