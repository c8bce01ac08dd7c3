"""WebSocket `$connect` authorizer: the same Cognito sign-in as the HTTP API, from the token
the browser offers as a subprotocol next to `followup.live`."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.adapters.cognito import CognitoVerifier, InvalidToken
from followup.api.feed import may_listen, offered_token
from followup.wiring import logs, runtime

logger, metrics = runtime.observability("ws_authorizer")


@cache
def verifier() -> CognitoVerifier:
    config = runtime.config()
    return CognitoVerifier(config.cognito_issuer, config.cognito_client_id)


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    token = offered_token(event.get("headers"))
    try:
        claims = verifier().verify(token)
        if not may_listen(claims):
            raise InvalidToken("the user has no role")
    except InvalidToken as refused:
        logger.info("connection refused", extra={"reason": str(refused)})
        metrics.add_metric(name="ws_refused", unit="Count", value=1)
        return {"principalId": "refused", "policyDocument": _policy("Deny", event)}
    metrics.add_metric(name="ws_authorized", unit="Count", value=1)
    groups = claims.get("cognito:groups") or []
    return {
        "principalId": claims["sub"],
        "policyDocument": _policy("Allow", event),
        # The token's expiry: the feed stops with the sign-in, as the API does.
        "context": {"sub": claims["sub"], "groups": " ".join(groups), "expires": claims["exp"]},
    }


def _policy(effect: str, event: dict[str, Any]) -> dict[str, Any]:
    """Connect or not. A refusal is an answer (API Gateway answers 403), not a failure of
    the function: an expired sign-in reconnecting every 30 s is normal and pages nobody,
    while the function's error alarm still tells of a real fault."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
        ],
    }
