"""Roles from the JWT claims API Gateway's authorizer put in the request context."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from followup.domain.errors import DomainError


class Role(StrEnum):
    ADMIN = "admin"
    MARKETING = "marketing"
    COUNSELOR = "counselor"


READERS = frozenset(Role)
RULE_WRITERS = frozenset({Role.ADMIN, Role.MARKETING})
SETTINGS_WRITERS = frozenset({Role.ADMIN})


class Unauthenticated(DomainError):
    """No verified identity reached the handler."""


class Forbidden(DomainError):
    """The caller's role may not do this."""


def roles(event: dict[str, Any]) -> set[Role]:
    """`cognito:groups` arrives as a list or, through HTTP APIs, as "[admin marketing]"."""
    authorizer = event.get("requestContext", {}).get("authorizer") or {}
    claims = (authorizer.get("jwt") or {}).get("claims")
    if not claims:
        raise Unauthenticated("sign in first")
    groups = claims.get("cognito:groups", [])
    if isinstance(groups, str):
        groups = groups.strip("[]").replace(",", " ").split()
    return {Role(group) for group in groups if group in Role._value2member_map_}


def caller(event: dict[str, Any]) -> str:
    """Who made the request, as the timeline and the audit log show it: their e-mail once
    Cognito verified it (`email_verified`, which HTTP APIs pass as the text "true"), else
    their user name, else the subject. An unverified e-mail is the user's own word, so it
    never names them."""
    claims = ((event.get("requestContext", {}).get("authorizer") or {}).get("jwt") or {}).get(
        "claims"
    ) or {}
    verified = str(claims.get("email_verified", "")).lower() == "true"
    for name in ("email", "cognito:username", "username", "sub"):
        if claims.get(name) and (verified or name != "email"):
            return str(claims[name])
    raise Unauthenticated("sign in first")


def require(event: dict[str, Any], allowed: frozenset[Role]) -> None:
    if not roles(event) & allowed:
        names = ", ".join(sorted(role.value for role in allowed))
        raise Forbidden(f"this needs one of these roles: {names}")


_LOGIN = re.compile(r"(?i)(\bhttps?://[^\s:/?#]*):[^\s/?#]*@")
"""An address's login: its user name runs to the first `:` and its password to the last
`@` before the host, as HTTP clients read them (`https://user:p@ss@crm...`,
`https://bot@acme.example:pass@crm...`)."""
_LOGIN_ALONE = re.compile(r"(?i)(\bhttps?://)[^\s:/?#@]+@")
"""A login with no password: a token sent as the user name (`https://sk_live_...@crm...`)."""
_PARAMETER = re.compile(r"([?&][^\s=&#]*=)[^\s&#'\"]*")
"""A query parameter's value: any may be a credential (Azure Functions' `code`)."""
HIDDEN = "****"


def seen_by(event: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """`answer` (rules, their versions or diff) as the caller may see it: whole for who
    may edit rules; for anyone else, every address with the password of its login
    (`https://user:****@crm...`), a login with no password whole (`https://****@crm...`)
    and the value of each query parameter hidden, so a counsellor learns no CRM's
    credentials from a rule's notify step."""
    if roles(event) & RULE_WRITERS:
        return answer
    hidden: dict[str, Any] = _hidden(answer)
    return hidden


def _hidden(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _hidden(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_hidden(inner) for inner in value]
    if isinstance(value, str) and "://" in value:
        hidden, passwords = _LOGIN.subn(rf"\g<1>:{HIDDEN}@", value)
        if not passwords:
            hidden = _LOGIN_ALONE.sub(rf"\g<1>{HIDDEN}@", hidden)
        return _PARAMETER.sub(rf"\g<1>{HIDDEN}", hidden)
    return value
