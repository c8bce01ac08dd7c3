"""Sending over WhatsApp: the outbound message and what each provider failure means."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from followup.domain.followup import RenderedMessage


@dataclass(frozen=True)
class OutboundMessage:
    """One send; `callback_data` (the follow-up id) comes back in every status webhook."""

    to: str
    message: RenderedMessage
    callback_data: str
    to_user_id: bool = False  # `to` is a business-scoped user id, sent as `recipient`
    marketing: bool = False
    """Goes to the Marketing Messages API (`/marketing_messages`) rather than `/messages`."""
    number: str | None = None
    """The phone_number_id it goes from (that number's key); None: the default number."""


class Disposition(StrEnum):
    """What the sender should do after a failed send."""

    RETRY = "retry"
    THROTTLED = "throttled"  # too fast for the number or the recipient: again shortly, uncounted
    RETRY_AFTER_24H = "retry_after_24h"  # withheld by Meta: again a day later, then longer
    TEMPLATE_INSTEAD = "template_instead"  # the window closed: the step's template, or skip
    TEMPLATE_REFUSED = "template_refused"  # the template itself is paused or disabled
    SKIP = "skip"  # Meta chose not to deliver it (not billed): skipped, never retried
    PERMANENT = "permanent"
    PAUSE = "pause"  # stop sending from this number and alert an operator
    PAUSE_WORKSPACE = "pause_workspace"  # our credentials were refused: stop everything


@dataclass(frozen=True)
class ProviderFailure:
    """A classified failure; `reason` is the sentence shown in the queue's error column."""

    disposition: Disposition
    reason: str
    code: int | None = None
    http_status: int | None = None
    title: str = ""
    retry_after: timedelta | None = None
    """How long the provider asked us to wait before trying again (its `Retry-After`)."""


class ProviderRejected(Exception):
    """The provider refused the send (or it never left): `failure` says what to do next."""

    def __init__(self, failure: ProviderFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class OutcomeUnknown(Exception):
    """The request may have reached the provider but no answer came.

    WhatsApp sends carry no idempotency key, so a blind retry can deliver twice.
    """


ACCOUNT_RATE_LIMITS = frozenset({4, 80007})
"""Meta's rate limits on the app's API calls (4) and on the WhatsApp Business Account
(80007), answered with HTTP 400: counted over a longer window than a number's throughput,
so a try again waits longer."""
_AUTH_CODES = frozenset({0, 190})
"""Meta's AuthException and invalid access token: the key, not the message, is wrong."""
STOPPED_MARKETING = 131050
"""The user stopped marketing messages from this business: their opt-out from marketing."""
_WINDOW_CLOSED = "outside the 24-hour window: use an approved template"
_KNOWN: dict[int, tuple[Disposition, str]] = {
    131047: (Disposition.TEMPLATE_INSTEAD, _WINDOW_CLOSED),
    470: (Disposition.TEMPLATE_INSTEAD, _WINDOW_CLOSED),
    131026: (
        Disposition.PERMANENT,
        "undeliverable: the number is not on WhatsApp, has blocked us, or runs an old app",
    ),
    131049: (
        Disposition.RETRY_AFTER_24H,
        "Meta withheld this marketing message: retry no sooner than 24 hours",
    ),
    STOPPED_MARKETING: (Disposition.PERMANENT, "the contact stopped marketing messages"),
    131056: (Disposition.THROTTLED, "too many messages to this contact too fast: retry later"),
    130429: (Disposition.THROTTLED, "the number's throughput limit was exceeded: retry later"),
    4: (Disposition.THROTTLED, "too many API calls for the app: retry in a minute"),
    80007: (
        Disposition.THROTTLED,
        "the WhatsApp Business Account's rate limit was reached: retry in a minute",
    ),
    131048: (
        Disposition.PAUSE,
        "spam rate limit: the number's quality is low; sending paused, check quality",
    ),
    368: (Disposition.PAUSE, "blocked by WhatsApp policy; sending paused, alert an operator"),
    131031: (Disposition.PAUSE, "the WhatsApp account is locked; sending paused"),
    131042: (
        Disposition.PAUSE,
        "payment problem on the WhatsApp account; sending paused until billing is fixed",
    ),
    133010: (
        Disposition.PAUSE,
        "the number is not registered on WhatsApp's platform; sending paused, register it",
    ),
    131045: (
        Disposition.PAUSE,
        "the number's registration failed (certificate); sending paused, register it again",
    ),
    130472: (Disposition.SKIP, "the contact is part of a Meta experiment: not retried"),
    132015: (Disposition.TEMPLATE_REFUSED, "the template is paused for its low quality"),
    132016: (Disposition.TEMPLATE_REFUSED, "the template is disabled for its low quality"),
}
_REFUSED_TEMPLATE = {132015: "PAUSED", 132016: "DISABLED"}


def refused_template_status(code: int | None) -> str | None:
    """The template status a refusal says the sent template has (PAUSED, DISABLED), or None
    for a refusal of anything else."""
    return _REFUSED_TEMPLATE.get(code) if code is not None else None


def stopped_marketing(code: int | None) -> bool:
    """Whether WhatsApp refused a message because its user stopped marketing messages."""
    return code == STOPPED_MARKETING


WITHHELD_GAP = timedelta(hours=24)
"""The first wait after Meta withholds a marketing message (131049); each later one is
longer by as much again (24 h, 48 h, 72 h...)."""


def withheld_gap(withheld: int) -> timedelta:
    """How long to wait after the `withheld`-th 131049 (1 for the first) before trying again."""
    return WITHHELD_GAP * max(1, withheld)


def classify(
    http_status: int | None, code: int | None, title: str = "", detail: str = ""
) -> ProviderFailure:
    """Turn a provider answer (or its absence) into what the sender should do next."""

    def failure(disposition: Disposition, reason: str) -> ProviderFailure:
        return ProviderFailure(disposition, reason, code, http_status, title)

    # A known code says more than the HTTP status (131056 comes with a 429, for one).
    if code is not None and code in _KNOWN:
        disposition, reason = _KNOWN[code]
        return failure(disposition, f"WhatsApp error {code}: {reason}")
    said = provider_said(title, detail)
    if http_status is None and code is None:
        return failure(Disposition.RETRY, f"could not reach 360dialog, nothing was sent{said}")
    answer = ", ".join(
        f"{name} {value}"
        for name, value in (("HTTP", http_status), ("code", code))
        if value is not None
    )
    if http_status == 401 or code in _AUTH_CODES:
        return failure(
            Disposition.PAUSE_WORKSPACE,
            f"the 360dialog API key was refused ({answer}); sending paused until it is fixed",
        )
    if http_status == 429:
        return failure(Disposition.THROTTLED, f"360dialog is rate limiting ({answer}){said}")
    if http_status is not None and http_status >= 500:
        return failure(Disposition.RETRY, f"360dialog is busy or failing ({answer}){said}")
    if http_status == 408:
        # A proxy or load balancer in front of 360dialog gave up waiting for the request:
        # it most likely passed nothing on. Tried again as a 5xx is (a status about a
        # message that went all the same records it sent first), not left unknown as a
        # lost answer is, which is never sent again.
        return failure(Disposition.RETRY, f"360dialog timed out the request ({answer}){said}")
    return failure(Disposition.PERMANENT, f"WhatsApp refused the message ({answer}){said}")


def reported_failure(code: int | None, title: str = "", detail: str = "") -> ProviderFailure:
    """What a `failed` status webhook means: WhatsApp took the message, then could not
    deliver it. One that names no error failed all the same, after it was sent: never
    "could not reach 360dialog"."""
    if code is None:
        reason = "WhatsApp reported the message failed, without saying why"
        return ProviderFailure(Disposition.PERMANENT, reason + provider_said(title, detail))
    return classify(None, code, title, detail)


def provider_said(title: str, detail: str) -> str:
    """The provider's words after a colon (its title, then its detail, each once), or
    nothing when it said none."""
    parts = dict.fromkeys(part.strip() for part in (title, detail) if part.strip())
    return ": " + " - ".join(parts) if parts else ""
