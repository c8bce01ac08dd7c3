"""The admin web app's Content-Security-Policy: one text for CloudFront and the local gateway.

The app's scripts and stylesheets are files of its own build; it has no inline script and
needs no `eval`, so lead text (names, messages, AI-written drafts) that ever reached the page
as markup could not run. Mantine writes its CSS variables in `<style>` elements, hence
`'unsafe-inline'` for styles only. The app connects to its own origin (`config.json`), the
admin API, the live feed and, signing in with Cognito, the hosted UI's token endpoint: those
origins are the only ones it may reach. It posts no form (the email unsubscribe page is the
API's), and no other site may frame it.
"""

from __future__ import annotations

from collections.abc import Iterable

BEFORE_CONNECT = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self'",
)
AFTER_CONNECT = (
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
    "frame-ancestors 'none'",
)


def content_security_policy(connect: Iterable[str]) -> str:
    """The whole policy, the app allowed to connect to its own origin and to `connect`
    (origins such as `https://abc.execute-api.eu-west-1.amazonaws.com` or `wss://…`)."""
    return "; ".join([*BEFORE_CONNECT, connect_policy(connect), *AFTER_CONNECT])


def connect_policy(connect: Iterable[str]) -> str:
    """The policy's `connect-src` alone: the app's own origin and `connect`."""
    return " ".join(["connect-src", "'self'", *connect])
