"""SNS and SES as the sender sees them, one outbox for both."""

from __future__ import annotations

from typing import Any

from followup.domain.channels import OutboundEmail


class Outbox:
    """SNS and SES as the sender sees them: every SMS and email they took, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def opted_out(self, number: str) -> bool:
        return False

    def send(self, *message: Any) -> str:
        if isinstance(message[0], OutboundEmail):
            self.sent.append(("email", message[0].to))
        else:
            self.sent.append(("sms", message[0]))
        return f"provider-{len(self.sent)}"
