"""A URL setting that cannot be a URL is refused when the configuration is read (a cold
start fails, naming the variable), not accepted to fail each request made with it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from followup.wiring import ai, runtime
from followup.wiring.config import ANTHROPIC_API, SECRETS_NAME, Config

URL_SETTINGS = (
    "D360_BASE_URL",
    "PUBLIC_API_URL",
    "ANTHROPIC_BASE_URL",
    "AWS_ENDPOINT_URL",
    "FOLLOWUP_SEND_QUEUE_URL",
    "COGNITO_ISSUER",
    "WEBSOCKET_CALLBACK_URL",
)


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (SECRETS_NAME, *URL_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def refusal(monkeypatch: pytest.MonkeyPatch, setting: str, value: str) -> str:
    """What reading the configuration says with `setting` set to `value`."""
    monkeypatch.setenv(setting, value)
    with pytest.raises(ValidationError) as refused:
        Config()
    return str(refused.value)


def test_a_360dialog_address_without_its_scheme_is_refused_naming_it(
    clean: pytest.MonkeyPatch,
) -> None:
    # Given the host written as 360dialog's documents show it, without https://
    # When the configuration is read
    said = refusal(clean, "D360_BASE_URL", "waba-v2.360dialog.io")
    # Then the cold start fails naming the variable, rather than each send failing later
    assert "D360_BASE_URL" in said
    assert "http:// or https://" in said


@pytest.mark.parametrize("setting", URL_SETTINGS)
@pytest.mark.parametrize(
    "value",
    ["api.example.com", "localhost:3000", "ftp://files.example.com", "https://", "http://h:port"],
)
def test_url_settings_that_cannot_be_urls_are_refused_naming_them(
    clean: pytest.MonkeyPatch, setting: str, value: str
) -> None:
    # Given a value with no http(s) scheme, no host or a port that is no number
    # Then the configuration is refused naming the variable
    assert setting in refusal(clean, setting, value)
    # While a local address, as the local stack and the simulator set, is taken as given
    clean.setenv(setting, "http://127.0.0.1:4566/")
    assert "http://127.0.0.1:4566/" in Config().model_dump().values()


def test_an_endpoint_left_empty_is_the_service_s_own(clean: pytest.MonkeyPatch) -> None:
    # Given the AWS and Anthropic overrides set but left empty, as a template of variables has them
    clean.setenv("AWS_ENDPOINT_URL", "")
    clean.setenv("ANTHROPIC_BASE_URL", "")
    clean.setenv("AWS_ACCESS_KEY_ID", "testing")
    clean.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    clean.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    config = Config()
    # Then the AWS clients go to AWS, and Claude is asked at Anthropic's address
    assert runtime._client("sqs", config).meta.endpoint_url.startswith("https://sqs.")
    assert str(ai.writer(config)._sdk().base_url).startswith(ANTHROPIC_API)
