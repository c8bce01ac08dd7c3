"""/u/{token}: the one-click unsubscribe link of marketing emails (RFC 8058). Public: the
signed token is the only credential, and a token we did not sign changes nothing."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from followup.services.unsubscribe import unsubscribe_email, valid
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools

_REFUSED = "This unsubscribe link is not valid.\n"


def _secret() -> str:
    return runtime.config().unsubscribe_secret.get_secret_value()


def _page(status: int, body: str) -> Response[str]:
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=body)


@router.post("/u/<token>", include_in_schema=False)
def one_click(token: str) -> Response[str]:
    """Unsubscribe from email; mail clients post `List-Unsubscribe=One-Click` here."""
    deps = runtime.deps()
    if not unsubscribe_email(deps, _secret(), token, deps.clock.now()):
        return _page(400, _REFUSED)
    return _page(200, "<p>You are unsubscribed: you will get no more emails from us.</p>\n")


@router.get("/u/<token>", include_in_schema=False)
def confirm(token: str) -> Response[str]:
    """Ask before unsubscribing: link checkers open links, only a person presses the button.
    The form posts back to the page's own address (no `action`), whatever path the API is
    served under (a custom domain's base path)."""
    if not valid(_secret(), token):
        return _page(400, _REFUSED)
    return _page(
        200,
        '<form method="post"><input type="hidden" name="List-Unsubscribe"'
        ' value="One-Click"><button>Unsubscribe from these emails</button></form>\n',
    )
