"""Who may call what: the Cognito user pool, the HTTP API with its JWT authorizer, and the
WhatsApp webhook's own URL."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import jsii
from aws_cdk import CfnOutput, Duration
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs

if TYPE_CHECKING:
    from infra.stack import FollowupStack

GROUPS = ("admin", "marketing", "counselor")


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


def user_pool(stack: FollowupStack) -> tuple[cognito.IUserPool, cognito.IUserPoolClient]:
    settings = stack.settings
    if settings.user_pool_id:
        stack.hosted_ui = None
        pool = cognito.UserPool.from_user_pool_id(stack, "UserPool", settings.user_pool_id)
        client = cognito.UserPoolClient.from_user_pool_client_id(
            stack, "UserPoolClient", settings.user_pool_client_id
        )
        return pool, client
    made = cognito.UserPool(
        stack,
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
        removal_policy=stack.keep_in_production(),
    )
    for group in GROUPS:
        cognito.CfnUserPoolGroup(
            stack, f"{group.title()}Group", user_pool_id=made.user_pool_id, group_name=group
        )
    client = made.add_client(
        "AdminApp",
        auth_flows=cognito.AuthFlow(user_srp=True),
        prevent_user_existence_errors=True,
        o_auth=cognito.OAuthSettings(
            # the code flow with PKCE (the app has no secret): no token in a URL, and a
            # code only the tab that asked can exchange
            flows=cognito.OAuthFlows(authorization_code_grant=True),
            scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
            callback_urls=[f"{stack.web_url}/"],
            logout_urls=[f"{stack.web_url}/"],
        ),
        id_token_validity=Duration.hours(1),
        # the app renews its hour-long ID token with the refresh token the code exchange
        # returns, so a session lasts a working day without signing in again; signing out
        # revokes it
        refresh_token_validity=Duration.hours(12),
        enable_token_revocation=True,
    )
    stack.hosted_ui = made.add_domain(
        "SignIn",
        cognito_domain=cognito.CognitoDomainOptions(
            domain_prefix=f"followup-{settings.stage}-{stack.account}"
        ),
    )
    return made, client


def http_api(stack: FollowupStack) -> apigw.HttpApi:
    api = apigw.HttpApi(
        stack,
        "HttpApi",
        api_name=f"{stack.settings.prefix}http",
        create_default_stage=False,
        cors_preflight=apigw.CorsPreflightOptions(
            allow_origins=[stack.web_url],
            allow_headers=["authorization", "content-type"],
            allow_methods=[apigw.CorsHttpMethod.ANY],
            max_age=Duration.hours(1),
        ),
    )
    access_logs = logs.LogGroup(
        stack,
        "HttpApiAccessLogs",
        retention=logs.RetentionDays.THREE_MONTHS,
        removal_policy=stack.keep_in_production(),
    )
    apigw.HttpStage(
        stack,
        "HttpStage",
        http_api=api,
        stage_name="$default",
        auto_deploy=True,
        throttle=apigw.ThrottleSettings(
            rate_limit=stack.settings.api_rate_limit, burst_limit=stack.settings.api_burst_limit
        ),
        access_log_settings=_AccessLogs(apigw.LogGroupLogDestination(access_logs)),
    )
    jwt = authorizers.HttpJwtAuthorizer(
        "StaffJwt",
        jwt_issuer=f"https://cognito-idp.{stack.region}.amazonaws.com/"
        f"{stack.user_pool.user_pool_id}",
        jwt_audience=[stack.user_pool_client.user_pool_client_id],
    )
    admin = integrations.HttpLambdaIntegration("Api", stack.functions["api"])
    api.add_routes(
        path="/api/{proxy+}",
        methods=[apigw.HttpMethod.ANY],
        integration=admin,
        authorizer=jwt,
    )
    stack.public_routes = api.add_routes(
        path="/api/openapi.json",
        methods=[apigw.HttpMethod.GET],
        integration=admin,
        authorizer=apigw.HttpNoneAuthorizer(),
    ) + api.add_routes(
        path="/u/{token}",
        methods=[apigw.HttpMethod.GET, apigw.HttpMethod.POST],
        integration=admin,
        authorizer=apigw.HttpNoneAuthorizer(),
    )
    stack.functions["sender"].add_environment("PUBLIC_API_URL", api.api_endpoint)
    CfnOutput(stack, "ApiUrl", value=api.api_endpoint, description="admin API base URL")
    CfnOutput(stack, "UserPoolId", value=stack.user_pool.user_pool_id)
    CfnOutput(stack, "UserPoolClientId", value=stack.user_pool_client.user_pool_client_id)
    CfnOutput(stack, "SecretName", value=stack.secret.secret_name)
    return api


STATUSES_PER_SEND = 3
"""Sent, delivered and read: what 360dialog delivers for each send."""
WEBHOOK_ANSWER_MS = 100
"""What one delivery may take to answer, warm: the handler's p99 in-process is ~50 ms."""
AI_REPLY_PERCENT = 20
"""Assumed: at a campaign's peak, replies arrive at a fifth of the sending rate, and with
`ai.enabled` Claude reads every one (the stack cannot know whether a workspace turns it on)."""
AI_REPLY_MS = 2_000
"""Assumed: a reply Claude reads is answered in 2 s (one small classify call with a cached
prompt, about its p95; `ANTHROPIC_TIMEOUT_SECONDS` bounds the rare slower one)."""
ACCOUNT_CONCURRENCY = 1_000
"""Lambda's default concurrency per account and region."""
UNRESERVED_CONCURRENCY = 100
"""What Lambda keeps unreserved for every other function: it refuses a reservation that
leaves less, so the deployment would fail."""


def webhook_concurrency(sends_per_second: int) -> int:
    """Deliveries the webhook handles at once, beyond which it answers 429 (360dialog
    delivers again later): at the number's rate, its three statuses per send each answered
    within `WEBHOOK_ANSWER_MS`, and the share of sends replied to and read by the AI, each
    within `AI_REPLY_MS`; at least 2, and no more than an account at its default quota may
    reserve."""
    per_send_ms = STATUSES_PER_SEND * WEBHOOK_ANSWER_MS + AI_REPLY_PERCENT * AI_REPLY_MS // 100
    wanted = math.ceil(sends_per_second * per_send_ms / 1000)
    return min(ACCOUNT_CONCURRENCY - UNRESERVED_CONCURRENCY, max(2, wanted))


def webhook(stack: FollowupStack) -> lambda_.FunctionUrl:
    """The WhatsApp webhook on its function's own URL: 360dialog cannot sign requests, so
    the URL takes anyone and the handler checks the secret path, the optional secret header
    and Meta's optional signature, as behind a gateway; the function's reserved concurrency
    is its throttle. No per-request charge, unlike the HTTP API's $1 per million."""
    url = stack.functions["webhook"].add_function_url(auth_type=lambda_.FunctionUrlAuthType.NONE)
    CfnOutput(
        stack,
        "WebhookBaseUrl",
        value=url.url,
        description="the webhook function's URL (followup connect-whatsapp reads it)",
    )
    CfnOutput(
        stack,
        "WebhookUrl",
        value=f"{url.url}webhooks/whatsapp/<WEBHOOK_SECRET from the secret>",
        description="give this to 360dialog (followup connect-whatsapp does it)",
    )
    CfnOutput(
        stack,
        "D360BaseUrl",
        value=stack.settings.d360_base_url,
        description="the 360dialog API the numbers are reached at (followup connect-whatsapp "
        "registers the webhook there)",
    )
    return url
