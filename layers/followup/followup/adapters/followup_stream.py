"""The follow-up and enrollment streams: records decoded, the stats checkpoint on DynamoDB."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from followup.adapters import followup_doc
from followup.domain.enrollment import Enrollment
from followup.domain.followup import Status
from followup.loading import loading
from followup.services.stats_stream import Counters, EnrollmentRecord, Record, StreamRecord

STREAM = "#stream"
"""The stats partition that holds the checkpoints."""


def changes(event: Mapping[str, Any]) -> list[Record]:
    """The inserted or modified follow-ups or enrollments of a stream batch, in order."""
    found: list[Record] = []
    for record in event.get("Records", []):
        stream = record.get("dynamodb", {})
        new_image, old_image = stream.get("NewImage") or {}, stream.get("OldImage") or {}
        doc = new_image.get("doc", {}).get("S")
        if record.get("eventName") not in ("INSERT", "MODIFY") or not doc:
            continue
        if "enrolled_at" in new_image:  # the enrollments table's
            old_doc = old_image.get("doc", {}).get("S")
            found.append(
                EnrollmentRecord(
                    stream["SequenceNumber"],
                    Enrollment.model_validate_json(old_doc) if old_doc else None,
                    Enrollment.model_validate_json(doc),
                    _text(new_image, "counted_on"),
                )
            )
            continue
        new = followup_doc.load(doc, _attributes(new_image))
        previous = _text(old_image, "status")
        converted_on = _text(new_image, "converted_on")
        old_doc = old_image.get("doc", {}).get("S")
        old = _attributes(old_image)
        replaced = followup_doc.load(old_doc, old) if old_doc else None
        found.append(
            StreamRecord(
                stream["SequenceNumber"],
                Status(previous) if previous else None,
                new,
                _text(new_image, "counted_on"),
                converted_on if converted_on != _text(old_image, "converted_on") else None,
                _placed(new_image),
                _placed(old_image),
                replaced.pricing if replaced else None,
                replaced is not None and replaced.stopped_after_reply_at is not None,
                replaced is not None and replaced.follows_on,
            )
        )
    return found


def _attributes(image: Mapping[str, Any]) -> dict[str, Any]:
    """The image's text attributes, by name."""
    return {name: value.get("S") for name, value in image.items()}


def _placed(image: Mapping[str, Any]) -> tuple[str, Status] | None:
    """The item's (send day, status) as the status gauges count it; None before them."""
    day, status = _text(image, "send_day"), _text(image, "status")
    return (day, Status(status)) if day and status else None


def _text(image: Mapping[str, Any], name: str) -> str | None:
    value: str | None = image.get(name, {}).get("S")
    return value


class DynamoLedger:
    """Checkpoints in the stats table, beside the counters they guard. Its methods load
    pynamodb and the table's model: decoding a batch needs neither."""

    def __init__(self, expires_at: datetime) -> None:
        with loading():
            from followup.adapters.tables import StatsItem

        self._expires_at = expires_at
        self._connection = StatsItem._get_connection().connection

    def applied(self, batch: str) -> str | None:
        with loading():
            from pynamodb.exceptions import DoesNotExist

            from followup.adapters.tables import StatsItem

        try:
            item = StatsItem.get(STREAM, batch, consistent_read=True)
        except DoesNotExist:
            return None
        return item.applied

    def add(self, batch: str, previous: str | None, last: str, counters: Counters) -> bool:
        """Add `counters` and move the checkpoint, if it still holds `previous`; False if
        another run moved it. StoreBusy when another transaction (an earlier run's, still
        committing) kept writing the same items: nothing was added, the batch is retried."""
        with loading():
            from pynamodb.exceptions import TransactWriteError
            from pynamodb.transactions import TransactWrite

            from followup.adapters.conflicts import conflict_only
            from followup.adapters.tables import StatsItem
            from followup.services.ports import StoreBusy

        condition = (
            StatsItem.applied.does_not_exist()
            if previous is None
            else StatsItem.applied == previous
        )
        try:
            with TransactWrite(connection=self._connection) as txn:
                for (rule_id, key), names in counters.items():
                    actions = [getattr(StatsItem, name).add(n) for name, n in names.items()]
                    txn.update(StatsItem(rule_id, key), actions=actions)
                txn.update(
                    StatsItem(STREAM, batch),
                    actions=[
                        StatsItem.applied.set(last),
                        StatsItem.expires_at.set(self._expires_at),
                    ],
                    condition=condition,
                )
        except TransactWriteError as exc:
            codes = [reason.code if reason else None for reason in exc.cancellation_reasons]
            if codes and codes[-1] == "ConditionalCheckFailed":
                return False
            if conflict_only(codes):
                raise StoreBusy(f"stats batch {batch}") from exc
            raise
        return True
