"""Several sending numbers in the configuration (the secret or the environment), each with
its own key and pace; without them, the single number of D360_API_KEY as before. Or the
numbers described outside the secret (FOLLOWUP_NUMBERS) and only their keys in it
(D360_KEYS), so the functions that only pace and route them read no secret."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws
from pydantic import ValidationError

from followup.wiring.config import SECRETS_NAME, Config

NUMBERS: list[dict[str, object]] = [
    {"phone_number_id": "111", "display_phone_number": "6281", "api_key": "key-one"},
    {"phone_number_id": "222", "api_key": "key-two", "sends_per_second": 20},
]
SETTINGS = (
    "D360_API_KEY",
    "D360_NUMBER",
    "D360_NUMBERS",
    "D360_PHONE_NUMBER_ID",
    "FOLLOWUP_NUMBERS",
    "D360_KEYS",
)
DESCRIBED = [
    {k: v for k, v in number.items() if k != "api_key"} | {"warm_up_started_on": "2026-11-02"}
    for number in NUMBERS
]
"""NUMBERS without their keys, as FOLLOWUP_NUMBERS gives them."""


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*SETTINGS, SECRETS_NAME, "FOLLOWUP_SENDS_PER_SECOND"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def secrets(clean: pytest.MonkeyPatch) -> Iterator[object]:
    clean.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
    with mock_aws():
        yield boto3.client("secretsmanager", region_name="ap-southeast-1")


def test_several_numbers_come_from_the_secret_each_with_its_key_never_shown(
    secrets: object, clean: pytest.MonkeyPatch
) -> None:
    name = f"followup/test/{uuid.uuid4().hex}"
    secrets.create_secret(Name=name, SecretString=json.dumps({"D360_NUMBERS": NUMBERS}))  # type: ignore[attr-defined]
    clean.setenv(SECRETS_NAME, name)
    config = Config()
    numbers = config.numbers()
    assert (numbers.ids, numbers.default) == (["111", "222"], "111")
    assert [n.sends_per_second for n in numbers.configured] == [80, 20]
    keys = {n.phone_number_id: n.api_key.get_secret_value() for n in config.sending_numbers()}
    assert keys == {"111": "key-one", "222": "key-two"}
    assert "key-one" not in repr(config)
    assert "key-two" not in repr(config)
    # When the second number's key is rotated in the secret, that number's key is read anew
    rotated = [NUMBERS[0], NUMBERS[1] | {"api_key": "key-three"}]
    secrets.put_secret_value(SecretId=name, SecretString=json.dumps({"D360_NUMBERS": rotated}))  # type: ignore[attr-defined]
    assert config.current_d360_key("222") == "key-three"
    assert config.current_d360_key("333") == ""


def test_several_numbers_come_from_the_environment_as_json(clean: pytest.MonkeyPatch) -> None:
    clean.setenv("D360_NUMBERS", json.dumps(NUMBERS))
    assert Config().numbers().ids == ["111", "222"]


def test_a_single_number_configuration_still_gives_one_default_number(
    clean: pytest.MonkeyPatch,
) -> None:
    clean.setenv("D360_API_KEY", "only-key")
    clean.setenv("D360_NUMBER", "6281234567890")
    clean.setenv("FOLLOWUP_SENDS_PER_SECOND", "40")
    [single] = Config().sending_numbers()
    assert (single.phone_number_id, single.display_phone_number) == ("6281234567890",) * 2
    assert (single.api_key.get_secret_value(), single.sends_per_second) == ("only-key", 40)
    clean.setenv("D360_PHONE_NUMBER_ID", "109876543210987")
    assert Config().numbers().ids == ["109876543210987"]
    clean.delenv("D360_NUMBER")
    clean.delenv("D360_PHONE_NUMBER_ID")
    assert Config().numbers().ids == ["360dialog"]


@pytest.mark.parametrize(
    ("numbers", "words"),
    [
        ([NUMBERS[0], NUMBERS[1] | {"phone_number_id": "111"}], "111 is given twice"),
        ([NUMBERS[0], NUMBERS[1] | {"api_key": ""}], "api_key"),
        ([NUMBERS[0], NUMBERS[1] | {"api_key": "  "}], "api_key"),
    ],
)
def test_repeated_numbers_or_an_empty_key_are_refused_when_the_configuration_is_read(
    clean: pytest.MonkeyPatch, numbers: list[dict[str, object]], words: str
) -> None:
    # Given D360_NUMBERS naming one number twice, or one number without its key
    clean.setenv("D360_NUMBERS", json.dumps(numbers))
    # When the configuration is read (once per cold start), it is refused, naming the field
    with pytest.raises(ValidationError) as refused:
        Config()
    assert "D360_NUMBERS" in str(refused.value)
    assert words in str(refused.value)


def test_numbers_described_outside_the_secret_take_their_keys_from_it(
    secrets: object, clean: pytest.MonkeyPatch
) -> None:
    name = f"followup/test/{uuid.uuid4().hex}"
    keys = {"111": "key-one", "222": "key-two"}
    secrets.create_secret(Name=name, SecretString=json.dumps({"D360_KEYS": keys}))  # type: ignore[attr-defined]
    clean.setenv("FOLLOWUP_NUMBERS", json.dumps(DESCRIBED))
    clean.setenv(SECRETS_NAME, name)
    # The sender, given the secret: each number with its pace, warm-up and key
    config = Config()
    numbers = config.numbers()
    assert (numbers.ids, numbers.default) == (["111", "222"], "111")
    assert [n.sends_per_second for n in numbers.configured] == [80, 20]
    assert {str(n.warm_up_started_on) for n in numbers.configured} == {"2026-11-02"}
    sending = {n.phone_number_id: n.api_key.get_secret_value() for n in config.sending_numbers()}
    assert sending == keys
    assert "key-one" not in repr(config)
    # A key rotated in the secret is read anew
    rotated = keys | {"222": "key-three"}
    secrets.put_secret_value(SecretId=name, SecretString=json.dumps({"D360_KEYS": rotated}))  # type: ignore[attr-defined]
    assert config.current_d360_key("222") == "key-three"
    # Dispatch, given no secret: the same numbers and paces, and no key at all
    clean.delenv(SECRETS_NAME)
    keyless = Config()
    assert keyless.numbers() == numbers
    assert {n.api_key.get_secret_value() for n in keyless.sending_numbers()} == {""}


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        (
            {"FOLLOWUP_NUMBERS": DESCRIBED, "D360_NUMBERS": NUMBERS},
            "FOLLOWUP_NUMBERS or D360_NUMBERS, not both",
        ),
        ({"D360_KEYS": {"111": "key-one"}}, "FOLLOWUP_NUMBERS, which is not set"),
        (
            {"FOLLOWUP_NUMBERS": DESCRIBED, "D360_KEYS": {"111": "a", "222": "b", "333": "c"}},
            "D360_KEYS names numbers FOLLOWUP_NUMBERS does not list: ['333']",
        ),
        (
            {"FOLLOWUP_NUMBERS": DESCRIBED, "D360_KEYS": {"111": "key-one", "222": " "}},
            "D360_KEYS has no key for the numbers ['222']",
        ),
        ({"FOLLOWUP_NUMBERS": [DESCRIBED[0], DESCRIBED[0]]}, "111 is given twice"),
        ({"FOLLOWUP_NUMBERS": [DESCRIBED[0] | {"api_key": "k"}]}, "FOLLOWUP_NUMBERS"),
    ],
)
def test_numbers_and_keys_that_do_not_fit_are_refused_naming_the_setting(
    clean: pytest.MonkeyPatch, settings: dict[str, object], words: str
) -> None:
    for name, value in settings.items():
        clean.setenv(name, json.dumps(value))
    with pytest.raises(ValidationError) as refused:
        Config()
    assert words in str(refused.value)


def test_a_function_given_the_secret_without_the_keys_fails_at_its_cold_start(
    secrets: object, clean: pytest.MonkeyPatch
) -> None:
    # Given the numbers outside the secret and a secret that has no D360_KEYS
    name = f"followup/test/{uuid.uuid4().hex}"
    secrets.create_secret(Name=name, SecretString=json.dumps({"WEBHOOK_SECRET": "w"}))  # type: ignore[attr-defined]
    clean.setenv("FOLLOWUP_NUMBERS", json.dumps(DESCRIBED))
    clean.setenv(SECRETS_NAME, name)
    # Then a function that reads it (the sender) refuses to start, not sends without a key
    with pytest.raises(ValidationError) as refused:
        Config()
    assert "D360_KEYS has no key for the numbers ['111', '222']" in str(refused.value)
