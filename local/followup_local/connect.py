"""`followup connect-whatsapp`: point 360dialog at the deployed webhook, and show where it points.

The URL is the webhook function's own URL (the stack's `WebhookBaseUrl` output) plus the
webhook secret from the stack's Secrets Manager secret. 360dialog keeps a webhook per
number, set with that number's API key: each key of `D360_NUMBERS` (else the one
`D360_API_KEY`), from the environment or the same secret, at the 360dialog API the stack
reaches its numbers at (its `D360BaseUrl` output; else `D360_BASE_URL`, else 360dialog's
production API). Secrets are never printed: URLs and header values are shown masked.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import httpx
from botocore.exceptions import BotoCoreError, ClientError

from followup_local.sandbox import webhook_problem

WEBHOOK_PATH = "/v1/configs/webhook"


class ConnectError(Exception):
    """Something an operator must fix; the message says what."""


@dataclass(frozen=True)
class Target:
    url: str
    headers: dict[str, str]


def stack_outputs(stack: str, region: str | None) -> dict[str, str]:
    try:
        found = boto3.client("cloudformation", region_name=region).describe_stacks(StackName=stack)
    except (ClientError, BotoCoreError) as error:
        raise ConnectError(f"cannot read stack {stack!r}: {error}") from None
    outputs = found["Stacks"][0].get("Outputs", [])
    return {o["OutputKey"]: o["OutputValue"] for o in outputs}


def read_secrets(name: str, region: str | None) -> dict[str, str]:
    try:
        raw = boto3.client("secretsmanager", region_name=region).get_secret_value(SecretId=name)
    except (ClientError, BotoCoreError) as error:
        raise ConnectError(f"cannot read secret {name!r}: {error}") from None
    try:
        document = json.loads(raw.get("SecretString") or "")
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise ConnectError(f"secret {name!r} must hold a JSON object")
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in document.items()}


@dataclass(frozen=True)
class NumberKey:
    """A sending number and the 360dialog key its webhook is set with."""

    number: str
    api_key: str


def number_keys(secrets: dict[str, str]) -> list[NumberKey]:
    """Each number's key, as the engine reads them: `D360_NUMBERS` (the environment's, else
    the secret's), else `D360_KEYS` (the keys of the numbers the deployment describes),
    else the one `D360_API_KEY`."""
    listed = os.environ.get("D360_NUMBERS") or secrets.get("D360_NUMBERS", "")
    if listed:
        try:
            numbers = json.loads(listed)
            return [NumberKey(str(n["phone_number_id"]), str(n["api_key"])) for n in numbers]
        except (ValueError, KeyError, TypeError):
            raise ConnectError(
                "D360_NUMBERS must be a JSON list of {phone_number_id, api_key, ...}"
            ) from None
    keyed = os.environ.get("D360_KEYS") or secrets.get("D360_KEYS", "")
    if keyed:
        try:
            keys = json.loads(keyed)
            return [NumberKey(str(number), str(key)) for number, key in keys.items()]
        except (ValueError, AttributeError):
            raise ConnectError(
                "D360_KEYS must be a JSON object {phone_number_id: api_key}"
            ) from None
    single = os.environ.get("D360_API_KEY") or secrets.get("D360_API_KEY", "")
    number = secrets.get("D360_PHONE_NUMBER_ID") or secrets.get("D360_NUMBER") or "default"
    return [NumberKey(number, single)]


@dataclass(frozen=True)
class Connected:
    """What was done for one number: its webhook before and after (None: only shown), or
    why it could not be done."""

    number: str
    before: dict[str, Any]
    after: dict[str, Any] | None = None
    problem: str | None = None


def connect_number(base_url: str, each: NumberKey, chosen: Target | None) -> Connected:
    """Show one number's webhook, and set it to `chosen` unless that is None."""
    try:
        webhooks = Webhooks(base_url, each.api_key)
    except ConnectError as problem:
        return Connected(each.number, {}, problem=str(problem))
    before: dict[str, Any] = {}
    try:
        before = webhooks.current()
        if chosen is None:
            return Connected(each.number, before)
        webhooks.register(chosen)
        return Connected(each.number, before, webhooks.current())
    except ConnectError as problem:
        return Connected(each.number, before, problem=str(problem))
    finally:
        webhooks.close()


def target(base_url: str, secrets: dict[str, str], header_name: str | None) -> Target:
    """The webhook to register: the newest path secret (the last while rotating)."""
    path_secrets = [s for s in secrets.get("WEBHOOK_SECRET", "").split(",") if s.strip()]
    if not path_secrets:
        raise ConnectError("the secret has no WEBHOOK_SECRET")
    url = f"{base_url.rstrip('/')}/webhooks/whatsapp/{path_secrets[-1].strip()}"
    headers = {}
    if header_name:
        value = secrets.get("WEBHOOK_HEADER_SECRET", "")
        if not value:
            raise ConnectError(
                f"--header-name {header_name} needs WEBHOOK_HEADER_SECRET in the secret"
            )
        headers[header_name] = value
    if problem := webhook_problem(url, headers):
        raise ConnectError(problem)
    return Target(url, headers)


class Webhooks:
    """360dialog's per-number webhook configuration."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 10.0) -> None:
        if not api_key:
            raise ConnectError("no 360dialog API key: put D360_API_KEY in the secret or env")
        self._client = httpx.Client(
            base_url=base_url, headers={"D360-API-KEY": api_key}, timeout=timeout
        )

    def current(self) -> dict[str, Any]:
        return self._call("GET")

    def register(self, chosen: Target) -> dict[str, Any]:
        return self._call("POST", json={"url": chosen.url, "headers": chosen.headers})

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._client.request(method, WEBHOOK_PATH, **kwargs)
        except httpx.HTTPError as error:
            raise ConnectError(f"cannot reach 360dialog: {error}") from None
        if response.status_code == 401:
            raise ConnectError("360dialog refused the API key (401)")
        if response.status_code >= 400:
            raise ConnectError(f"360dialog answered {response.status_code}: {response.text[:300]}")
        answer: dict[str, Any] = response.json()
        return answer

    def close(self) -> None:
        self._client.close()


def masked_url(url: str | None) -> str:
    """The URL with its last path segment (the secret) shortened to 4 characters."""
    if not url:
        return "(none)"
    parts = urlsplit(url)
    head, _, secret = parts.path.rpartition("/")
    shown = f"{secret[:4]}…" if len(secret) > 4 else secret
    return f"{parts.scheme}://{parts.netloc}{head}/{shown}"


def masked_headers(headers: dict[str, str] | None) -> str:
    return ", ".join(f"{name}: ****" for name in sorted(headers or {})) or "(none)"


def d360_base_url() -> str:
    return os.environ.get("D360_BASE_URL", "https://waba-v2.360dialog.io")
