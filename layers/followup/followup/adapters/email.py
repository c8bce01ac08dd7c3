"""Email through Amazon SES v2 from a verified identity, with a one-click unsubscribe."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
)

from followup.domain.channels import (
    FOLLOWUP_TAG,
    ChannelBusy,
    ChannelUnavailable,
    OutboundEmail,
    ascii_address,
    provider_error,
)
from followup.domain.unsubscribe import sign
from followup.domain.whatsapp import OutcomeUnknown

# Header lines as long as RFC 5322 allows: folded at 78, a List-Unsubscribe link (one word
# longer than that) would go as an RFC 2047 encoded-word, which mail clients do not read as
# a link, so Gmail and Yahoo would show no unsubscribe button.
_LONG_LINES = policy.default.clone(max_line_length=998)

# Raised before the request reached SES: nothing was sent, a later try is safe.
_NOT_SENT = (EndpointConnectionError, ConnectTimeoutError)

_ACCOUNT_REFUSALS = frozenset(
    {
        "AccountSuspendedException",
        "SendingPausedException",
        "MailFromDomainNotVerifiedException",
        "NotFoundException",
    }
)
"""SES v2 SendEmail errors about the account, not the message: sending suspended or paused
(for the account or the configuration set), the sender's MAIL FROM domain unverified, the
configuration set gone."""


class SesEmail:
    """Sends from `sender`; every message carries `List-Unsubscribe` (RFC 8058) pointing at
    `{unsubscribe_base}/u/{token}`, the token signed with `secret`. With a
    `configuration_set`, SES publishes the messages' bounces and complaints through it."""

    def __init__(
        self,
        sender: str,
        unsubscribe_base: str,
        secret: str,
        client: Any = None,
        region: str | None = None,
        configuration_set: str = "",
    ) -> None:
        self._sender, self._base, self._secret = sender, unsubscribe_base.rstrip("/"), secret
        self._client = client or boto3.client("sesv2", region_name=region)
        self._published = {"ConfigurationSetName": configuration_set} if configuration_set else {}

    def send(self, outbound: OutboundEmail) -> str:
        """The SES message id; raises ChannelRefused, ChannelBusy (also when SES could not be
        reached) or OutcomeUnknown (no answer: it may have gone)."""
        link = f"{self._base}/u/{sign(self._secret, outbound.unsubscribe_for)}"
        to = ascii_address(outbound.to)
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = to
        message["Subject"] = _literal(outbound.subject)
        message["List-Unsubscribe"] = f"<{link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(f"{outbound.body}\n\nUnsubscribe: {link}\n")
        try:
            answer = self._client.send_email(
                FromEmailAddress=self._sender,
                Destination={"ToAddresses": [to]},
                Content={"Raw": {"Data": message.as_bytes(policy=_LONG_LINES)}},
                EmailTags=[{"Name": FOLLOWUP_TAG, "Value": outbound.followup_id}],
                **self._published,
            )
        except ClientError as exc:
            raise _refusal(exc, self._sender) from exc
        except _NOT_SENT as exc:
            raise ChannelBusy("ses: unreachable") from exc
        except BotoCoreError as exc:
            raise OutcomeUnknown(str(exc)) from exc
        return str(answer["MessageId"])


_ENCODED_WORD_START = "=?"
"""How an RFC 2047 encoded word opens: the email library decodes one in a header it is
given, so a lead's name shaped as one ("=?utf-8?q?Budi=0D=0AReply-To:...?=") would be read
as other text, a line break and a header of its own included."""


def _literal(subject: str) -> str:
    """`subject` as the lead's details made it, shown as written: an invisible word joiner
    inside each `=?`, so none opens an encoded word."""
    return subject.replace(_ENCODED_WORD_START, "=\u2060?")


def _refusal(exc: ClientError, sender: str) -> Exception:
    """Busy, refused for this message, or unavailable for every message: SES refusing the
    account's sends, or refusing the sender's own identity (a recipient's address refused,
    as SES's sandbox does one not verified, is this message's refusal)."""
    error, meta = exc.response.get("Error", {}), exc.response.get("ResponseMetadata", {})
    code = str(error.get("Code", ""))
    if code in _ACCOUNT_REFUSALS or (
        code == "MessageRejected" and _names_sender(str(error.get("Message", "")), sender)
    ):
        return ChannelUnavailable(f"ses: {code}")
    return provider_error("ses", code, int(meta.get("HTTPStatusCode", 0)))


def _names_sender(message: str, sender: str) -> bool:
    """Whether SES's refusal names the sender's address or domain (not verified, no
    authority to send from it): about the account, not the recipient."""
    address = parseaddr(sender)[1].lower()
    named = {word.strip(".,;:") for word in message.lower().split()}
    return bool(named & {address, address.rpartition("@")[2]})
