"""More triggers delivered at least once: the expire tick, the stream functions, the feed's
connect and disconnect, and admin requests a browser sends again after a timeout. The
repeat changes nothing a user would notice: nothing sent or counted twice, no second
contact or audit entry, and the repeated request gets a clear answer."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from followup.adapters.connections import ConnectionPoster, Connections
from followup.domain.followup import FollowUp, Status
from followup.services import approval, audit, bulk_cancel, expire, imports, rules
from followup.services import settings as workspace
from followup.services.deps import Deps
from followup.wiring import runtime
from followup_local.engine import LocalEngine, scheduled_event
from tests.integration.test_ai_approval import ai as ai  # the fixture
from tests.integration.test_ai_approval import highlights, waiting
from tests.integration.test_realtime import _stream_records
from tests.integration.test_webhook import current
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.connections import open_ids
from tests.support.events import load
from tests.support.sender import sent_followup

HOUR = timedelta(hours=1)
EXPIRE_AFTER = 72 * HOUR


def counts_on(engine: LocalEngine, day: date) -> dict[str, int]:
    rows = engine.deps.stats.stats(day, day)
    return rows[0].counts if rows else {}


def audit_actions(engine: LocalEngine) -> list[str]:
    return [entry.action for entry in engine.deps.rules.audit_log(100, None).items]


class Together:
    """A real repository, except that each worker's first call of `name` waits until both
    workers made it (after the call; before it with `before`): two deliveries of the same
    thing, each reading before either writes."""

    def __init__(self, real: Any, name: str, *, before: bool = False) -> None:
        self._real, self._name, self._before = real, name, before
        self._together = threading.Barrier(2)
        self._waited: set[int] = set()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._real, name)
        if name != self._name:
            return found

        def together(*args: Any, **kwargs: Any) -> Any:
            if self._before:
                self._wait()
            result = found(*args, **kwargs)
            result = list(result) if isinstance(result, Iterator) else result
            self._wait()
            return result

        return together

    def _wait(self) -> None:
        if threading.get_ident() not in self._waited:
            self._waited.add(threading.get_ident())
            self._together.wait(timeout=30)


def at_once(
    deps: Deps,
    name: str,
    work: Callable[[], Any],
    *,
    repository: str = "followups",
    before: bool = False,
) -> list[Any]:
    """`work` run by two threads that both call `name` of a repository (with `before`: that
    both reach it) before either goes on; what each answered, or the error it raised."""
    real = getattr(deps, repository)
    setattr(deps, repository, Together(real, name, before=before))
    answers: list[Any] = []

    def run() -> None:
        try:
            answers.append(work())
        except Exception as refused:
            answers.append(type(refused).__name__)

    try:
        workers = [threading.Thread(target=run) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        setattr(deps, repository, real)
    return answers


# The expire tick


def expiring(engine: LocalEngine) -> FollowUp:
    """A follow-up sent 72 h ago: the clock at its expiry."""
    sent = sent_followup(engine, "6281100000701")
    assert sent.sent_at is not None
    engine.clock.advance(sent.sent_at + EXPIRE_AFTER - engine.clock.now())
    return sent


def test_the_expire_tick_delivered_twice_expires_once(engine: LocalEngine) -> None:
    sent = expiring(engine)
    tick = scheduled_event(engine.clock.now())
    first = engine.invoke("expire", copy.deepcopy(tick))
    second = engine.invoke("expire", copy.deepcopy(tick))
    assert (first["expired"], second["expired"]) == (1, 0)
    assert current(engine, sent).status is Status.EXPIRED
    assert sent.sent_at is not None  # an outcome counts on the day of its send
    assert counts_on(engine, sent.sent_at.date()).get("expired") == 1


def test_two_expire_ticks_for_the_same_time_at_once_expire_once(engine: LocalEngine) -> None:
    # Given a follow-up due to expire, and two runs of the tick for the same time that
    # both read it before either writes
    sent = expiring(engine)
    at = engine.clock.now()
    reports = at_once(engine.deps, "sent_between", lambda: expire.run_tick(engine.deps, at))
    engine.pump_stream()
    # Then it expired once, counted once
    assert sorted(report.expired for report in reports) == [0, 1]
    assert current(engine, sent).status is Status.EXPIRED
    assert sent.sent_at is not None  # an outcome counts on the day of its send
    assert counts_on(engine, sent.sent_at.date()).get("expired") == 1
    # And the next tick finds nothing left, and the next send still expires at its time
    assert engine.scheduled("expire")["expired"] == 0
    later = sent_followup(engine, "6281100000702")
    assert later.sent_at is not None
    engine.clock.advance(later.sent_at + EXPIRE_AFTER - engine.clock.now())
    assert engine.scheduled("expire")["expired"] == 1


# The stream functions


def test_the_stats_function_given_the_same_batches_twice_counts_once(
    engine: LocalEngine,
) -> None:
    engine.pump_each_step = False
    sent_followup(engine, "6281100000703")
    today = engine.clock.now().date()
    batches: list[list[dict[str, Any]]] = []
    for table in ("enrollments", "followups"):
        engine.streams[table].pump(batches.append)
    first = [engine.invoke("stats", {"Records": copy.deepcopy(b)}) for b in batches]
    counted = counts_on(engine, today)
    assert counted.get("sent") == 1
    assert sum(answer["counted"] for answer in first) > 0
    again = [engine.invoke("stats", {"Records": copy.deepcopy(b)}) for b in batches]
    assert again == [{"settled": 0, "counted": 0}] * len(batches)
    assert counts_on(engine, today) == counted


@contextmanager
def pushes(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch, count: int) -> Iterator[list[Any]]:
    """`count` pushes the open apps accept, each frame kept as (connection, data)."""
    client = boto3.client(
        "apigatewaymanagementapi",
        region_name=engine.config.aws_region,
        endpoint_url="https://def456.execute-api.ap-southeast-1.amazonaws.com/live",
    )
    frames: list[Any] = []
    client.meta.events.register(
        "provide-client-params.apigatewaymanagementapi.PostToConnection",
        lambda params, **_: frames.append((params["ConnectionId"], params["Data"])),
    )
    stub = Stubber(client)
    for _ in range(count):
        stub.add_response("post_to_connection", {}, {"ConnectionId": ANY, "Data": ANY})
    monkeypatch.setattr(runtime, "connection_poster", lambda: ConnectionPoster(client))
    with stub:
        yield frames
    stub.assert_no_pending_responses()


def test_the_broadcaster_given_the_same_batch_twice_pushes_the_same_state(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = engine.clock.now()
    Connections().add("open", "u1", now)
    sent_followup(engine, "6281100000704")
    records = _stream_records(engine)
    with pushes(engine, monkeypatch, 2) as frames:
        first = engine.invoke("broadcaster", {"Records": copy.deepcopy(records)})
        second = engine.invoke("broadcaster", {"Records": copy.deepcopy(records)})
    assert first == second == {"messages": 1, "gone": 0, "failed": 0}
    # The app gets the follow-up's same latest state again: it replaces the row by id
    assert frames[0] == frames[1]
    assert open_ids(Connections(), now) == ["open"]


def test_connect_and_disconnect_delivered_twice_keep_one_connection_then_none(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect = load("apigw-ws-connect.json")
    connection = connect["requestContext"]["connectionId"]
    assert engine.invoke("realtime", copy.deepcopy(connect)) == {"statusCode": 200}
    assert engine.invoke("realtime", copy.deepcopy(connect)) == {"statusCode": 200}
    now = engine.clock.now()
    assert open_ids(Connections(), now) == [connection]
    # A change reaches the app once, not once per connect
    sent_followup(engine, "6281100000705")
    with pushes(engine, monkeypatch, 1) as frames:
        engine.invoke("broadcaster", {"Records": _stream_records(engine)})
    assert [to for to, _ in frames] == [connection]
    disconnect = copy.deepcopy(connect)
    disconnect["requestContext"] |= {"routeKey": "$disconnect", "eventType": "DISCONNECT"}
    assert engine.invoke("realtime", copy.deepcopy(disconnect)) == {"statusCode": 200}
    assert engine.invoke("realtime", copy.deepcopy(disconnect)) == {"statusCode": 200}
    assert open_ids(Connections(), now) == []


# Admin requests sent again


def queued_followups(engine: LocalEngine, count: int) -> list[str]:
    """`count` leads with a follow-up queued on a Saturday, when nothing goes out: their ids."""
    engine.clock.advance(timedelta(days=4))  # Saturday: queued, not sent
    engine.deps.rules.save_rule(rule())
    for n in range(count):
        quiet_contact(engine.deps, f"62811000007{10 + n}", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    _, page = call(engine, "GET", "/api/queue?status=queued")
    ids = [row["id"] for row in page["followups"]]
    assert len(ids) == count
    return ids


def test_bulk_cancel_sent_twice_cancels_once_and_says_so(engine: LocalEngine) -> None:
    ids = queued_followups(engine, 2)
    day = engine.clock.now().date()
    status, first = call(engine, "POST", "/api/queue/cancel", {"ids": ids})
    assert (status, [r["result"] for r in first["results"]]) == (200, ["cancelled"] * 2)
    counted = counts_on(engine, day)
    status, second = call(engine, "POST", "/api/queue/cancel", {"ids": ids})
    assert (status, [r["result"] for r in second["results"]]) == (200, ["already_ended"] * 2)
    assert counts_on(engine, day) == counted
    for fid in ids:
        found = engine.deps.followups.followup(fid)
        assert found is not None
        assert found.status is Status.CANCELED


def test_bulk_cancel_sent_twice_at_once_cancels_each_once(engine: LocalEngine) -> None:
    ids = queued_followups(engine, 2)
    day = engine.clock.now().date()
    before = counts_on(engine, day).get("canceled", 0)
    answers = at_once(
        engine.deps, "followup", lambda: bulk_cancel.cancel_queued(engine.deps, ids[:1])
    )
    engine.pump_stream()
    outcomes = sorted(outcome for answer in answers for _, outcome in answer)
    assert outcomes == [bulk_cancel.Outcome.ALREADY_ENDED, bulk_cancel.Outcome.CANCELLED]
    assert counts_on(engine, day).get("canceled", 0) == before + 1
    engine.clock.advance(timedelta(days=2))  # Monday: the other one goes, the canceled not
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_an_approval_sent_twice_sends_once_and_the_repeat_is_a_conflict(
    ai: tuple[LocalEngine, Any],
) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000720")
    path = f"/api/followups/{followup.id}/approve"
    assert call(engine, "POST", path, {})[0] == 200
    status, answer = call(engine, "POST", path, {})
    assert (status, answer["error"]["code"]) == (409, "already_decided")
    assert "already approved" in answer["error"]["message"]
    engine.tick()
    assert len(highlights(engine)) == 1
    assert current(engine, followup).status is Status.SENT


def test_an_approval_sent_twice_at_once_sends_once(ai: tuple[LocalEngine, Any]) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000721")
    answers = at_once(engine.deps, "followup", lambda: approval.approve(engine.deps, followup.id))
    assert [a for a in answers if isinstance(a, str)] == ["AlreadyDecided"]
    engine.tick()
    assert len(highlights(engine)) == 1
    assert current(engine, followup).status is Status.SENT


def test_a_rejection_sent_twice_keeps_it_rejected_and_the_repeat_is_a_conflict(
    ai: tuple[LocalEngine, Any],
) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000722")
    path = f"/api/followups/{followup.id}/reject"
    assert call(engine, "POST", path)[0] == 200
    status, answer = call(engine, "POST", path)
    assert (status, answer["error"]["code"]) == (409, "already_decided")
    assert "not awaiting approval" in answer["error"]["message"]
    engine.clock.advance(HOUR)
    engine.tick()
    assert highlights(engine) == []
    found = current(engine, followup)
    assert (found.status, found.reason) == (Status.CANCELED, "rejected")


def test_a_rejection_sent_twice_at_once_cancels_once(ai: tuple[LocalEngine, Any]) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000723")
    day = engine.clock.now().date()
    before = counts_on(engine, day).get("canceled", 0)
    answers = at_once(engine.deps, "followup", lambda: approval.reject(engine.deps, followup.id))
    engine.pump_stream()
    assert [a for a in answers if isinstance(a, str)] == ["AlreadyDecided"]
    assert counts_on(engine, day).get("canceled", 0) == before + 1
    engine.clock.advance(HOUR)
    engine.tick()
    assert highlights(engine) == []


IMPORT = """wa_id,name,stage,score,timezone,tags,attr.program
6281100000731,Fajar,paid,warm,Asia/Jakarta,webinar,Nursing
6281100000732,Gita,new,hot,Asia/Makassar,,Law
"""


def test_a_contact_import_posted_twice_adds_nobody_and_moves_a_stage_once(
    engine: LocalEngine,
) -> None:
    # Given a lead who is to move to `paid` by the import, and a rule for those who do
    trigger = {"kind": "stage_entered", "stages": ["paid"]}
    engine.deps.rules.save_rule(rule("paid-welcome", trigger=trigger))
    engine.deps.catalog.invalidate()
    fajar = quiet_contact(engine.deps, "6281100000731", engine.clock.now() - HOUR)
    day = engine.clock.now().date()

    def post() -> tuple[int, Any]:
        return call(engine, "POST", "/api/contacts/import", raw=IMPORT, content_type="text/csv")

    # When the same file is posted twice
    first = post()
    contacts = call(engine, "GET", "/api/contacts?limit=50")[1]["contacts"]
    counted = counts_on(engine, day)
    second = post()
    # Then the second adds nobody and changes nothing: one enrollment, nothing counted again
    assert first == (200, {"created": 1, "updated": 1, "rejected": [], "next_line": None})
    assert second == (200, {"created": 0, "updated": 2, "rejected": [], "next_line": None})
    assert call(engine, "GET", "/api/contacts?limit=50")[1]["contacts"] == contacts
    enrolled = [e.item.rule_id for e in engine.deps.followups.enrollments_of(fajar.id)]
    assert enrolled == ["paid-welcome"]
    assert counts_on(engine, day) == counted


def test_a_settings_save_sent_twice_with_the_same_revision_saves_once(
    engine: LocalEngine,
) -> None:
    _, read = call(engine, "GET", "/api/settings")
    body = {**read, "mass_send_limit": 150}
    status, saved = call(engine, "PUT", "/api/settings", body)
    assert (status, saved["revision"]) == (200, read["revision"] + 1)
    # The copy finds the settings as it would make them: it saves nothing, and says so
    status, again = call(engine, "PUT", "/api/settings", body)
    assert (status, again) == (200, saved)
    assert call(engine, "GET", "/api/settings")[1] == saved
    assert audit_actions(engine) == ["settings.updated"]


def rule_body(**changes: Any) -> dict[str, Any]:
    return rule("nudge", active=False).model_dump(mode="json") | changes


class SavedFirst:
    """The real rules, except that the other copy of a request runs whole just after this
    one's first look at the rules: two copies of a save, the second checked before the
    first saved, made deterministic."""

    def __init__(self, real: Any, other: Callable[[], object]) -> None:
        self._real, self._other = real, other
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def rule_head(self, rule_id: str) -> Any:
        found = self._real.rule_head(rule_id)
        if not self.raced:
            self.raced = True
            self._other()
        return found


def test_a_new_rule_posted_twice_is_created_once_and_the_repeat_is_a_conflict(
    engine: LocalEngine,
) -> None:
    status, created = call(engine, "POST", "/api/rules", rule_body())
    assert (status, created["rule"]["version"]) == (201, 1)
    status, again = call(engine, "POST", "/api/rules", rule_body())
    assert (status, again["error"]["code"]) == (409, "rule_exists")
    assert "already exists" in again["error"]["message"]
    versions = call(engine, "GET", "/api/rules/nudge/versions")[1]["versions"]
    assert [v["version"] for v in versions] == [1]
    assert audit_actions(engine) == ["rule.created"]


def test_a_rule_activated_twice_is_audited_once_and_answers_the_same(
    engine: LocalEngine,
) -> None:
    call(engine, "POST", "/api/rules", rule_body())
    first = call(engine, "POST", "/api/rules/nudge/activate")
    second = call(engine, "POST", "/api/rules/nudge/activate")
    assert first[0] == second[0] == 200
    assert first[1] == second[1]
    assert first[1]["active"] is True
    assert audit_actions(engine) == ["rule.activated", "rule.created"]


def test_a_rule_activated_twice_at_once_is_audited_once(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/rules", rule_body())
    deps = engine.deps
    real = deps.rules

    def other_copy() -> None:
        """The same activation, recorded as the API records it."""
        if rules.activate(deps, "nudge", confirmed=False).switched:
            audit.record(deps, "user-admin", "rule.activated", "nudge", "inactive", "active")

    deps.rules = SavedFirst(real, other_copy)
    try:
        status, answer = call(engine, "POST", "/api/rules/nudge/activate")
    finally:
        deps.rules = real
    assert (status, answer["active"]) == (200, True)
    assert audit_actions(engine) == ["rule.activated", "rule.created"]


def test_a_rule_switched_off_twice_is_audited_once(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/rules", rule_body(active=True))
    first = call(engine, "POST", "/api/rules/nudge/deactivate")
    second = call(engine, "POST", "/api/rules/nudge/deactivate")
    assert first[0] == second[0] == 200
    assert first[1] == second[1]
    assert first[1]["active"] is False
    assert audit_actions(engine) == ["rule.deactivated", "rule.created"]


def test_a_rule_edit_sent_twice_saves_one_version_and_answers_it_again(
    engine: LocalEngine,
) -> None:
    call(engine, "POST", "/api/rules", rule_body())
    edited = rule_body(name="Nudge v2")
    first = call(engine, "PUT", "/api/rules/nudge", edited)
    second = call(engine, "PUT", "/api/rules/nudge", edited)
    assert (first[0], first[1]["rule"]["version"]) == (200, 2)
    assert second == first
    versions = call(engine, "GET", "/api/rules/nudge/versions")[1]["versions"]
    assert [(v["version"], v["name"]) for v in versions] == [(1, "nudge"), (2, "Nudge v2")]
    assert audit_actions(engine) == ["rule.updated", "rule.created"]


def test_a_new_rule_posted_twice_at_once_is_created_once(engine: LocalEngine) -> None:
    deps = engine.deps
    real = deps.rules
    deps.rules = SavedFirst(real, lambda: rules.create(deps, rule("nudge", active=False)))
    try:
        status, answer = call(engine, "POST", "/api/rules", rule_body())
    finally:
        deps.rules = real
    assert (status, answer["error"]["code"]) == (409, "kept_changing")
    assert "try again" in answer["error"]["message"]
    versions = call(engine, "GET", "/api/rules/nudge/versions")[1]["versions"]
    assert [v["version"] for v in versions] == [1]
    assert audit_actions(engine) == []


def test_a_rule_edit_sent_twice_at_once_saves_one_version(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/rules", rule_body())
    deps = engine.deps
    real = deps.rules
    edited = rule("nudge", active=False, name="Nudge v2")
    deps.rules = SavedFirst(real, lambda: rules.update(deps, "nudge", edited))
    try:
        status, answer = call(engine, "PUT", "/api/rules/nudge", rule_body(name="Nudge v2"))
    finally:
        deps.rules = real
    assert (status, answer["error"]["code"]) == (409, "kept_changing")
    versions = call(engine, "GET", "/api/rules/nudge/versions")[1]["versions"]
    assert [(v["version"], v["name"]) for v in versions] == [(1, "nudge"), (2, "Nudge v2")]
    # Sent once more, the edit answers the version saved
    status, again = call(engine, "PUT", "/api/rules/nudge", rule_body(name="Nudge v2"))
    assert (status, again["rule"]["version"]) == (200, 2)


def test_a_settings_save_sent_twice_at_once_saves_once_and_answers_both_as_saved(
    engine: LocalEngine,
) -> None:
    read = engine.deps.rules.versioned_settings()
    changed = read.item.model_copy(update={"mass_send_limit": 150})
    answers = at_once(
        engine.deps,
        "versioned_settings",
        lambda: workspace.replace(engine.deps, changed, read.revision),
        repository="rules",
    )
    # The copy that lost the race finds the settings as it would make them: nothing to save
    assert [revision for _, _, revision in answers] == [read.revision + 1] * 2
    stored = engine.deps.rules.versioned_settings()
    assert (stored.item, stored.revision) == (changed, read.revision + 1)


def test_a_contact_import_posted_twice_at_once_creates_each_contact_once(
    engine: LocalEngine,
) -> None:
    answers = at_once(
        engine.deps,
        "import_contacts",
        lambda: imports.import_contacts(engine.deps, IMPORT, "csv"),
        repository="contacts",
        before=True,
    )
    reports = sorted((a.created, a.updated, a.rejected) for a in answers)
    assert reports == [(0, 2, []), (2, 0, [])]
    contacts = call(engine, "GET", "/api/contacts?limit=50")[1]["contacts"]
    assert sorted(c["wa_id"] for c in contacts) == ["6281100000731", "6281100000732"]
