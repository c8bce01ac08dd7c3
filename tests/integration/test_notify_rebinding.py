"""A notification's host that resolves to a public address when checked and to the
engine's own machine when connected to (DNS rebinding) reaches nothing: the address the
engine checks is the one it connects to, so the notification fails as refused."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import httpx

from followup.adapters.notify import OutboundNotifier
from followup_local.engine import LocalEngine
from tests.support.builders import journey, quiet_contact
from tests.support.hooks import hook

HOUR = timedelta(hours=1)
PUBLIC = "93.184.215.14"
"""A public address: what a hostile name server answers first, to pass the check."""


class Rebinding:
    """A name server under an attacker's control: a public address for the first question
    about a host, the loopback address for every one after."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return [PUBLIC] if len(self.asked) == 1 else ["127.0.0.1"]


def test_a_host_rebound_to_loopback_after_its_check_is_refused_and_nothing_is_posted(
    engine: LocalEngine,
) -> None:
    # Given the engine on Lambda (no private addresses), and a CRM on this machine's loopback
    # whose name a hostile name server answers with a public address, then with 127.0.0.1
    secret = engine.config.notify_secret.get_secret_value()
    rebinding = Rebinding()
    engine.deps.notifier = OutboundNotifier(
        httpx.Client(timeout=engine.config.notify_timeout_seconds),
        secret,
        private_addresses=False,
        resolve=rebinding,
    )
    with hook(secret) as crm:
        port = urlsplit(crm.url).port
        target = f"http://crm.rebinding.example:{port}/hooks/followup"
        engine.deps.rules.save_rule(journey({"kind": "action", "do": "notify", "webhook": target}))
        lead = quiet_contact(engine.deps, "6281100000981", engine.clock.now() - 25 * HOUR)
        # When the tick delivers the notification
        report = engine.scheduled("enqueue")
        # Then nothing reached the CRM on loopback, and the notification failed as refused
        assert crm.received == []
        assert (report["notified"], report["notify_failed"]) == (0, 1)
    [kept] = engine.deps.notifications.pending_notifications(engine.clock.now() + HOUR)
    assert kept.item.contact_id == lead.id
    assert "refused: crm.rebinding.example is not a public address" in (kept.item.last_error or "")
