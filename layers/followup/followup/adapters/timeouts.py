"""How long each outbound call may block, and each function's worst case built from them.

One table for the wiring (which builds every client from it) and the stack's tests (which
check each function's timeout covers its worst case). A call whose endpoint accepts and
never answers costs its `CallLimit.stall`: every attempt waits out its connect and read
timeouts, with botocore's standard backoff between attempts. A function's worst case is one
such endpoint: a call that raises once its attempts are spent ends the invocation (or, in
the sender, that record), so it costs one stall; a call the code waits out and carries on
after (an AI text past its budget, a notification, a push) costs one stall each time it is
made. Pacing sleeps come on top.

botocore's own defaults (60 s connect, 60 s read, 3 attempts: six minutes for one hanging
call) and pynamodb's (15 s, 30 s, 4 attempts: three minutes) exceed every function's
timeout, so every client is built with the limits below. DynamoDB answers in milliseconds
and a read timeout bounds the wait between two bytes, not a whole answer, so 2 s is far
from a slow but healthy page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from followup.loading import loading

if TYPE_CHECKING:
    from botocore.config import Config


@dataclass(frozen=True)
class CallLimit:
    connect: float
    """Seconds to open a connection."""
    read: float
    """Seconds to wait for the next bytes of an answer."""
    attempts: int
    """Sends of one request, the first included."""

    @property
    def stall(self) -> float:
        """Seconds one call blocks when its endpoint accepts and never answers."""
        backoff = (1 << (self.attempts - 1)) - 1  # botocore standard mode: 1 s, 2 s, 4 s, ...
        return self.attempts * (self.connect + self.read) + backoff

    def botocore(self) -> Config:
        """The botocore client configuration that keeps to this limit."""
        with loading():
            from botocore.config import Config

        return Config(
            connect_timeout=self.connect,
            read_timeout=self.read,
            retries={"total_max_attempts": self.attempts, "mode": "standard"},
        )


DYNAMODB = CallLimit(connect=1, read=2, attempts=4)
"""Every table (pynamodb): its retry count kept, which transaction conflicts rely on."""
AWS = CallLimit(connect=1, read=2, attempts=3)
"""SQS, EventBridge, and SNS's opt-out list (a read, safe to repeat)."""
SMS_EMAIL = CallLimit(connect=1, read=2, attempts=1)
"""An SMS (SNS) or email (SES) send: never repeated blindly, as 360dialog's, since an answer
past the read timeout may hide a message that went; so one attempt. A throttle or an
endpoint never reached is tried again by the sender, after its own backoff."""
SECRETS = CallLimit(connect=1, read=2, attempts=2)
"""Secrets Manager: read when the configuration loads (cached five minutes) and when
360dialog refuses a key."""
PUSH = CallLimit(connect=1, read=2, attempts=2)
"""The WebSocket management API: the live feed is best effort, one slow connection must
not hold the others. Overridable (`WEBSOCKET_PUSH_TIMEOUT_SECONDS`)."""
PROVIDER = CallLimit(connect=3, read=10, attempts=1)
"""360dialog (httpx): a send is never repeated blindly, so one attempt; the read timeout is
`D360_TIMEOUT_SECONDS`' default."""
AI = CallLimit(connect=3, read=3, attempts=1)
"""Anthropic: `ANTHROPIC_TIMEOUT_SECONDS`' default per phase, no retries; past it the static
content is sent."""
NOTIFY = CallLimit(connect=5, read=5, attempts=1)
"""An outbound notification webhook (httpx): `NOTIFY_TIMEOUT_SECONDS`' default per phase.
Overridable."""
JWKS = CallLimit(connect=2, read=2, attempts=1)
"""The user pool's signing keys (urllib, one timeout for both), fetched by the WebSocket
authorizer once an hour."""
PACING_WAIT = 1.0
"""The longest a send sleeps for its turn (services.pacing.MAX_WAIT)."""


ENDS = max(DYNAMODB.stall, AWS.stall, SMS_EMAIL.stall, SECRETS.stall)
"""An AWS call that hangs: it raises in the end, and the invocation stops there."""
SENDER_TIMEOUT = 60
"""The sender's Lambda timeout, in seconds (the stack's): one record's worst case must fit
in it with a fifth to spare."""
WEBHOOK_TIMEOUT = 29
"""The webhook's: 360dialog gives up on a delivery after 30 s."""
API_TIMEOUT = 30
"""The admin API's: API Gateway gives up on a request after 30 s."""
TICK_TIMEOUT = 300
"""Each tick's (enqueue, dispatch, expire)."""
HEADROOM = 1.2
"""How much longer than its worst case a function's timeout is, at least."""


def sender_record(provider: CallLimit = PROVIDER, ai: CallLimit = AI) -> float:
    """Seconds one record of the sender may block: the AI text given up on, then the send or
    its record hanging. A batch's records run side by side, a thread each, and the sender
    starts one only while this much time is left (`functions/sender`)."""
    return ai.stall + max(provider.stall, ENDS) + PACING_WAIT


EMULATED = CallLimit(connect=5, read=60, attempts=4)
"""Any AWS call to a local emulation (`FOLLOWUP_AWS_EMULATED`: the local stack's moto
server). It runs one call at a time, so a call may queue for seconds behind others on a
busy machine; a call given up on there would be sent again after it was done, and a write
that had succeeded would then look refused."""


def towards(limit: CallLimit, *, emulated: bool) -> CallLimit:
    """`limit` on AWS, `EMULATED` when the calls go to a local emulation."""
    return EMULATED if emulated else limit


def broadcaster_reserve(push: CallLimit = PUSH) -> float:
    """Seconds the broadcaster keeps in hand before trying another connection: one push
    that hangs, then removing a gone connection."""
    return push.stall + DYNAMODB.stall


def notify_reserve(notify: CallLimit = NOTIFY) -> float:
    """Seconds the enqueue tick keeps in hand before trying another notification: one that
    hangs (a webhook, or the event bus), then recording how it went."""
    return max(notify.stall, AWS.stall) + DYNAMODB.stall


WORST_CASE: dict[str, float] = {
    "sender": sender_record(),
    "webhook": max(AI.stall, ENDS),  # a reply read by Claude, or a store call
    "api": max(PROVIDER.stall, ENDS),  # a template sync raises on the first hanging page
    "bus_events": ENDS,
    "realtime": max(PUSH.stall, ENDS),
    # the stream batch's reading of connections; pushes stop once the reserve is left
    "broadcaster": DYNAMODB.stall + broadcaster_reserve(),
    "ws_authorizer": JWKS.stall,
    "stats": ENDS,
    "dispatch": ENDS,
    "expire": ENDS,
    # a hanging template sync is logged and the tick goes on; notifications stop once the
    # reserve is left
    "enqueue": PROVIDER.stall + ENDS + notify_reserve(),
}
"""Seconds one invocation may spend blocked on one endpoint that never answers. Without
their deadlines, the enqueue tick could wait out 50 notifications (500 s) and the
broadcaster one push per open admin app."""
