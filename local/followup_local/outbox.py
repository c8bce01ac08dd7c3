"""The SMS and emails the engine sent, as moto's SNS and SES recorded them."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

from followup.loading import loading

EMAIL_FROM = "followup@example.com"
"""The verified SES identity the local engine sends email from."""


@dataclass(frozen=True)
class Sent:
    """One SMS or email: to whom, its text (an email's body), and an email's headers."""

    channel: str
    to: str
    text: str
    subject: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def verify_sender(ses: Any) -> None:
    """Make the local sender a verified identity, as SES requires."""
    ses.create_email_identity(EmailIdentity=EMAIL_FROM)


def sms(region: str) -> list[Sent]:
    """SMS published through SNS, in order."""
    with loading():
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.sns.models import sns_backends

    published = sns_backends[DEFAULT_ACCOUNT_ID][region].sms_messages.values()
    return [Sent("sms", number, text) for number, text in published]


def emails(region: str) -> list[Sent]:
    """Emails sent through SES, in order."""
    with loading():
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.ses.models import RawMessage, ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages
    return [_email(message) for message in sent if isinstance(message, RawMessage)]


def _email(raw: Any) -> Sent:
    parsed = message_from_string(raw.raw_data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    headers = {name: str(value) for name, value in parsed.items()}
    return Sent("email", str(parsed["To"]), text, str(parsed["Subject"]), headers)
