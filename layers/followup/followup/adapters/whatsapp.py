"""360dialog (WhatsApp Cloud API) over httpx: one send, one wamid, typed failures."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx

from followup.adapters.d360_templates import PAGE, templates_of
from followup.adapters.timeouts import PROVIDER
from followup.domain.followup import RenderedMessage
from followup.domain.templates import Template
from followup.domain.whatsapp import (
    OutboundMessage,
    OutcomeUnknown,
    ProviderFailure,
    ProviderRejected,
    classify,
)

log = logging.getLogger(__name__)

# Sized for ~20 concurrent sends per Lambda; a few spare connections absorb slow closes.
_MAX_CONNECTIONS = 24
_CONNECT_TIMEOUT = PROVIDER.connect
_LONGEST_RETRY_AFTER = timedelta(days=1)
"""A longer `Retry-After` is read as a day: the sender waits far less than that anyway."""

# Raised before the request left this process (no connection, or a URL it could not be
# sent to): nothing reached 360dialog, a retry is safe.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.InvalidURL,
)


class D360Client:
    """Sends WhatsApp messages through one 360dialog channel (one API key, one number)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = PROVIDER.read,
        client: httpx.Client | None = None,
        current_key: Callable[[], str] | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._url = self._base + "/messages"
        self._marketing_url = self._base + "/marketing_messages"
        self._headers = {"D360-API-KEY": api_key}
        # Where the key is kept (a secret): asked again when 360dialog refuses ours, so a
        # key fixed after a rotation is used without waiting for a new container.
        self._current_key = current_key
        self._owns_client = client is None
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, _CONNECT_TIMEOUT)),
            limits=httpx.Limits(
                max_connections=_MAX_CONNECTIONS, max_keepalive_connections=_MAX_CONNECTIONS
            ),
        )

    def send(self, outbound: OutboundMessage) -> str:
        """Send one message and return its wamid; raises ProviderRejected or OutcomeUnknown."""
        headers = self._headers
        response = self._post(outbound, headers)
        if response.status_code == httpx.codes.UNAUTHORIZED:
            fresh = self._fresh_headers(refused=headers)
            if fresh is not None:
                response = self._post(outbound, fresh)  # a refused key sent nothing
        if response.is_success:
            return _wamid(response)
        raise ProviderRejected(_failure(response))

    def fetch_templates(self, at: datetime) -> list[Template]:
        """Every template of the account, page by page; raises ProviderRejected or
        OutcomeUnknown like a send (a read is safe to repeat)."""
        found: list[Template] = []
        offset = 0
        while True:
            response = self._get_templates(offset)
            if not response.is_success:
                raise ProviderRejected(_failure(response))
            try:
                payload = response.json()
            except ValueError as exc:
                raise OutcomeUnknown("the template list is not JSON") from exc
            entries = payload.get("waba_templates") if isinstance(payload, dict) else None
            if not isinstance(entries, list):
                # Not a list (an empty one is): taken as "no templates", it would empty the
                # catalogue and turn off every check on what may be sent.
                raise OutcomeUnknown("the answer holds no waba_templates list")
            found.extend(templates_of(payload, at))
            if len(entries) < PAGE:
                return found
            offset += PAGE

    def _get_templates(self, offset: int) -> httpx.Response:
        url = self._base + "/v1/configs/templates"
        params = {"limit": PAGE, "offset": offset}
        try:
            response = self._client.get(url, params=params, headers=self._headers)
            if response.status_code == httpx.codes.UNAUTHORIZED:
                fresh = self._fresh_headers(refused=self._headers)
                if fresh is not None:
                    response = self._client.get(url, params=params, headers=fresh)
        except httpx.TransportError as exc:
            raise OutcomeUnknown(f"no answer from 360dialog: {_describe(exc)}") from exc
        return response

    def _fresh_headers(self, refused: dict[str, str]) -> dict[str, str] | None:
        """Headers with the key kept now, or None when it is the one just refused, or when
        where it is kept cannot be read (unreachable, or rewritten mid-rotation as no
        valid secret): the refusal then stands, as one (the workspace or number paused,
        saying why), rather than becoming an error of its own that leaves the send
        unknown, though a refused key sent nothing."""
        if self._current_key is None:
            return None
        try:
            key = self._current_key()
        except Exception:
            log.warning(
                "360dialog refused the key and the key kept now could not be read", exc_info=True
            )
            return None
        if not key or key == refused["D360-API-KEY"]:
            return None
        self._headers = {"D360-API-KEY": key}
        return self._headers

    def _post(self, outbound: OutboundMessage, headers: dict[str, str]) -> httpx.Response:
        try:
            url = self._marketing_url if outbound.marketing else self._url
            return self._client.post(url, json=request_body(outbound), headers=headers)
        except _NOT_SENT as exc:
            raise ProviderRejected(classify(None, None, detail=_describe(exc))) from exc
        except httpx.TransportError as exc:
            # Read/write timeouts, dropped connections and anything unforeseen: the provider
            # may already hold the message, so the caller must not resend blindly.
            raise OutcomeUnknown(f"no answer from 360dialog: {_describe(exc)}") from exc

    def close(self) -> None:
        """Release the connection pool (only when this client created it)."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> D360Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class D360Numbers:
    """Sends each message through its number's own 360dialog channel (its own key); the
    default number's channel lists the account's templates."""

    def __init__(self, default: str, channels: Mapping[str, D360Client]) -> None:
        if default not in channels:
            raise ValueError(f"no channel for the default number {default!r}")
        self._default, self._channels = default, dict(channels)

    def send(self, outbound: OutboundMessage) -> str:
        """Send from `outbound.number` (the default number when None or unknown)."""
        channel = self._channels.get(outbound.number or self._default)
        return (channel or self._channels[self._default]).send(outbound)

    def fetch_templates(self, at: datetime) -> list[Template]:
        return self._channels[self._default].fetch_templates(at)

    def close(self) -> None:
        for channel in self._channels.values():
            channel.close()

    def __enter__(self) -> D360Numbers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def request_body(outbound: OutboundMessage) -> dict[str, Any]:
    """The JSON body 360dialog expects for this message; a user known only by a BSUID is
    addressed by `recipient`, never as a phone number."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "recipient" if outbound.to_user_id else "to": outbound.to,
        **_content(outbound.message),
        "biz_opaque_callback_data": outbound.callback_data,
    }


def _content(message: RenderedMessage) -> dict[str, Any]:
    if message.kind == "text":
        if not message.text:
            raise ValueError("a text message needs a body")
        return {"type": "text", "text": {"body": message.text}}
    if not message.template_name or not message.language:
        raise ValueError("a template message needs a name and a language")
    template: dict[str, Any] = {
        "name": message.template_name,
        "language": {"code": message.language},
    }
    if message.params:
        parameters: list[dict[str, str]] = [
            {"type": "text", "text": param} for param in message.params
        ]
        if len(message.param_names) == len(parameters):  # a template with named placeholders
            for parameter, name in zip(parameters, message.param_names, strict=True):
                parameter["parameter_name"] = name
        template["components"] = [{"type": "body", "parameters": parameters}]
    return {"type": "template", "template": template}


def _wamid(response: httpx.Response) -> str:
    try:
        wamid = response.json()["messages"][0]["id"]
    except (ValueError, LookupError, TypeError):
        wamid = None
    if not isinstance(wamid, str) or not wamid:
        # Accepted but unreadable: the message may be on its way, yet we hold no wamid.
        raise OutcomeUnknown(f"HTTP {response.status_code} from 360dialog without a message id")
    return wamid


def _failure(response: httpx.Response) -> ProviderFailure:
    """Read Meta's Graph error (or the older on-premise `errors` list) and classify it."""
    error = _error_object(response)
    code = error.get("code")
    details = error.get("error_data")
    detail = details.get("details") if isinstance(details, dict) else error.get("details")
    title = error.get("title") or error.get("message") or response.reason_phrase
    failure = classify(
        response.status_code,
        code if isinstance(code, int) else None,
        title=str(title),
        detail=str(detail or ""),
    )
    wait = _retry_after(response)
    return failure if wait is None else replace(failure, retry_after=wait)


def _retry_after(response: httpx.Response) -> timedelta | None:
    """The wait a `Retry-After` header asks for (seconds, or an HTTP date, counted from the
    answer's own `Date` so that our clock's drift does not matter), at most a day; None
    without one, or with one that asks for no wait or cannot be read."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            until = parsedate_to_datetime(value)
            sent = response.headers.get("Date")
            since = parsedate_to_datetime(sent) if sent else datetime.now(UTC)
            seconds = (until - since).total_seconds()
        except (TypeError, ValueError):
            return None
    if seconds <= 0:
        return None
    return timedelta(seconds=min(seconds, _LONGEST_RETRY_AFTER.total_seconds()))


def _error_object(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        # Gateways and proxies answer with HTML or plain text.
        return {"details": response.text[:200].strip()}
    if not isinstance(payload, dict):
        return {}
    error = payload.get("error")
    if isinstance(error, dict):
        return error
    errors = payload.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return dict(errors[0])
    return {}


def _describe(exc: httpx.HTTPError | httpx.InvalidURL) -> str:
    # The key travels in a header, never in the URL, so the message cannot leak it.
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
