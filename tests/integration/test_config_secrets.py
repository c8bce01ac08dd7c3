"""Secrets come from Secrets Manager in AWS (never the environment), and env wins locally."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from followup.wiring import runtime
from followup.wiring.config import SECRETS_NAME, Config


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
    for name in ("D360_API_KEY", "WEBHOOK_SECRET", "META_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="ap-southeast-1")


def _store(client: object, document: object, monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"followup/test/{uuid.uuid4().hex}"  # Powertools caches by name
    client.create_secret(Name=name, SecretString=json.dumps(document))  # type: ignore[attr-defined]
    monkeypatch.setenv(SECRETS_NAME, name)


def test_the_lambdas_read_their_secrets_from_the_named_secret(
    secrets: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(secrets, {"D360_API_KEY": "d360-key", "WEBHOOK_SECRET": "s1,s2"}, monkeypatch)
    config = Config()
    assert config.d360_api_key.get_secret_value() == "d360-key"
    assert config.webhook_secrets.get_secret_value() == "s1,s2"
    assert "d360-key" not in repr(config)


def test_an_environment_variable_wins_over_the_secret(
    secrets: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(secrets, {"D360_API_KEY": "from-secret"}, monkeypatch)
    monkeypatch.setenv("D360_API_KEY", "from-env")
    assert Config().d360_api_key.get_secret_value() == "from-env"


def test_a_secret_that_is_not_a_json_object_is_refused(
    secrets: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    _store(secrets, ["not", "an", "object"], monkeypatch)
    with pytest.raises(ValueError, match="must hold a JSON object"):
        Config()


def test_without_a_secret_name_the_local_defaults_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRETS_NAME, raising=False)
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    assert Config().webhook_secrets.get_secret_value() == "local-webhook-secret"


def test_the_anthropic_key_comes_from_its_slot_in_the_secret(
    secrets: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    _store(secrets, {"D360_API_KEY": "d360-key", "ANTHROPIC_API_KEY": "sk-ant-secret"}, monkeypatch)
    config = Config()
    assert config.anthropic_api_key.get_secret_value() == "sk-ant-secret"
    assert "sk-ant-secret" not in repr(config)


def test_email_set_up_without_its_unsubscribe_secret_is_said_at_cold_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a deployment that names an email sender but lost its unsubscribe secret
    monkeypatch.delenv(SECRETS_NAME, raising=False)
    monkeypatch.setenv("EMAIL_FROM", "admissions@example.com")
    monkeypatch.setenv("UNSUBSCRIBE_SECRET", "")
    # When a function builds its dependencies
    deps = runtime.build(Config())
    # Then email is off, and its log says why and what to set
    assert deps.email is None
    [line] = [record for record in caplog.records if record.name == "followup"]
    assert line.levelname == "WARNING"
    logged = line.getMessage()
    assert "UNSUBSCRIBE_SECRET" in logged
    assert "not_set_up:email" in logged
