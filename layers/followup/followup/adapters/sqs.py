"""The SendQueue port on SQS: follow-up ids (each with the due time it was handed over
for, when named) in batches of ten."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import boto3

from followup.services.ports import Delayed

_MAX_BATCH = 10


class QueueError(Exception):
    """SQS refused some messages: a dispatch tick then records no mark, so the next one
    hands them over again; a follow-up marked dispatched is redriven later."""


class SqsQueue:
    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        self._url = queue_url
        self._client = client or boto3.client("sqs")

    def enqueue(self, followup_ids: Iterable[str], delay_seconds: int = 0) -> None:
        """Put each id on the queue; `delay_seconds` (≤ 900) holds them back."""
        self.enqueue_each(Delayed(fid, delay_seconds) for fid in followup_ids)

    def enqueue_each(self, messages: Iterable[Delayed]) -> None:
        """Put each id on the queue, held back its own delay (≤ 900 s)."""
        batch = list(messages)
        for start in range(0, len(batch), _MAX_BATCH):
            chunk = batch[start : start + _MAX_BATCH]
            entries = [
                {
                    "Id": str(n),
                    "MessageBody": json.dumps(_body(message)),
                    "DelaySeconds": min(max(message.delay_seconds, 0), 900),
                }
                for n, message in enumerate(chunk)
            ]
            response = self._client.send_message_batch(QueueUrl=self._url, Entries=entries)
            if response.get("Failed"):
                codes = sorted({failure["Code"] for failure in response["Failed"]})
                raise QueueError(f"{len(response['Failed'])} messages refused: {', '.join(codes)}")


def _body(message: Delayed) -> dict[str, str]:
    """The follow-up's id, and the scheduled time it is handed over for when one is named."""
    body = {"followup_id": message.followup_id}
    if message.due is not None:
        body["due"] = message.due.isoformat()
    return body
