"""A send that followed on its step's send takes over as the step's send when WhatsApp
reports that send failed after all.

A step sent on WhatsApp, then on its next channel because no reply came, counts one send:
the WhatsApp message's, which carries the step's outcome, while the later one follows on
it (`FollowUp.follows_on`) and counts nothing of its own. WhatsApp's report that the
WhatsApp message failed, heard after the later send was planned (WhatsApp's webhook
retried, or ours was down), takes that send back (`fell_back`): the later send, the one
the lead got, is then the step's. It takes over (`took_over_at`, `follows_on` off) in one
conditional write, and the stats count its send and what it came to, once
(services.stats). One already sent takes over as the report is heard; one still to go
takes over from the follow-up stream once it is sent (services.sent_stream), so a send
the report races is never left following on a send that was taken back.

A copy still following on, read before the take-over (a reply, a status, the expire
tick, a goal), is refused (ports.FollowUpChange) and read again, so the take-over is never
written away.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.followup import FollowUp, Status
from followup.domain.ids import followup_id
from followup.services.ports import CommitRejected, FollowUpChange

if TYPE_CHECKING:
    from followup.services.deps import Deps

TRIES = 4


def carried_on(deps: Deps, failed: FollowUp, channels: int) -> bool:
    """Whether a send of `failed`'s step on a later channel (of its `channels`) was planned
    and is sent or still to go: that send takes over as the step's send."""
    return any(_carries(found) for found in _later(deps, failed, channels))


def went_on(deps: Deps, failed: FollowUp, channels: int) -> bool:
    """Whether a send of `failed`'s step that followed on it went on a later channel (of
    its `channels`)."""
    return any(f.follows_on and f.sent_at is not None for f in _later(deps, failed, channels))


def take_over_from(deps: Deps, failed: FollowUp, channels: int, at: datetime) -> bool:
    """The send of `failed`'s step that followed on it takes over as the step's send, if
    already sent (one still to go takes over once sent: `take_over_after_send`). True
    when it took over now."""
    following = next((f for f in _later(deps, failed, channels) if f.follows_on), None)
    return following is not None and _take_over(deps, following, at)


def take_over_after_send(deps: Deps, sent: FollowUp, at: datetime) -> bool:
    """`sent`, just sent following on its step's earlier send: it takes over if WhatsApp
    reported that send failed and took it back meanwhile. True when it took over now."""
    if not sent.follows_on:
        return False
    went = [f for f in _of_step(deps, sent, range(sent.channel_index)) if f.sent_at is not None]
    if not went or not all(f.status is Status.FAILED and f.fell_back for f in went):
        return False
    return _take_over(deps, sent, at)


def _later(deps: Deps, failed: FollowUp, channels: int) -> list[FollowUp]:
    """The sends of `failed`'s step planned on its later channels, in order."""
    return _of_step(deps, failed, range(failed.channel_index + 1, channels))


def _of_step(deps: Deps, followup: FollowUp, indexes: range) -> list[FollowUp]:
    """The sends of `followup`'s step planned on its channels `indexes`, in order (each
    read by the id its enrollment, step, repeat and channel give it)."""
    if followup.enrollment_id is None:
        return []
    step = (followup.enrollment_id, followup.step_index, followup.repeat_index)
    found = [deps.followups.followup(followup_id(*step, index)) for index in indexes]
    return [f for f in found if f is not None]


def _carries(followup: FollowUp) -> bool:
    """Sent, or still to go (queued, waiting for its template, being sent)."""
    return (
        followup.sent_at is not None
        or followup.status.unsent
        or (followup.status is Status.SENDING)
    )


def _take_over(deps: Deps, followup: FollowUp, at: datetime) -> bool:
    """Write `followup` as its step's send, read again while another write moves it."""
    current: FollowUp | None = followup
    for _ in range(TRIES):
        if current is None or not current.follows_on or current.sent_at is None:
            return False
        taken = current.model_copy(update={"follows_on": False, "took_over_at": at})
        change = FollowUpChange(taken, current.status, unpriced=current.pricing is None)
        try:
            deps.commit([change], at)
        except CommitRejected:
            current = deps.followups.followup(current.id)
        else:
            return True
    return False
