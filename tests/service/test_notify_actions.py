"""The notify action on the in-memory store: a webhook signed with the configured secret,
recorded in the tick and retried by later ticks with a growing wait until it arrives."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from followup.domain.rule import Rule
from followup.domain.stored import STORED
from followup.services import notifications
from followup.wiring import runtime
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import journey, journey_document, quiet_contact
from tests.support.hooks import hook, serving

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def test_a_signed_webhook_is_retried_with_backoff_until_it_arrives(engine: MemoryEngine) -> None:
    secret = engine.config.notify_secret.get_secret_value()
    with hook(secret, failures=2) as crm:
        # Given a journey that tells the CRM, whose endpoint fails twice, then answers
        notify = {
            "kind": "action",
            "do": "notify",
            "webhook": crm.url,
            "payload": {"why": "unpaid"},
        }
        engine.deps.rules.save_rule(journey(notify))
        start = engine.clock.now()
        lead = quiet_contact(engine.deps, "6281100000951", start - 25 * HOUR)
        # When the tick runs the step, then ticks run every 10 seconds for two minutes
        reports = [engine.tick()["enqueue"]]
        for _ in range(12):
            engine.clock.advance(10 * SECOND)
            reports.append(engine.tick()["enqueue"])
        # Then it was tried at once, 30 s later, then 60 s after that, and arrived
        assert [r.answered for r in crm.received] == [503, 503, 200]
        attempts = [n * 10 for n, r in enumerate(reports) if r["notified"] or r["notify_failed"]]
        assert attempts == [0, 30, 90]
        # And every try carried the same body, signed with the secret, with its time, and
        # that time signed with the body (a replay cannot pass as a new request)
        assert all(r.signed and r.signed_at for r in crm.received)
        assert [r.timestamp for r in crm.received] == [
            str(int((start + timedelta(seconds=s)).timestamp())) for s in attempts
        ]
        bodies = {repr(r.body) for r in crm.received}
        assert len(bodies) == 1
        body = crm.received[0].body
        assert (body["contact_id"], body["rule_id"], body["step"]) == (lead.id, "unpaid", 0)
        assert (body["time"], body["payload"]) == (start.isoformat(), {"why": "unpaid"})


def test_a_webhook_that_never_answers_well_is_given_up_after_its_last_try(
    engine: MemoryEngine,
) -> None:
    secret = engine.config.notify_secret.get_secret_value()
    with hook(secret, failures=100) as crm:
        notify = {"kind": "action", "do": "notify", "webhook": crm.url}
        engine.deps.rules.save_rule(journey(notify))
        quiet_contact(engine.deps, "6281100000952", engine.clock.now() - 25 * HOUR)
        for _ in range(30):
            engine.tick()
            engine.clock.advance(HOUR / 2)
        # Then it was tried 8 times over about two hours, and no more
        assert len(crm.received) == 8
        assert list(engine.deps.notifications.pending_notifications(engine.clock.now())) == []


def test_without_a_signing_key_no_webhook_is_sent_and_the_reason_is_kept(
    engine: MemoryEngine,
) -> None:
    engine.deps.notifier = runtime.notifier(
        engine.config.model_copy(update={"notify_secret": SecretStr("")})
    )
    with hook("", failures=0) as crm:
        engine.deps.rules.save_rule(journey({"kind": "action", "do": "notify", "webhook": crm.url}))
        lead = quiet_contact(engine.deps, "6281100000953", engine.clock.now() - 25 * HOUR)
        report = engine.tick()["enqueue"]
        assert (report["notified"], report["notify_failed"], crm.received) == (0, 1, [])
    [found] = engine.deps.notifications.pending_notifications(engine.clock.now() + HOUR)
    assert (found.item.contact_id, found.item.last_error) == (
        lead.id,
        "no signing key is configured (NOTIFY_SECRET)",
    )


@pytest.mark.parametrize(
    "address",
    [
        "https://crm\x01.example.com/",
        "https://crm..example.com/hooks",
        "https://crm.example.com../",
    ],
)
def test_a_webhook_address_no_client_can_read_fails_the_notification_not_the_tick(
    engine: MemoryEngine, address: str
) -> None:
    # A rule saved before addresses were checked (a save refuses it now)
    unreadable = {"kind": "action", "do": "notify", "webhook": address}
    with pytest.raises(ValidationError, match=r"steps\.0\.webhook"):
        journey(unreadable)
    stored = Rule.model_validate(journey_document(unreadable), context=STORED)
    engine.deps.rules.save_rule(stored)
    quiet_contact(engine.deps, "6281100000954", engine.clock.now() - 25 * HOUR)
    report = engine.tick()["enqueue"]
    assert (report["notified"], report["notify_failed"]) == (0, 1)


def test_each_try_is_claimed_and_stamped_at_its_own_time_so_an_overlapping_tick_skips_it(
    engine: MemoryEngine,
) -> None:
    # Given seven notifications to a CRM that takes 9 s to answer each, and the next
    # tick starting a minute into this one's posts
    engine.deps.notifier = None  # the enqueue tick only records them
    posted: list[tuple[str, str | None, int]] = []

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            at = int(engine.clock.now().timestamp())
            posted.append((body["id"], self.headers.get("X-Followup-Timestamp"), at))
            engine.clock.advance(9 * SECOND)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    with serving(Slow) as url:
        engine.deps.rules.save_rule(journey({"kind": "action", "do": "notify", "webhook": url}))
        for n in range(7):
            quiet_contact(engine.deps, f"62811000009{n:02d}", engine.clock.now() - 25 * HOUR)
        engine.scheduled("enqueue")
        engine.deps.notifier = runtime.notifier(engine.config)
        tick = engine.clock.now()
        notifications.deliver_due(engine.deps, tick)
        # When the next minute's tick runs on its own time while the first one's last
        # posts were under way
        notifications.deliver_due(engine.deps, tick + 60 * SECOND)
    # Then each went once, stamped with the time of its own try
    assert sorted({id_ for id_, _, _ in posted}) == sorted(id_ for id_, _, _ in posted)
    assert len(posted) == 7
    assert [stamped for _, stamped, _ in posted] == [str(at) for _, _, at in posted]


def test_a_receiver_that_trickles_its_answer_is_not_waited_for(engine: MemoryEngine) -> None:
    # Given a CRM that answers 200 at once, then sends its body a byte at a time
    written: list[int] = []

    class Trickle(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "20")
            self.end_headers()
            try:
                for _ in range(20):
                    self.wfile.write(b"x" * 1)
                    self.wfile.flush()
                    written.append(1)
                    time.sleep(0.05)
            except OSError:
                return  # the client hung up: what is wanted

        def log_message(self, *args: Any) -> None:
            return None

    with serving(Trickle) as url:
        engine.deps.rules.save_rule(journey({"kind": "action", "do": "notify", "webhook": url}))
        quiet_contact(engine.deps, "6281100000955", engine.clock.now() - 25 * HOUR)
        # When the tick delivers it
        report = engine.tick()["enqueue"]
        # Then it counts as delivered from the status alone, without reading the body
        assert (report["notified"], report["notify_failed"]) == (1, 0)
        assert len(written) < 20


@pytest.mark.parametrize(
    "address", ["hook", "http://169.254.169.254/latest/meta-data/", "http://localhost:9/dev/tick"]
)
def test_on_lambda_a_notification_to_a_private_address_is_refused_and_nothing_is_posted(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, address: str
) -> None:
    # Given the engine running on Lambda, where a rule must not make it post to itself,
    # its network or the instance metadata service
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "followup-enqueue")
    engine.deps.notifier = runtime.notifier(engine.config)
    secret = engine.config.notify_secret.get_secret_value()
    with hook(secret) as crm:
        target = crm.url if address == "hook" else address
        engine.deps.rules.save_rule(journey({"kind": "action", "do": "notify", "webhook": target}))
        lead = quiet_contact(engine.deps, "6281100000958", engine.clock.now() - 25 * HOUR)
        # When its tick delivers the notification
        report = engine.tick()["enqueue"]
        # Then nothing is posted, and the notification says why
        assert (report["notified"], report["notify_failed"], crm.received) == (0, 1, [])
    [found] = engine.deps.notifications.pending_notifications(engine.clock.now() + HOUR)
    assert found.item.contact_id == lead.id
    assert "not a public address" in (found.item.last_error or "")
