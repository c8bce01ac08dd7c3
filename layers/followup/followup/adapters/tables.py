"""DynamoDB tables and indexes. The CDK app and local setup read these same definitions.

Items keep the domain model as one JSON document (`doc`) plus the top-level attributes
that keys and indexes need. Index keys that are hot by nature (a phase, a stage) carry
a shard suffix so writes spread over partitions.

An index copies only what its readers use. Most are keys-only: their readers fetch the
items by key (BatchGetItem), and a change to an item rewrites such an index only when
the item enters it, leaves it or moves in it. Where a tick reads every entry and the key
moves anyway, the index carries the document (INCLUDE `doc`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import botocore.session
from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import (
    AllProjection,
    GlobalSecondaryIndex,
    IncludeProjection,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from followup.adapters.conflicts import retry_conflicts
from followup.adapters.timeouts import DYNAMODB, towards
from followup.services.ports import write_token

SHARDS = 4
"""Shards per hot index key. Fixed for the life of the tables: readers query each one."""

_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def stamp(moment: datetime) -> str:
    """A fixed-width UTC timestamp: sorts as text in time order. The year is written with
    its four digits, as `strftime` leaves a year before 1000 short ("1-03-02T..." for a
    CRM's 0001-01-01), which neither reads back nor sorts."""
    utc = moment.astimezone(UTC)
    return f"{utc.year:04d}{utc.strftime(_STAMP.removeprefix('%Y'))}"


def unstamp(text: str) -> datetime:
    """The moment `stamp` wrote; also one written with a short year before it kept four."""
    year, dash, rest = text.partition("-")
    return datetime.strptime(f"{year.zfill(4)}{dash}{rest}", _STAMP).replace(tzinfo=UTC)


def held(write: Callable[[], object]) -> bool:
    """Run one conditional write: True if it was made, False if its condition failed."""
    try:
        write()
    except (PutError, UpdateError, DeleteError) as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def put_once(item: Model, condition: Condition, token: Any) -> bool:
    """Put `item` on `condition` (`held`), leaving a fresh token of its own in the item's
    `token` attribute: the client sends a put again when its answer is lost (a read
    timeout), and that copy, finding its own token, holds rather than failing on the
    change it made itself (services.ports, Changes)."""
    mine = write_token()
    setattr(item, token.attr_name, mine)
    return held(lambda: item.save(condition=condition | (token == mine)))


class _Index(GlobalSecondaryIndex[Any]):
    class Meta:
        projection = AllProjection()


class _KeysIndex(GlobalSecondaryIndex[Any]):
    """Keys only: read with a query, then the items by key."""

    class Meta:
        projection = KeysOnlyProjection()


class _DocIndex(GlobalSecondaryIndex[Any]):
    """The document and its revision: enough to act on an entry without reading the item."""

    class Meta:
        projection = IncludeProjection(["doc", "revision"])


class QuietIndex(_DocIndex):
    """Contacts by (stage#shard, quiet_since): who fell silent when. Opted-out left out."""

    class Meta(_DocIndex.Meta):
        index_name = "quiet"

    quiet_key = UnicodeAttribute(hash_key=True)
    quiet_since = UnicodeAttribute(range_key=True)


class WaIdIndex(_KeysIndex):
    class Meta(_KeysIndex.Meta):
        index_name = "by_wa_id"

    wa_id = UnicodeAttribute(hash_key=True)


class UserIdIndex(_KeysIndex):
    """Business-scoped user ids, for contacts WhatsApp names without a wa_id."""

    class Meta(_KeysIndex.Meta):
        index_name = "by_user_id"

    user_id = UnicodeAttribute(hash_key=True)


class StageIndex(_KeysIndex):
    """Contacts by stage, newest first (listing; opted-out ones included)."""

    class Meta(_KeysIndex.Meta):
        index_name = "by_stage"

    stage = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class DateDueIndex(_DocIndex):
    """Sparse: date-trigger entries by (date#shard, due time). Contacts stay out of it."""

    class Meta(_DocIndex.Meta):
        index_name = "dates"

    date_key = UnicodeAttribute(hash_key=True)
    date_due = UnicodeAttribute(range_key=True)


class ContactItem(Model):
    """A contact, or (id `date#<rule>#<contact>`) a date-trigger entry of one: when a rule's
    date trigger comes round for that contact. Entries carry only `date_key`, `date_due`
    and a `doc` naming the rule and the contact, so no contact index sees them. Or (id
    `slot#<contact>`) the contact's pending slot: `doc` and `revision` only."""

    class Meta:
        table_name = "followup-contacts"

    id = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute()
    doc = UnicodeAttribute()
    wa_id = UnicodeAttribute(null=True)
    user_id = UnicodeAttribute(null=True)
    quiet_key = UnicodeAttribute(null=True)
    quiet_since = UnicodeAttribute(null=True)
    quiet = QuietIndex()
    stage = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute(null=True)
    by_wa_id = WaIdIndex()
    by_user_id = UserIdIndex()
    by_stage = StageIndex()
    date_key = UnicodeAttribute(null=True)
    date_due = UnicodeAttribute(null=True)
    token = UnicodeAttribute(null=True)
    """The token of the write that put this copy of a contact or slot: that write, sent
    again because its answer was lost, finds it and holds (services.ports)."""
    dates = DateDueIndex()


MESSAGE_RETENTION = timedelta(days=400)
"""Conversation lines are deleted by DynamoDB's TTL this long after they were written.

Nothing in the engine's decisions reads old lines (the contact keeps its own last
inbound and outbound times); they serve the timeline. TTL deletes within about two
days of expiry, so a line may show that much longer.
"""


class MessageItem(Model):
    """Conversation lines per contact, sorted by time."""

    class Meta:
        table_name = "followup-messages"

    contact_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    doc = UnicodeAttribute()
    expires_at = TTLAttribute(null=True)


class DueEnrollmentIndex(_DocIndex):
    """Sparse: only enrollments whose next step waits to be queued."""

    class Meta(_DocIndex.Meta):
        index_name = "due"

    due_key = UnicodeAttribute(hash_key=True)
    next_due_at = UnicodeAttribute(range_key=True)


class EnrollmentsByContactIndex(_KeysIndex):
    class Meta(_KeysIndex.Meta):
        index_name = "by_contact"

    contact_id = UnicodeAttribute(hash_key=True)
    enrolled_at = UnicodeAttribute(range_key=True)


class HeldEnrollmentIndex(_DocIndex):
    """Sparse: enrollments held by their rule being off, by rule, so turning it on again
    re-arms them with one query. Written once per hold at a tick's pace: not sharded."""

    class Meta(_DocIndex.Meta):
        index_name = "held"

    held_key = UnicodeAttribute(hash_key=True)


class EnrollmentItem(Model):
    class Meta:
        table_name = "followup-enrollments"
        stream_view_type = "NEW_AND_OLD_IMAGES"

    id = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute()
    doc = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    enrolled_at = UnicodeAttribute()
    due_key = UnicodeAttribute(null=True)
    next_due_at = UnicodeAttribute(null=True)
    held_key = UnicodeAttribute(null=True)
    counted_on = UnicodeAttribute(null=True)
    """The UTC day of the commit that put this copy: its counters land on that day."""
    token = UnicodeAttribute(null=True)
    """The token of the write that put this copy (services.ports.EnrollmentChange)."""
    due = DueEnrollmentIndex()
    held = HeldEnrollmentIndex()
    by_contact = EnrollmentsByContactIndex()


class WaitingIndex(_KeysIndex):
    """Sparse: live follow-ups by (lane#shard, time filed), as `ports.waiting_entry` files
    them: queued, dispatched and sending share the `queued` lane, so dispatch and claim
    leave the entry in place; sent ones wait in `sent` by their expiry. Terminal ones
    drop out."""

    class Meta(_KeysIndex.Meta):
        index_name = "waiting"

    phase_key = UnicodeAttribute(hash_key=True)
    wake_at = UnicodeAttribute(range_key=True)


class FollowUpsByContactIndex(_KeysIndex):
    class Meta(_KeysIndex.Meta):
        index_name = "by_contact"

    contact_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class FollowUpsBySendDayIndex(_KeysIndex):
    """Follow-ups by the UTC day and time they are (or were) to be sent: the queue view, in
    send-time order either way. A follow-up moves in it only when it is rescheduled."""

    class Meta(_KeysIndex.Meta):
        index_name = "by_send_day"

    send_day = UnicodeAttribute(hash_key=True)
    send_at = UnicodeAttribute(range_key=True)


class FollowUpItem(Model):
    class Meta:
        table_name = "followup-followups"
        stream_view_type = "NEW_AND_OLD_IMAGES"

    id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()
    doc = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    send_day = UnicodeAttribute(null=True)
    """Null on items written before the send-time index, until the backfill."""
    send_at = UnicodeAttribute(null=True)
    rule_id = UnicodeAttribute()
    phase_key = UnicodeAttribute(null=True)
    wake_at = UnicodeAttribute(null=True)
    provider_message_id = UnicodeAttribute(null=True)
    converted = NumberAttribute(null=True)
    """1 once it converted: a write of a copy read before then is refused."""
    counted_on = UnicodeAttribute(null=True)
    """The UTC day of the commit that put this copy: its counters land on that day."""
    converted_on = UnicodeAttribute(null=True)
    """The UTC day of the commit that recorded its conversion (until the next put)."""
    approved = NumberAttribute(null=True)
    """1 once a person approved its text: a write of a copy read before then is refused."""
    stopped = NumberAttribute(null=True)
    """1 once the lead stopped after replying to it: a write of a copy read before then is
    refused, so the mark is never lost (nor counted again when a later STOP sets it anew).
    An item marked before it kept this is taken on its status alone."""
    took_over = NumberAttribute(null=True)
    """1 once it took over as its step's send (`FollowUp.took_over_at`): a write of a copy
    read before then, one still following on the send WhatsApp took back, is refused."""
    priced = NumberAttribute(null=True)
    """1 while its copy holds a price: the lead's stop after their reply, and a conversion,
    of a copy read before a late price are refused, so the price is never lost. An item
    priced before it kept this is read with its price, so no write of it asks."""
    moves = NumberAttribute(null=True)
    """How many times its status was set: a write of a copy read before another move
    (away and back to the same status) is refused when it asks (FollowUpChange.moves)."""
    token = UnicodeAttribute(null=True)
    """The token of the write that put this copy: that write, sent again because its
    answer was lost, finds it and holds (services.ports.FollowUpChange)."""
    waiting = WaitingIndex()
    by_contact = FollowUpsByContactIndex()
    by_send_day = FollowUpsBySendDayIndex()


LISTED = "rule"
DELETED = "deleted"
"""A rule head's `head`: the index's partition of the rules listed, or of those deleted."""


class RuleHeadIndex(_Index):
    """Sparse: one row per rule (its head), so listing rules never scans versions; the
    listed rules in one partition (`LISTED`), the deleted ones in another (`DELETED`)."""

    class Meta(_Index.Meta):
        index_name = "heads"

    head = UnicodeAttribute(hash_key=True)
    rule_id = UnicodeAttribute(range_key=True)


class RuleItem(Model):
    """`sk` is `head` for the rule's head (current version, active, watermark, last error,
    where the indexing of its contacts' dates goes on as `backfill`) or `v#NNNNN` for a
    version (its document, who saved it and when). Beside the rules, the `#audit`
    partition holds the audit log and `#dispatch` the dispatch tick's mark (its
    time as `watermark`, its `horizon`, the follow-ups it `missed`, when its last read
    began as `read_at`, and the ids of those it found put in the queue just before as
    `seen`) and, as `planned`, the count of follow-ups the enqueue tick at `watermark`
    planned for it; `#expire` the expire tick's (its time as `watermark`, the send time it
    settled all up to as `horizon`, and the longest `expire_after`, in seconds, the `sent`
    lane may be filed under as `filed_under`)."""

    class Meta:
        table_name = "followup-rules"

    rule_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    doc = UnicodeAttribute(null=True)
    head = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    active = NumberAttribute(null=True)
    watermark = UnicodeAttribute(null=True)
    horizon = UnicodeAttribute(null=True)
    missed = NumberAttribute(null=True)
    planned = NumberAttribute(null=True)
    read_at = UnicodeAttribute(null=True)
    seen = UnicodeSetAttribute(null=True)
    error = UnicodeAttribute(null=True)
    error_at = UnicodeAttribute(null=True)
    saved_by = UnicodeAttribute(null=True)
    saved_at = UnicodeAttribute(null=True)
    backfill = UnicodeAttribute(null=True)
    filed_under = NumberAttribute(null=True)
    heads = RuleHeadIndex()


class StatsItem(Model):
    """Counters per rule and UTC day, added from the follow-up and enrollment streams
    (services.stats_stream).

    The same partition holds per-step days and the `active` gauges (services.monitoring).
    A day's `now_<status>` gauges count the follow-ups whose send time falls on that day
    by their current status (+1 to the new status, -1 to the old one on each change).
    Partition `#stream` holds one checkpoint per stream batch applied, keyed by the batch's
    first sequence number: `applied` is the last record counted, `expires_at` when it goes.
    """

    class Meta:
        table_name = "followup-stats"

    rule_id = UnicodeAttribute(hash_key=True)
    day = UnicodeAttribute(range_key=True)
    queued = NumberAttribute(null=True)
    sent = NumberAttribute(null=True)
    delivered = NumberAttribute(null=True)
    read = NumberAttribute(null=True)
    responded = NumberAttribute(null=True)
    expired = NumberAttribute(null=True)
    failed = NumberAttribute(null=True)
    failed_after_send = NumberAttribute(null=True)
    canceled = NumberAttribute(null=True)
    opted_out = NumberAttribute(null=True)
    opted_out_before_send = NumberAttribute(null=True)
    skipped = NumberAttribute(null=True)
    converted = NumberAttribute(null=True)
    ai_messages = NumberAttribute(null=True)
    ai_cost_micro_usd = NumberAttribute(null=True)
    messaging_cost_micro_usd = NumberAttribute(null=True)
    sms_cost_micro_usd = NumberAttribute(null=True)
    email_cost_micro_usd = NumberAttribute(null=True)
    entered = NumberAttribute(null=True)
    completed = NumberAttribute(null=True)
    exited = NumberAttribute(null=True)
    exited_goal = NumberAttribute(null=True)
    exited_exit = NumberAttribute(null=True)
    exited_replied = NumberAttribute(null=True)
    exited_opted_out = NumberAttribute(null=True)
    exited_closed = NumberAttribute(null=True)
    exited_gated = NumberAttribute(null=True)
    exited_unreachable = NumberAttribute(null=True)
    exited_error = NumberAttribute(null=True)
    exited_other = NumberAttribute(null=True)
    errors = NumberAttribute(null=True)
    active = NumberAttribute(null=True)
    now_queued = NumberAttribute(null=True)
    now_waiting_template = NumberAttribute(null=True)
    now_sending = NumberAttribute(null=True)
    now_sent = NumberAttribute(null=True)
    now_delivered = NumberAttribute(null=True)
    now_read = NumberAttribute(null=True)
    now_responded = NumberAttribute(null=True)
    now_expired = NumberAttribute(null=True)
    now_failed = NumberAttribute(null=True)
    now_canceled = NumberAttribute(null=True)
    now_opted_out = NumberAttribute(null=True)
    now_skipped = NumberAttribute(null=True)
    applied = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)


class ConnectionItem(Model):
    """An open WebSocket connection of the admin app, for the live queue feed.

    API Gateway closes connections after two hours; the TTL removes any whose
    `$disconnect` never arrived.
    """

    class Meta:
        table_name = "followup-connections"

    connection_id = UnicodeAttribute(hash_key=True)
    user = UnicodeAttribute()
    connected_at = UnicodeAttribute()
    expires_at = TTLAttribute()
    misses = NumberAttribute(null=True)
    """Batches the broadcaster could not deliver since it last told the app to resync."""


class StateItem(Model):
    """Workspace-wide documents such as the settings."""

    class Meta:
        table_name = "followup-state"

    key = UnicodeAttribute(hash_key=True)
    doc = UnicodeAttribute()
    revision = NumberAttribute(null=True)
    """Kept by documents changed with optimistic concurrency (the template catalogue)."""
    token = UnicodeAttribute(null=True)
    """The token of the put that wrote this copy (`put_once`)."""


class TasksByAssigneeIndex(_Index):
    """Tasks by (assignee#status, due time): one counsellor's open or done tasks, soonest
    due first. Tasks are written at a person's pace: not sharded."""

    class Meta(_Index.Meta):
        index_name = "by_assignee"

    assignee_key = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class TasksByStatusIndex(_Index):
    """Every open (or done) task, soonest due first."""

    class Meta(_Index.Meta):
        index_name = "by_status"

    status = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class TasksByContactIndex(_Index):
    class Meta(_Index.Meta):
        index_name = "by_contact"

    contact_id = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class TaskItem(Model):
    """Tasks for counsellors, made by journey actions."""

    class Meta:
        table_name = "followup-tasks"

    id = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute()
    doc = UnicodeAttribute()
    assignee_key = UnicodeAttribute()
    status = UnicodeAttribute()
    due_at = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    created_at = UnicodeAttribute()
    token = UnicodeAttribute(null=True)
    """The token of the put that wrote this copy (`put_once`)."""
    by_assignee = TasksByAssigneeIndex()
    by_status = TasksByStatusIndex()
    by_contact = TasksByContactIndex()


class PendingNotificationIndex(_Index):
    """Sparse: notifications still to be tried, by next attempt. Written at a tick's pace:
    not sharded."""

    class Meta(_Index.Meta):
        index_name = "pending"

    pending = UnicodeAttribute(hash_key=True)
    next_attempt_at = UnicodeAttribute(range_key=True)


class NotificationItem(Model):
    """Outbound notifications of journeys: pending until delivered or given up."""

    class Meta:
        table_name = "followup-notifications"

    id = UnicodeAttribute(hash_key=True)
    revision = NumberAttribute()
    doc = UnicodeAttribute()
    pending = UnicodeAttribute(null=True)
    next_attempt_at = UnicodeAttribute(null=True)
    token = UnicodeAttribute(null=True)
    """The token of the put that wrote this copy (`put_once`)."""
    pending_index = PendingNotificationIndex()


class PacingItem(Model):
    """What every sender of a number shares to pace it: `<number>#<slot>` counts the sends
    booked in a 100 ms slot (`n`); `<number>#to#<recipient>` holds when the recipient may
    next get a message (`next_at`, epoch milliseconds). A tally (`reached#<portfolio>`)
    holds named counts, each in an attribute of its own (`c_<name>`), and whether counts
    kept elsewhere were carried into it (`carried`). TTL deletes them all."""

    class Meta:
        table_name = "followup-pacing"

    key = UnicodeAttribute(hash_key=True)
    n = NumberAttribute(null=True)
    next_at = NumberAttribute(null=True)
    carried = BooleanAttribute(null=True)
    expires_at = TTLAttribute()


TABLES: dict[str, type[Model]] = {
    "contacts": ContactItem,
    "messages": MessageItem,
    "enrollments": EnrollmentItem,
    "followups": FollowUpItem,
    "rules": RuleItem,
    "stats": StatsItem,
    "state": StateItem,
    "connections": ConnectionItem,
    "tasks": TaskItem,
    "notifications": NotificationItem,
    "pacing": PacingItem,
}
"""Logical name → model. Physical names are `<prefix><logical>`."""


def bind(prefix: str, region: str, endpoint: str | None = None, *, emulated: bool = False) -> None:
    """Point every model at its physical table; called once per cold start by wiring.

    pynamodb gives each model its own connection, session and client, and each session loads
    the DynamoDB service model again (~80 ms apiece, ~0.6 s per cold start for seven
    tables). Here every model shares one client, built from one session kept for the
    process: a table is only a name in each request. botocore clients are thread-safe once
    built, so the sender's threads share it too. It sends a write again when it met another
    transaction on its items (`adapters/conflicts.py`), and waits on DynamoDB as long as
    `timeouts.DYNAMODB` allows, not pynamodb's 15 s + 30 s (a local emulation, `emulated`:
    `timeouts.EMULATED`).
    """
    limit = towards(DYNAMODB, emulated=emulated)
    shared = None
    for logical, model in TABLES.items():
        model.Meta.table_name = f"{prefix}{logical}"
        model.Meta.region = region
        model.Meta.host = endpoint
        meta: Any = model.Meta  # annotated int there; its connection takes float seconds
        meta.connect_timeout_seconds = limit.connect
        meta.read_timeout_seconds = limit.read
        meta.max_retry_attempts = limit.attempts - 1  # pynamodb counts retries
        model._connection = None
        connection: Any = model._get_connection().connection
        connection._local.session = _session()
        if shared is None:
            shared = connection.client
        else:
            connection._client = shared


def client() -> Any:
    """The DynamoDB client every table's requests go through, once `bind` has run."""
    return ContactItem._get_connection().connection.client


@cache
def _session() -> botocore.session.Session:
    """The process's one botocore session for the tables' client: it loads the service model
    once, however often the tables are bound again (each local run and test binds them)."""
    session = botocore.session.get_session()
    retry_conflicts(session)
    return session


def table_spec(model: type[Model]) -> dict[str, Any]:
    """CreateTable arguments for `model`: keys, attributes, indexes and stream.

    Local runs create tables from this; the CDK app declares them from the same schema.
    """
    schema = model._get_schema()
    spec: dict[str, Any] = {
        "TableName": model.Meta.table_name,
        "KeySchema": _hash_first(schema["key_schema"]),
        "AttributeDefinitions": schema["attribute_definitions"],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if schema["global_secondary_indexes"]:
        spec["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index["index_name"],
                "KeySchema": _hash_first(index["key_schema"]),
                "Projection": index["projection"],
            }
            for index in schema["global_secondary_indexes"]
        ]
    stream = getattr(model.Meta, "stream_view_type", None)
    if stream:
        spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream}
    return spec


def _hash_first(keys: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """DynamoDB wants the partition key first; pynamodb lists keys in declaration order."""
    return [dict(key) for key in sorted(keys, key=lambda key: key["KeyType"] != "HASH")]


def ttl_attribute(model: type[Model]) -> str | None:
    """The attribute DynamoDB's TTL deletes by, if the model has one."""
    names = [n for n, a in model.get_attributes().items() if isinstance(a, TTLAttribute)]
    return names[0] if names else None


def create_tables(client: Any) -> None:
    """Create every table that does not exist yet (local runs and tests), with one client."""
    existing = set(client.list_tables()["TableNames"])
    for model in TABLES.values():
        if model.Meta.table_name not in existing:
            client.create_table(**table_spec(model))
            if ttl := ttl_attribute(model):
                client.update_time_to_live(
                    TableName=model.Meta.table_name,
                    TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl},
                )
