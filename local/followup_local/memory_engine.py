"""The engine's services on the in-memory store: the LocalEngine's clock, sandbox and
ticks, without moto or the Lambda handlers. Service tests run on this in a fraction of the
time; handler and adapter tests keep the moto-backed LocalEngine.

As on AWS, a send's bookkeeping (its contact and enrollment) follows from the follow-up
stream: here each step's sends are applied once the step returns, as the LocalEngine
feeds the stream to the stats function after each invocation."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from followup.adapters.memory import MemoryStore
from followup.adapters.memory_pacing import MemoryPacing
from followup.adapters.whatsapp_webhook import BadEnvelope, parse
from followup.domain.followup import FollowUp, Status
from followup.services import dispatch, enqueue, expire, sent_stream, webhook
from followup.services.deps import Deps
from followup.services.ports import Change, Delayed, FollowUpChange
from followup.services.send import send_one
from followup.wiring import runtime
from followup.wiring.config import Config
from followup_local import envelopes
from followup_local.engine import (
    LOCAL_API_KEY,
    LOCAL_NOTIFY_SECRET,
    MAX_RECEIVES,
    Ticking,
    VirtualClock,
    VirtualDelayQueue,
    scheduled_event,
)
from followup_local.sandbox import WhatsAppSandbox

_log = logging.getLogger(__name__)

BATCH = 10
"""Messages per sender invocation, as the SQS trigger hands them over."""

_TICKS: dict[str, Callable[[Deps, datetime], Any]] = {
    "enqueue": enqueue.run_tick,
    "dispatch": dispatch.run_tick,
    "expire": expire.run_tick,
}


class SendStream:
    """The store's commits, each send among them (a follow-up from `sending` to `sent`)
    kept for its bookkeeping, as the follow-up table's stream holds it on AWS."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self._sends: list[FollowUp] = []

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        self.store.commit(changes, at)
        self._sends += [
            change.followup
            for change in changes
            if isinstance(change, FollowUpChange)
            and change.expected is Status.SENDING
            and change.followup.status is Status.SENT
        ]

    def take(self) -> list[FollowUp]:
        """The sends committed since the last take, oldest first."""
        taken, self._sends = self._sends, []
        return taken


@dataclass
class _Message:
    followup_id: str
    due: datetime | None = None
    receives: int = 0


class MemoryQueue:
    """The send queue as SQS behaves under a virtual clock: first in, first out; a failed
    message is received again at once, and moves to the dead letters on its fifth failure."""

    def __init__(self) -> None:
        self._messages: list[_Message] = []
        self.dead: list[str] = []

    def enqueue(self, followup_ids: Iterable[str], delay_seconds: int = 0) -> None:
        self._messages.extend(_Message(fid) for fid in followup_ids)

    def enqueue_each(self, messages: Iterable[Delayed]) -> None:
        """Delays are the VirtualDelayQueue's business: here every message is ready."""
        self._messages.extend(_Message(message.followup_id, message.due) for message in messages)

    def receive(self) -> list[_Message]:
        """The next batch, counted as received; it stays queued until settled."""
        batch = self._messages[:BATCH]
        for message in batch:
            message.receives += 1
        return batch

    def clear(self) -> None:
        """Forget every message, dead letters included."""
        self._messages.clear()
        self.dead.clear()

    def settle(self, message: _Message, handled: bool) -> None:
        """Delete a handled message; a failed one waits in place, or goes to the dead letters."""
        if handled or message.receives >= MAX_RECEIVES:
            self._messages.remove(message)
            if not handled:
                self.dead.append(message.followup_id)


@dataclass
class MemoryEngine(Ticking):
    """A running engine on MemoryStore, driven tick by tick like LocalEngine."""

    clock: VirtualClock
    sandbox: WhatsAppSandbox
    deps: Deps
    delays: VirtualDelayQueue
    queue: MemoryQueue
    config: Config
    stream: SendStream

    def scheduled(self, function: str) -> dict[str, Any]:
        """What the `enqueue`, `dispatch` or `expire` handler does on a scheduled event now."""
        self.pump_stream()
        now = runtime.tick_time(scheduled_event(self.clock.now()), self.clock)
        report: dict[str, Any] = _TICKS[function](self.deps, now).as_dict()
        self.pump_stream()
        return report

    def pump_stream(self) -> int:
        """Each send committed since the last pump to its bookkeeping (the stats function's
        part on AWS); returns how many moved a contact or an enrollment."""
        return sent_stream.apply(self.deps, self.stream.take())

    def drain(self, max_batches: int = 10_000) -> dict[str, int]:
        """Hand queued follow-ups to the send service in batches of 10, as the sender does."""
        self.delays.release_due()
        self.pump_stream()
        batches = failures = 0
        while batches < max_batches:
            received = self.queue.receive()
            if not received:
                break
            batches += 1
            self.pump_stream()
            with self.deps.places.batch(len(received)):
                for message in received:
                    try:
                        send_one(self.deps, message.followup_id, message.due)
                    except Exception:  # the record fails and is received again, as on SQS
                        _log.warning("send of %s failed", message.followup_id, exc_info=True)
                        failures += 1
                        self.queue.settle(message, handled=False)
                    else:
                        self.queue.settle(message, handled=True)
            self.pump_stream()
        return {"batches": batches, "failures": failures}

    def deliver(self, document: dict[str, Any]) -> int:
        """What the webhook handler does with an authentic 360dialog delivery; the HTTP
        status it would answer (400 unreadable, 503 ahead of its send, 500 failed)."""
        received_at = self.clock.now()
        self.pump_stream()
        try:
            events = parse(json.dumps(document).encode(), received_at)
            applied = webhook.apply(self.deps, events, received_at)
        except BadEnvelope:
            return 400
        except Exception:  # the handler answers 500 so that the provider delivers again
            _log.warning("webhook delivery failed", exc_info=True)
            return 500
        return 503 if applied.again else 200

    def dead_letters(self) -> list[str]:
        """Ids of follow-ups whose message failed too often."""
        return list(self.queue.dead)

    def reset(self) -> None:
        """Start from nothing on the same clock: an empty store, queue and sandbox."""
        store = MemoryStore()
        deps = self.deps
        self.stream = SendStream(store)
        deps.contacts = deps.rules = deps.followups = deps.stats = store
        deps.transactions = self.stream
        deps.tasks = deps.notifications = deps.templates = store
        deps.reach = MemoryPacing()
        deps.start_cold()
        self.delays.clear()
        self.queue.clear()
        self.sandbox.reset()


@contextmanager
def memory_engine(
    start: datetime, settings: dict[str, Any] | None = None
) -> Iterator[MemoryEngine]:
    """Start the sandbox and wire the services on MemoryStore with a clock at `start`;
    `settings` adds to the configuration (e.g. `D360_NUMBERS` for several numbers, whose
    keys the sandbox then takes too)."""
    clock = VirtualClock(start)
    with WhatsAppSandbox(LOCAL_API_KEY, clock.now) as sandbox:
        config = Config.model_validate(
            {
                "D360_BASE_URL": sandbox.base_url,
                "D360_API_KEY": LOCAL_API_KEY,
                "NOTIFY_SECRET": LOCAL_NOTIFY_SECRET,
                "D360_NUMBER": envelopes.BUSINESS_NUMBER["display_phone_number"],
                "D360_PHONE_NUMBER_ID": envelopes.BUSINESS_NUMBER["phone_number_id"],
                **(settings or {}),
            }
        )
        for number in config.sending_numbers():
            sandbox.accept(number.api_key.get_secret_value())
        queue = MemoryQueue()
        delays = VirtualDelayQueue(queue, clock)
        store = MemoryStore()
        stream = SendStream(store)
        with runtime.channels(config) as whatsapp:
            deps = Deps.over(
                store,
                queue=delays,
                whatsapp=whatsapp,
                clock=clock,
                timings=config.timings(),
                numbers=config.numbers(),
                notifier=runtime.notifier(config),
                reach=MemoryPacing(),
                template_source=whatsapp,
            )
            deps.transactions = stream
            deps.sleep = clock.sleep
            yield MemoryEngine(clock, sandbox, deps, delays, queue, config, stream)
