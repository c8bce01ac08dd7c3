"""Who the audit log and the timeline name for a request: an e-mail only once Cognito has
verified it, so a user who changes their own e-mail attribute cannot pass for someone else."""

from __future__ import annotations

from typing import Any

import pytest

from followup.api.auth import Role, Unauthenticated, caller
from followup_local.tokens import DevTokens, as_authorizer_claims


def signed_in(**claims: Any) -> dict[str, Any]:
    """An HTTP API request whose JWT authorizer passed these claims."""
    return {"requestContext": {"authorizer": {"jwt": {"claims": claims, "scopes": None}}}}


SIGNED_IN = {"sub": "7f1c-42", "cognito:username": "rina", "email": "rina@school.example"}


@pytest.mark.parametrize("verified", [True, "true", "True"])
def test_a_verified_email_names_the_user(verified: object) -> None:
    # Given Rina signed in with an e-mail Cognito verified (HTTP APIs pass it as "true")
    event = signed_in(**SIGNED_IN, email_verified=verified)
    # When she saves a rule
    # Then the audit entry names her e-mail
    assert caller(event) == "rina@school.example"


@pytest.mark.parametrize("verified", [False, "false", None, ""])
def test_an_unverified_email_never_names_the_user(verified: object) -> None:
    # Given a user who set their own e-mail to the director's, not verified
    claims = {**SIGNED_IN, "email": "director@school.example", "email_verified": verified}
    event = signed_in(**claims)
    # When they save a rule
    # Then the audit entry names their user name, not the director
    assert caller(event) == "rina"


def test_a_token_without_email_verified_names_the_user_name() -> None:
    # Given a token that carries an e-mail but says nothing of its verification
    event = signed_in(**SIGNED_IN)
    # Then the user name is named
    assert caller(event) == "rina"


def test_without_a_user_name_the_subject_is_named() -> None:
    # Given an unverified e-mail and no user name (an access token carries `username`)
    event = signed_in(sub="7f1c-42", email="director@school.example", email_verified="false")
    # Then the subject names the user
    assert caller(event) == "7f1c-42"
    assert caller(signed_in(sub="7f1c-42", username="rina")) == "rina"


def test_no_claims_is_no_one() -> None:
    with pytest.raises(Unauthenticated):
        caller(signed_in())


def test_the_local_sign_in_still_names_its_users_by_email() -> None:
    # Given a counsellor signed in to `followup dev` (its e-mails are the engine's own)
    tokens = DevTokens("k" * 32)
    claims = as_authorizer_claims(tokens.verify(tokens.issue(Role.COUNSELOR)))
    # When they close a conversation
    # Then the timeline names their e-mail, as before
    assert caller(signed_in(**claims)) == "counselor@followup.local"
