"""The notify action on the in-memory store: a webhook signed with the configured secret,
recorded in the tick and retried by later ticks with a growing wait until it arrives."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from followup.wiring import runtime
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import journey, quiet_contact
from tests.support.hooks import hook

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
        # And every try carried the same body, signed with the secret, with its time
        assert all(r.signed for r in crm.received)
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


def test_a_webhook_address_no_client_can_read_fails_the_notification_not_the_tick(
    engine: MemoryEngine,
) -> None:
    unreadable = {"kind": "action", "do": "notify", "webhook": "https://crm\x01.example.com/"}
    engine.deps.rules.save_rule(journey(unreadable))
    quiet_contact(engine.deps, "6281100000954", engine.clock.now() - 25 * HOUR)
    report = engine.tick()["enqueue"]
    assert (report["notified"], report["notify_failed"]) == (0, 1)
