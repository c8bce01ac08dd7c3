"""The upgrade to the send-time queue: follow-ups stored before it get their send day.

A follow-up item written before the `by_send_day` index lacks `send_day` and `send_at`, so
the queue view does not list it and the status gauges never counted it. Setting them (on
the condition that nothing set them meanwhile) files it in the index, and its stream record
(an old image without a send day) counts it once in the gauges of its send day.
"""

from __future__ import annotations

from pynamodb.expressions.update import Action

from followup.adapters import followup_doc
from followup.adapters.tables import FollowUpItem, held, stamp


def backfill() -> int:
    """Give every follow-up stored without a send day its own; how many were given one.
    Reads the whole table once (a scan) and writes each follow-up that lacks one."""
    lacking = FollowUpItem.send_day.does_not_exist() & FollowUpItem.status.exists()
    return sum(_give(item) for item in FollowUpItem.scan(lacking))


def _give(item: FollowUpItem) -> bool:
    """Set the item's send day and time from its document, unless a write set them first."""
    at = stamp(followup_doc.load(item.doc, item.attribute_values).scheduled_at)
    actions: list[Action] = [FollowUpItem.send_day.set(at[:10]), FollowUpItem.send_at.set(at)]
    unset = FollowUpItem.send_day.does_not_exist()
    return held(lambda: item.update(actions=actions, condition=unset))
