"""The admin web app: a private bucket behind CloudFront, and the build with its config."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aws_cdk import CfnOutput, Duration, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

from infra.content_policy import connect_policy, content_security_policy

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
        # Kept in dev too: logs arrive until the stack is gone, and a bucket holding any
        # cannot be deleted; they expire after 90 days
        removal_policy=RemovalPolicy.RETAIN,
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


def headers(stack: FollowupStack) -> None:
    """The security headers of CloudFront's managed policy (frames refused outright), plus
    the app's Content-Security-Policy. The API's CORS names the distribution, so the policy
    cannot name the API in turn (CloudFormation would have a cycle): its `connect-src` takes
    any API Gateway API of the stack's region, and the page's own policy (`page`) narrows
    that to this stack's API. Made with the files, once the APIs and sign-in are."""
    policy = cloudfront.ResponseHeadersPolicy(
        stack,
        "WebHeaders",
        comment=f"{stack.settings.prefix}admin: security headers and the app's CSP",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=content_security_policy(
                    [f"https://*.execute-api.{stack.region}.{stack.url_suffix}", *reached(stack)]
                ),
                override=True,
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=False),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=False
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                override=False,
            ),
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=Duration.days(365), override=False
            ),
            xss_protection=cloudfront.ResponseHeadersXSSProtection(
                protection=True, mode_block=True, override=False
            ),
        ),
    )
    distribution = stack.web.node.default_child
    assert isinstance(distribution, cloudfront.CfnDistribution)
    distribution.add_property_override(
        "DistributionConfig.DefaultCacheBehavior.ResponseHeadersPolicyId",
        policy.response_headers_policy_id,
    )


def page(stack: FollowupStack) -> str:
    """The built `index.html`, its policy narrowing `connect-src` to this stack's API, live
    feed and hosted UI (values filled in at deploy)."""
    built = (WEB_DIST / "index.html").read_text()
    if "<head>" not in built:
        raise ValueError("the built index.html has no <head> to put its policy in")
    policy = connect_policy([stack.http_api.api_endpoint, *reached(stack)])
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy}" />'
    return built.replace("<head>", f"<head>\n    {meta}", 1)


def reached(stack: FollowupStack) -> list[str]:
    """The origins the app connects to besides its own and the HTTP API: the live feed and,
    when there is one, the hosted UI. Another origin the app must reach is added here, for
    both policies."""
    origins = [stack.websocket_api.api_endpoint]
    if stack.hosted_ui is not None:
        origins.append(f"https://{_hosted_ui(stack)}")
    elif stack.settings.user_pool_domain:
        given = stack.settings.user_pool_domain
        address = urlsplit(given if "://" in given else f"https://{given}")
        origins.append(f"{address.scheme}://{address.netloc}")
    return origins


def _hosted_ui(stack: FollowupStack) -> str | None:
    """Where the app signs in: the stack's own hosted UI domain, or the one given."""
    if stack.hosted_ui is not None:
        return f"{stack.hosted_ui.domain_name}.auth.{stack.region}.amazoncognito.com"
    return stack.settings.user_pool_domain


def files(stack: FollowupStack) -> None:
    """The built app, its `index.html` with its policy, plus the `config.json` that tells
    it where the APIs and sign-in are."""
    if not (WEB_DIST / "index.html").exists():
        raise ValueError("the admin web app is not built: run `make web` (make synth does)")
    config: dict[str, str] = {
        "mode": "cognito",
        "apiUrl": stack.http_api.api_endpoint,
        "wsUrl": stack.websocket_url,
        "clientId": stack.user_pool_client.user_pool_client_id,
    }
    hosted_ui = _hosted_ui(stack)
    if hosted_ui is not None:
        config["cognitoDomain"] = hosted_ui
    headers(stack)
    s3deploy.BucketDeployment(
        stack,
        "WebAppFiles",
        destination_bucket=stack.web_bucket,
        sources=[
            s3deploy.Source.asset(str(WEB_DIST)),
            s3deploy.Source.data("index.html", page(stack)),  # over the build's own
            s3deploy.Source.json_data("config.json", config),
        ],
        distribution=stack.web,
        # "/" too: CloudFront caches the root apart from "/index.html" it answers it with,
        # and a stale page there names asset files this deploy removed (a blank app)
        distribution_paths=["/", "/index.html", "/config.json"],
        memory_limit=256,
        # In dev the bucket goes with the stack, and must be emptied first; prod keeps it
        retain_on_delete=stack.settings.production,
        log_group=logs.LogGroup(
            stack,
            "WebAppFilesLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=stack.keep_in_production(),
        ),
    )
    CfnOutput(stack, "WebAppUrl", value=f"{stack.web_url}/", description="the admin web app")
