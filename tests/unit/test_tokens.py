"""Local sign-in tokens: what the gateway accepts and what it refuses."""

from __future__ import annotations

import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from followup.api.auth import Role
from followup_local.cli import main
from followup_local.tokens import KEY_ENV, DevTokens, InvalidToken, as_authorizer_claims


def test_a_token_carries_the_role_as_a_cognito_group_and_verifies() -> None:
    tokens = DevTokens("k" * 32)
    claims = tokens.verify(tokens.issue(Role.COUNSELOR))
    assert claims["cognito:groups"] == ["counselor"]
    assert claims["sub"] == "local-counselor"
    assert claims["exp"] - claims["iat"] == 12 * 3600


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: DevTokens("another key, another signature!!").issue(Role.ADMIN),
        lambda t: t.issue(Role.ADMIN, now=datetime.now(UTC) - timedelta(hours=12, seconds=5)),
        lambda t: jwt.encode({"sub": "x", "cognito:groups": ["admin"]}, t.key, algorithm="HS256"),
        lambda t: jwt.encode(
            {"sub": "x", "iat": 0, "exp": 2**40, "iss": "followup-local", "aud": "someone-else"},
            t.key,
            algorithm="HS256",
        ),
        lambda t: "not.a.token",
    ],
    ids=["other-key", "expired", "no-expiry", "wrong-audience", "garbage"],
)
def test_forged_expired_or_foreign_tokens_are_refused(forge: Callable[[DevTokens], str]) -> None:
    tokens = DevTokens("k" * 32)
    with pytest.raises(InvalidToken):
        tokens.verify(forge(tokens))


def test_the_key_is_made_once_private_to_its_owner_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    first = DevTokens.load(tmp_path / "state")
    key_file = tmp_path / "state" / "dev-jwt.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert DevTokens.load(tmp_path / "state") == first
    assert len(first.key) >= 32
    monkeypatch.setenv(KEY_ENV, "from-the-environment-from-the-environment")
    assert DevTokens.load(tmp_path / "state").key == "from-the-environment-from-the-environment"


def test_claims_reach_handlers_as_strings_the_way_api_gateway_flattens_them() -> None:
    flattened = as_authorizer_claims(
        {"cognito:groups": ["admin", "marketing"], "exp": 17, "x": "y"}
    )
    assert flattened == {"cognito:groups": "[admin marketing]", "exp": "17", "x": "y"}


def test_dev_token_prints_one_token_the_gateway_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert main(["dev-token", "--role", "marketing", "--state-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("\n") == 1
    claims = DevTokens.load(tmp_path).verify(printed.strip())
    assert claims["cognito:groups"] == ["marketing"]


def test_dev_token_names_the_roles_when_given_another(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["dev-token", "--role", "owner"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "--role: invalid choice: 'owner'" in error
    assert all(role.value in error for role in Role)
