"""moto as the local engine and the dev stack run it: atomic per call, with DynamoDB costs
proportional to the work, and transactions that roll back in place."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from followup.loading import loading


def tune_moto() -> None:
    """Make moto atomic per call and its DynamoDB cost proportional to the work (idempotent).

    moto 5.2 is not thread-safe: concurrent senders lost counter updates, or crashed copying
    a table another thread was writing; here each call runs alone, as each AWS call is atomic.
    It also deep-copies every table a transaction touches (to roll back) and sorts a whole
    table with slow comparisons on every query, so long simulations grew quadratic in time
    and to gigabytes of memory: a transaction saves only the items it writes, a sort reads
    each key once. A failed transaction rolls back in place: moto's own rollback swaps in
    its copy of each table, stream included, so a stream reader holding the old one (the
    dev stack's pump, feeding stats and the live queue) would never see a record again.
    Each call also lists its handler class's methods by inspecting the class: each class's
    list is kept. And every DynamoDB attribute value of an answer is looked up member by
    member under each of its possible aliases, a fifth of a simulation's time: a value that
    is already AWS's own form (`{"S": ...}`) is written out by its members alone. A request
    moto answers in-process goes unsigned: it never leaves the process, and moto reads no
    signature (the account of a key it does not know is the default one, as with none),
    so SigV4's hashing, a tenth of the work of each call, was for nothing. A request to any
    other endpoint, to S3, and a presigned URL keep their signatures. A client's User-Agent
    is built again only when what it is built from changes: botocore built it twice per
    call from the same parts, 8 % of the Python calls of a simulation.
    """
    with loading():
        from botocore.context import get_context
        from botocore.signers import RequestSigner
        from botocore.useragent import UserAgentString
        from moto.core import responses, utils
        from moto.core.botocore_stubber import BotocoreStubber
        from moto.core.config import passthrough_url
        from moto.core.models import botocore_stubber
        from moto.core.serialize import BaseJSONSerializer
        from moto.dynamodb import models
        from moto.dynamodb.models.table import Table

    backend: Any = models.DynamoDBBackend
    if getattr(backend, "tuned", False):
        return
    original = backend.transact_write_items

    class KeepTables:
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved, shards = [], {}
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = self.get_table(op["TableName"])
            names = [name for name in (table.hash_key_attr, table.range_key_attr) if name]
            hash_key, range_key = self.get_keys_value(
                table, op.get("Key") or {name: op["Item"][name] for name in names}
            )
            item = copy.deepcopy(table.get_item(hash_key, range_key))
            saved.append((table, hash_key, range_key, item))
            if table.stream_shard is not None:
                shards[table.name] = (table.stream_shard, len(table.stream_shard.items))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                bucket = table.items if range_key is None else table.items[hash_key]
                slot = hash_key if range_key is None else range_key
                if item is None:
                    bucket.pop(slot, None)
                else:
                    bucket[slot] = item
            for shard, size in shards.values():
                del shard.items[size:]
            raise

    def all_items(self: Any) -> list[Any]:
        groups = self.items.values()
        rows = [r for g in groups for r in (g.values() if self.range_key_attr else [g])]
        return sorted(rows, key=lambda r: (_cast(r.hash_key), _cast(r.range_key)))

    sign = RequestSigner.handler

    def sign_unless_in_process(
        self: Any, operation_name: Any = None, request: Any = None, **kwargs: Any
    ) -> Any:
        url = urlsplit(request.url)
        if (
            botocore_stubber.enabled
            and not self.signing_name.startswith("s3")  # S3 moves its URL as it signs
            and url.hostname is not None
            and url.hostname.endswith(".amazonaws.com")
            and not passthrough_url(f"{url.scheme}://{url.netloc}{url.path}")
        ):
            return None
        return sign(self, operation_name, request, **kwargs)

    build_agent = UserAgentString.to_string

    def agent_when_changed(self: Any) -> str:
        context = get_context()
        parts = tuple(
            frozenset(value) if isinstance(value, set) else value
            for name, value in vars(self).items()
            if name != "_built"
        )
        key = (parts, frozenset(context.features) if context is not None else None)
        built = self.__dict__.get("_built")
        if built is None or built[0] != key:
            built = (key, build_agent(self))
            self._built = built
        text: str = built[1]
        return text

    agent_when_changed.__wrapped__ = build_agent  # type: ignore[attr-defined]

    serial, process = threading.RLock(), BotocoreStubber.process_request

    def process_request(self: Any, request: Any) -> Any:
        with serial:
            return process(self, request)

    structure = BaseJSONSerializer._serialize_type_structure

    def serialize_structure(self: Any, out: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name != "AttributeValue" or not isinstance(value, dict):
            structure(self, out, value, shape, key)
            return
        wrapper = self.MAP_TYPE() if key else out
        for member_key, member_shape in shape.members.items():
            member_shape.parent = shape
            if (member := value.get(member_key)) is not None:
                self._serialize(wrapper, member, member_shape, member_key)
        if key:
            self._default_serialize(out, wrapper, shape, key)

    setattr(BotocoreStubber, "process_request", process_request)  # noqa: B010
    setattr(RequestSigner, "handler", sign_unless_in_process)  # noqa: B010
    setattr(UserAgentString, "to_string", agent_when_changed)  # noqa: B010
    setattr(BaseJSONSerializer, "_serialize_type_structure", serialize_structure)  # noqa: B010
    setattr(models, "copy", KeepTables)  # noqa: B010  # its rollback snapshot keeps the table
    backend.transact_write_items = transact_write_items
    setattr(Table, "all_items", all_items)  # noqa: B010
    setattr(responses, "method_names_from_class", cache(utils.method_names_from_class))  # noqa: B010
    backend.tuned = True


def stream_records(table_name: str, region: str) -> Callable[[], int]:
    """How many records the stream of a table in this process's moto has had, read without
    a call (moto keeps them all, in the table's one shard)."""
    with loading():
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][region].tables

    def written() -> int:
        shard = tables[table_name].stream_shard
        return 0 if shard is None else len(shard.items)

    return written


def _cast(key: Any) -> Any:
    """A key's value as moto compares it (`cast_value`), without its slow type checks."""
    if key is None:
        return None
    return Decimal(key.value) if key.type == "N" else key.value
