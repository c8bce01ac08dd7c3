"""SMS through Amazon SNS: one publish to a phone number, and SNS's own opt-out list."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
)

from followup.domain.channels import ChannelBusy, provider_error
from followup.domain.whatsapp import OutcomeUnknown

# Raised before the request reached SNS: nothing was published, a later try is safe.
_NOT_SENT = (EndpointConnectionError, ConnectTimeoutError)


class SnsSms:
    """Sends promotional SMS; numbers in E.164 (`+6281...`). Publishes go through
    `publisher` when given (a client that never sends twice), else through `client`."""

    def __init__(
        self, client: Any = None, region: str | None = None, *, publisher: Any = None
    ) -> None:
        self._client = client or boto3.client("sns", region_name=region)
        self._publisher = publisher or self._client

    def opted_out(self, number: str) -> bool:
        """The number replied STOP to SNS (or was opted out in the console)."""
        answer = self._client.check_if_phone_number_is_opted_out(phoneNumber=number)
        return bool(answer["isOptedOut"])

    def send(self, number: str, text: str) -> str:
        """The SNS message id; raises ChannelRefused, ChannelBusy (also when SNS could not be
        reached) or OutcomeUnknown (no answer: it may have gone)."""
        try:
            answer = self._publisher.publish(
                PhoneNumber=number,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Promotional"}
                },
            )
        except ClientError as exc:
            raise _refusal(exc) from exc
        except _NOT_SENT as exc:
            raise ChannelBusy("sns: unreachable") from exc
        except BotoCoreError as exc:
            raise OutcomeUnknown(str(exc)) from exc
        return str(answer["MessageId"])


def _refusal(exc: ClientError) -> Exception:
    error, meta = exc.response.get("Error", {}), exc.response.get("ResponseMetadata", {})
    return provider_error("sns", str(error.get("Code", "")), int(meta.get("HTTPStatusCode", 0)))
