"""Who may touch what: each function's tables, queue, secret and WebSocket pushes.

Read from what each handler's use cases call (functions/<name>/handler.py → services →
the store methods they use → the tables behind them), so a function gets only those
tables, and writes only where it writes. Plain data: the stack grants from it, the infra
tests check the template against it and the integration tests check the handlers' own
calls against it. Triggers grant themselves: the send queue's event source lets the
sender consume, the follow-up stream's let the broadcaster and the stats function read it.
"""

from __future__ import annotations

from dataclasses import dataclass

CATALOG = frozenset({"rules", "state"})
"""Rule heads and versions, settings and number health: read through every service's cache."""

SETTLING = frozenset({"contacts", "enrollments", "followups"})
"""A follow-up moves with its contact's slot and its enrollment, in one transaction."""


@dataclass(frozen=True)
class Needs:
    """What one function may do; everything else is denied."""

    reads: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    sends: bool = False
    """Puts follow-up ids on the send queue (and is told its URL)."""
    secret: bool = False
    """Reads the provider key, the webhook secrets or the sending numbers configured there
    (`D360_NUMBERS`: ids, rates, warm-up days), and is told the secret's name."""
    secret_for_numbers_only: bool = False
    """Reads the secret only for the sending numbers: where the deployment describes them
    outside it (`numbers`, told to the functions as `FOLLOWUP_NUMBERS`), it gets none."""
    pushes: bool = False
    """Posts to the admin app's WebSocket connections."""
    texts_and_emails: bool = False
    """Publishes SMS through SNS (checking its opt-out list) and sends email through SES
    from the configured identity only (and is told it)."""
    judges_email: bool = False
    """Judges whether email may reach a lead (a rule's preview, what a STOP on one channel
    leaves to go), so is told the email identity, without leave to send from it."""
    notifies: bool = False
    """Puts journeys' events on the event bus (and is told its name)."""

    @property
    def tables(self) -> frozenset[str]:
        return self.reads | self.writes


NEEDS: dict[str, Needs] = {
    # enroll newly quiet contacts, queue due steps, move each rule's watermark and count
    # what the tick planned for dispatch beside dispatch's mark (in the rules table); journey
    # actions create tasks (a conditional put: no read) and notifications, which it then
    # delivers: webhooks signed with the secret's key, events put on the bus; a week of
    # stats tells it which rules spike in opt-outs
    "enqueue": Needs(
        reads=CATALOG | SETTLING | {"notifications", "stats"},
        writes=SETTLING | {"rules", "state", "tasks", "notifications"},
        secret=True,
        notifies=True,
    ),
    # queue waiting follow-ups without writing them, then record the tick's mark beside
    # the rules; releasing held ones (a template's wait over, a resumed number) writes
    # them; a raised messaging limit (its mark beside the counters, taken once read) brings
    # deferred ones forward; each configured number's lane, pause and warm-up are read
    # from the sending numbers in the secret, or from the deployment's own description
    "dispatch": Needs(
        reads=CATALOG | {"followups", "pacing"},
        writes=frozenset({"followups", "pacing", "rules"}),
        sends=True,
        secret=True,
        secret_for_numbers_only=True,
    ),
    # expire, fail stuck sends and redrive; `expire_after` from the settings, and the
    # tick's mark of how far it read by send time beside the rules
    "expire": Needs(reads=CATALOG | SETTLING, writes=SETTLING | {"rules"}),
    # claim, re-check, pace (slot counters and recipient markers), have Claude write from
    # the conversation so far, send through 360dialog, SNS or SES, record; retries and
    # paced sends go back on the queue; in the state table, an error that means "stop
    # sending" pauses the number (spam, policy, a locked or unpaid account) or, a refused
    # key, the workspace, and the Marketing Messages API's refusal is noted in the
    # template catalogue
    "sender": Needs(
        reads=CATALOG | SETTLING | {"messages", "pacing"},
        writes=SETTLING | {"messages", "pacing", "state"},
        sends=True,
        secret=True,
        texts_and_emails=True,
    ),
    # replies, opt-outs, statuses, marketing preferences and number quality; a raised
    # messaging tier is marked beside the limit's counters; a changed user id folds the
    # messages of a contact made meanwhile into the lead; a STOP on WhatsApp alone leaves
    # a queued step to its email fallback
    "webhook": Needs(
        reads=CATALOG | SETTLING | {"messages"},
        writes=SETTLING | {"messages", "state", "pacing"},
        secret=True,
        judges_email=True,
    ),
    # the admin API: every resource, send-now queues its follow-up at once, and resuming
    # sending runs dispatch's hand-over; the secret checks the signature of email
    # unsubscribe links; the numbers list reads the messaging limit's counters, and a tier
    # raised in the settings is marked beside them; a rule's preview counts the leads
    # email reaches
    "api": Needs(
        reads=CATALOG | SETTLING | {"messages", "stats", "tasks", "pacing"},
        writes=CATALOG | SETTLING | {"messages", "tasks", "pacing"},
        sends=True,
        secret=True,
        judges_email=True,
    ),
    # CRM events: stage changes (conversions, exits) and messages sent elsewhere; the
    # rules they enroll in may be limited to some of the sending numbers (in the secret, or
    # described by the deployment)
    "bus_events": Needs(
        reads=CATALOG | SETTLING,
        writes=SETTLING | {"messages"},
        secret=True,
        secret_for_numbers_only=True,
    ),
    # `$connect` records a connection, `$disconnect` deletes it, `ping` is answered, or the
    # connection closed when its sign-in has expired
    "realtime": Needs(
        reads=frozenset({"connections"}), writes=frozenset({"connections"}), pushes=True
    ),
    # follow-up changes to every live connection; gone ones are deleted
    "broadcaster": Needs(
        reads=frozenset({"connections"}), writes=frozenset({"connections"}), pushes=True
    ),
    # the follow-up and enrollment streams → each send counted on its contact and its
    # enrollment moved on (services.sent_stream), a send that followed on one WhatsApp took
    # back taking over as its step's (services.take_over), then every counter, each batch
    # checkpointed beside them: the only writer of the stats table
    "stats": Needs(
        reads=CATALOG | {"contacts", "enrollments", "followups", "stats"},
        writes=frozenset({"contacts", "enrollments", "followups", "stats"}),
    ),
    # checks a Cognito token against the pool's public keys: no AWS access at all
    "ws_authorizer": Needs(),
}
