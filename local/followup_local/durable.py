"""The dev stack's tables on disk: a snapshot, and a journal of every write since.

moto keeps DynamoDB in memory. Each request that changes a table is appended to the
journal and flushed to disk (fsync) before moto's answer leaves, while no other request
runs. Whatever a handler does after a write (answer a webhook 200, call the provider
after claiming a follow-up) therefore happens only once the write is on disk: after a
kill -9 at any point, an acknowledged webhook is still stored, and a follow-up claimed
for sending is still claimed, so it is never sent again (the expire tick ends it
`outcome_unknown`). A write whose answer never left may be lost; nobody acted on it.

The next start loads the snapshot, replays the journal in order (the same writes on the
same items give the same tables) and writes a new snapshot atomically: a temporary file,
fsynced, renamed over the old one. The cost is one fsync per DynamoDB write, a few
milliseconds on a laptop, against a scan of every table that snapshotting after each
change would cost.

A restart is no change to the tables' streams: what the restore writes is not in them,
and their records go on numbering after the last ones the stopped stack's streams gave
(moto numbers each new stream from the same value). The snapshot keeps where each stream
was; the journal's writes, replayed in order, number their records as they did. So the
stats function, whose checkpoints are keyed by sequence number, neither counts a restored
item again nor takes a new record for one it already counted.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends
from werkzeug.test import Client

from followup_local.moto_tuning import tune_moto

_log = logging.getLogger(__name__)
SNAPSHOT = "tables.json"
_FORMAT = 2
_TARGET = "DynamoDB_20120810."
_REGION = "us-east-1"
"""The region of the tables (moto keeps them per account and region)."""
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_HEADERS = {
    "Authorization": f"AWS4-HMAC-SHA256 Credential=local/20260101/{_REGION}/dynamodb/"
    "aws4_request, SignedHeaders=host, Signature=0",
    "Content-Type": "application/x-amz-json-1.0",
}
_JOURNAL = re.compile(r"journal-[0-9a-f]+\.jsonl")
COMPACT_AFTER = 20_000
"""Journal entries after which the tables are snapshotted again, to keep restarts quick."""


class StateError(Exception):
    """The saved tables cannot be read; they are left as they are."""


class DurableTables:
    """moto's WSGI app, one request at a time, with every table write journaled first.

    `tables` maps the names used in the snapshot to the tables' names in moto.
    """

    def __init__(self, app: Any, state: Path, tables: Mapping[str, str]) -> None:
        tune_moto()
        self._app, self._state, self._tables = app, state, dict(tables)
        self._local = Client(app)
        self._lock = threading.Lock()
        self._journal: IO[bytes] | None = None
        self._journal_name = ""
        self._entries = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        with self._lock:
            target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
            operation = target.removeprefix(_TARGET)
            if self._journal is None or target == operation or operation not in _WRITES:
                return list(self._app(environ, start_response))
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            statuses: list[str] = []

            def recorded(status: str, headers: Any, exc_info: Any = None) -> Any:
                statuses.append(status)
                return start_response(status, headers, exc_info)

            answer = list(self._app(environ, recorded))
            if statuses and statuses[0].startswith("200"):
                self._append(operation, body)
            return answer

    # --- start and stop ------------------------------------------------------------------

    def open(self) -> bool:
        """Load the snapshot and replay the journal; from now on writes are journaled.

        True if there was saved data. Raises StateError, changing nothing, if the files
        cannot be read.
        """
        with self._lock:
            saved = _read_snapshot(self._state / SNAPSHOT)
            if saved is not None:
                tables, journal, streams = saved
                entries = list(_read_journal(self._state / journal)) if journal else []
                for name, items in tables.items():
                    self._put_all(name, items)
                self._streams_from(streams)
                for operation, body in entries:
                    self._replay(operation, body)
                self._streams_from(self._streams())
            restored = self._compact()
            for stale in self._state.glob("journal-*.jsonl"):
                if stale.name != self._journal_name:
                    stale.unlink()
        return restored

    def snapshot(self) -> None:
        """Fold the journal into a new snapshot; later writes go on to a new journal.

        Journaling goes on: a handler still finishing while the stack stops keeps its
        writes too.
        """
        with self._lock:
            self._compact()

    @staticmethod
    def forget(state: Path) -> None:
        """Delete the saved tables (`--reset`)."""
        (state / SNAPSHOT).unlink(missing_ok=True)
        for journal in state.glob("journal-*.jsonl"):
            journal.unlink()

    # --- the journal and the snapshot ----------------------------------------------------

    def _append(self, operation: str, body: bytes) -> None:
        assert self._journal is not None
        line = json.dumps({"op": operation, "body": body.decode()}) + "\n"
        self._journal.write(line.encode())
        self._journal.flush()
        os.fsync(self._journal.fileno())
        self._entries += 1
        if self._entries >= COMPACT_AFTER:
            self._compact()

    def _compact(self) -> bool:
        """Write every table to a new snapshot that names a new, empty journal; True if
        any table has items."""
        dump = {name: list(self._scan(table)) for name, table in self._tables.items()}
        name = f"journal-{secrets.token_hex(6)}.jsonl"
        document = {"format": _FORMAT, "journal": name, "tables": dump, "streams": self._streams()}
        journal = _create(self._state / name)
        try:
            _write_atomically(self._state / SNAPSHOT, json.dumps(document).encode())
        except OSError:
            journal.close()  # the last snapshot and its journal stay as they were
            (self._state / name).unlink()
            raise
        if self._journal is not None:
            self._journal.close()
            (self._state / self._journal_name).unlink(missing_ok=True)
        self._journal, self._journal_name, self._entries = journal, name, 0
        return any(dump.values())

    def _streams(self) -> dict[str, int]:
        """The sequence number each table's stream gives its next record."""
        return {
            name: shard.starting_sequence_number + len(shard.items)
            for name, shard in self._shards()
        }

    def _streams_from(self, positions: Mapping[str, int]) -> None:
        """Empty each table's stream, its next record numbered from `positions` (or after
        the records it held, if later): readers see only what is written from now on."""
        for name, shard in self._shards():
            following = shard.starting_sequence_number + len(shard.items)
            shard.starting_sequence_number = max(following, positions.get(name, 0))
            shard.items.clear()

    def _shards(self) -> Iterator[tuple[str, Any]]:
        """Each table that has a stream, by snapshot name, with moto's shard of it."""
        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][_REGION]
        for name, table in self._tables.items():
            found = backend.tables.get(table)
            if found is not None and found.stream_shard is not None:
                yield name, found.stream_shard

    def _scan(self, table: str) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"TableName": table}
        while True:
            page = self._call("Scan", json.dumps(request).encode())
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _put_all(self, name: str, items: list[dict[str, Any]]) -> None:
        table = self._tables.get(name)
        if table is None:
            return
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            self._call("BatchWriteItem", json.dumps({"RequestItems": {table: batch}}).encode())

    def _replay(self, operation: str, body: bytes) -> None:
        try:
            self._call(operation, body)
        except StateError as problem:
            _log.warning("a journaled %s did not apply again: %s", operation, problem)

    def _call(self, operation: str, body: bytes) -> dict[str, Any]:
        headers = {**_HEADERS, "X-Amz-Target": f"{_TARGET}{operation}"}
        answer = self._local.post("/", data=body, headers=headers)
        if answer.status_code != 200:
            raise StateError(f"{operation} answered {answer.status}: {answer.get_data()[:200]!r}")
        result: dict[str, Any] = json.loads(answer.get_data() or b"{}")
        return result


Saved = tuple[dict[str, list[dict[str, Any]]], str | None, dict[str, int]]
"""The tables, the journal that follows them, and where each table's stream was."""


def _read_snapshot(path: Path) -> Saved | None:
    """What the snapshot saved; None if nothing was saved yet."""
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_bytes())
        if isinstance(document, dict) and document.get("format") == _FORMAT:
            tables, journal = document["tables"], document["journal"]
            streams = document.get("streams", {})  # none: saved by an earlier version
        else:
            tables, journal, streams = document, None, {}  # an earlier version's: no journal
        if not isinstance(tables, dict) or not all(isinstance(v, list) for v in tables.values()):
            raise ValueError("no tables in it")
        if journal is not None and not _JOURNAL.fullmatch(str(journal)):
            raise ValueError(f"no journal named {journal!r}")
        if not isinstance(streams, dict) or not all(type(v) is int for v in streams.values()):
            raise ValueError("no stream positions in it")
    except (ValueError, KeyError, UnicodeDecodeError) as problem:
        raise StateError(_unreadable(path, problem)) from problem
    return tables, journal, streams


def _read_journal(path: Path) -> Iterable[tuple[str, bytes]]:
    """The journaled writes in order; a last line cut short by a kill was never answered."""
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    entries = []
    for number, line in enumerate(lines[:-1], start=1):
        try:
            entry = json.loads(line)
            entries.append((str(entry["op"]), str(entry["body"]).encode()))
        except (ValueError, KeyError, TypeError) as problem:
            raise StateError(_unreadable(path, f"line {number}: {problem}")) from problem
    return entries


def _unreadable(path: Path, problem: object) -> str:
    return (
        f"the saved tables in {path} cannot be read ({problem}). They are left as they are: "
        "restore the file from a copy, or start over with --reset"
    )


def _create(path: Path) -> IO[bytes]:
    """A new, empty file only its owner reads, known to the directory on disk."""
    handle = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
    _sync_directory(path.parent)
    return handle


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` all at once: a kill leaves the old file or the new one."""
    temporary = path.with_name(f".{path.name}.tmp")
    with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
