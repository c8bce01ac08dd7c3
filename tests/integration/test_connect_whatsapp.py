"""`followup connect-whatsapp` against a fake 360dialog on 127.0.0.1 and an emulated AWS."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from followup_local.cli import main
from followup_local.sandbox import WhatsAppSandbox

REGION = "ap-southeast-1"
WEBHOOK_BASE_URL = "https://a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6.lambda-url.ap-southeast-1.on.aws/"
OLD, NEW = "oldsecretoldsecretoldsecret", "newsecretnewsecretnewsecret"
HEADER_VALUE = "headervalueheadervalue"


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[WhatsAppSandbox]:
    """A deployed stack's outputs and secret, and 360dialog with its key."""
    monkeypatch.delenv("D360_API_KEY", raising=False)
    with mock_aws(), WhatsAppSandbox("d360-key") as sandbox:
        monkeypatch.setenv("D360_BASE_URL", sandbox.base_url)
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name="followup-prod-secrets",
            SecretString=json.dumps(
                {
                    "D360_API_KEY": "d360-key",
                    "WEBHOOK_SECRET": f"{OLD},{NEW}",
                    "WEBHOOK_HEADER_SECRET": HEADER_VALUE,
                }
            ),
        )
        template = {
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {
                "ApiUrl": {"Value": "https://abc123.execute-api.ap-southeast-1.amazonaws.com"},
                "WebhookBaseUrl": {"Value": WEBHOOK_BASE_URL},
                "SecretName": {"Value": "followup-prod-secrets"},
            },
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName="Followup-prod", TemplateBody=json.dumps(template)
        )
        yield sandbox


def connect(*args: str) -> int:
    return main(["connect-whatsapp", "--region", REGION, *args])


def test_registers_the_newest_secret_and_the_header_and_prints_them_masked(
    deployed: WhatsAppSandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "160")  # the function URL on one line
    assert connect("--stack", "Followup-prod", "--header-name", "X-Followup-Secret") == 0
    assert deployed.webhooks["d360-key"] == {
        "url": f"{WEBHOOK_BASE_URL}webhooks/whatsapp/{NEW}",
        "headers": {"X-Followup-Secret": HEADER_VALUE},
    }
    printed = capsys.readouterr().out
    assert "before" in printed
    assert "after" in printed
    assert "/webhooks/whatsapp/news…" in printed
    for secret in (NEW, OLD, HEADER_VALUE, "d360-key"):
        assert secret not in printed


def test_show_changes_nothing(
    deployed: WhatsAppSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        connect("--base-url", WEBHOOK_BASE_URL, "--secret-name", "followup-prod-secrets", "--show")
        == 0
    )
    assert deployed.webhooks == {}
    assert "(none)" in capsys.readouterr().out


def test_a_wrong_api_key_is_reported_and_nothing_changes(
    deployed: WhatsAppSandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("D360_API_KEY", "not-the-key")
    assert connect("--stack", "Followup-prod") == 1
    assert "360dialog refused the API key (401)" in capsys.readouterr().err
    assert deployed.webhooks == {}


def test_a_url_360dialog_would_refuse_is_stopped_before_sending(
    deployed: WhatsAppSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    with_port = "https://api.example.com:8443"
    assert connect("--base-url", with_port, "--secret-name", "followup-prod-secrets") == 1
    assert "may not name a port" in capsys.readouterr().err
    assert deployed.webhooks == {}


def test_an_unknown_stack_and_missing_arguments_are_named(
    deployed: WhatsAppSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert connect("--stack", "Nope") == 1
    assert "cannot read stack 'Nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        connect("--base-url", WEBHOOK_BASE_URL)
    assert exited.value.code == 2
    assert "needs --stack, or both --base-url and --secret-name" in capsys.readouterr().err


def test_a_secret_that_is_not_json_is_named(
    deployed: WhatsAppSandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a secret edited by hand into a bare key
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId="followup-prod-secrets", SecretString="d360-key"
    )
    # When the webhook is connected / Then the secret is named, and nothing changes
    assert connect("--stack", "Followup-prod") == 1
    assert "secret 'followup-prod-secrets' must hold a JSON object" in capsys.readouterr().err
    assert deployed.webhooks == {}


@pytest.mark.parametrize("keys_as", ["D360_NUMBERS", "D360_KEYS"])
def test_with_several_numbers_each_numbers_key_registers_the_webhook_and_says_how_it_went(
    deployed: WhatsAppSandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    keys_as: str,
) -> None:
    # Given a secret with three numbers, of which 360dialog knows the first two keys
    monkeypatch.setenv("COLUMNS", "200")
    numbers = [
        {"phone_number_id": "1110001", "api_key": "key-one"},
        {"phone_number_id": "2220002", "api_key": "key-two"},
        {"phone_number_id": "3330003", "api_key": "key-gone"},
    ]
    for key in ("key-one", "key-two"):
        deployed.accept(key)
    # (whole in the secret, or only their keys there, the numbers described by the stack)
    in_secret = {
        "D360_NUMBERS": numbers,
        "D360_KEYS": {n["phone_number_id"]: n["api_key"] for n in numbers},
    }
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId="followup-prod-secrets",
        SecretString=json.dumps({keys_as: in_secret[keys_as], "WEBHOOK_SECRET": NEW}),
    )
    # When the webhook is connected
    assert connect("--stack", "Followup-prod") == 1
    # Then it is registered with each known number's key
    url = f"{WEBHOOK_BASE_URL}webhooks/whatsapp/{NEW}"
    assert deployed.webhooks == {
        "key-one": {"url": url, "headers": {}},
        "key-two": {"url": url, "headers": {}},
    }
    # And the table says, number by number, what was done; the refused key is named
    captured = capsys.readouterr()
    rows = {line.split()[0]: line for line in captured.out.splitlines() if "000" in line}
    assert "registered" in rows["1110001"]
    assert "registered" in rows["2220002"]
    assert "refused the API key" in rows["3330003"]
    assert "number 3330003: 360dialog refused the API key (401)" in captured.err
    for secret in (NEW, "key-one", "key-two", "key-gone"):
        assert secret not in captured.out + captured.err


def test_the_stacks_own_360dialog_api_is_the_one_given_the_webhook(
    deployed: WhatsAppSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stack deployed against a 360dialog API of its own (its d360_base_url, as for
    # 360dialog's sandbox), and an operator's shell that names no API or another one
    with WhatsAppSandbox("d360-key") as stacks_own:
        template = {
            "Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
            "Outputs": {
                "WebhookBaseUrl": {"Value": WEBHOOK_BASE_URL},
                "SecretName": {"Value": "followup-prod-secrets"},
                "D360BaseUrl": {"Value": stacks_own.base_url},
            },
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName="Followup-sandbox", TemplateBody=json.dumps(template)
        )
        # When the webhook is connected by the stack's name
        assert connect("--stack", "Followup-sandbox") == 0
        # Then it is registered where the stack's numbers are reached, and nowhere else
        assert (
            stacks_own.webhooks["d360-key"]["url"] == f"{WEBHOOK_BASE_URL}webhooks/whatsapp/{NEW}"
        )
    assert deployed.webhooks == {}
