"""The expire tick: no reply in time → expired; a send stuck mid-flight → failed, never resent;
a dispatched follow-up nobody claimed that dispatch did not hand over again (the workspace
paused, or the tick's dispatch step failed) → queued for a later dispatch tick.

A follow-up sent on time (`ports.sent_on_time`) is found by its send time: the tick reads
the send-time index from its mark, where the last tick stopped, up to `expire_after` ago,
and moves the mark on. One sent off time, and one sent before the mark existed, waits in
the `sent` lane at its expiry (`ports.waiting_entry`): the tick reads that lane too, one
query per shard, nothing when it is empty. Its expiry there is the one the setting gave it
at its send: once `expire_after` changed, the tick expires it by the setting in force, or
moves its entry to its new expiry while that has not come (a longer setting as the old
expiry comes, a shorter one at the first tick after the change, which reads the lane whole
once)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.durations import LONGEST, shifted
from followup.domain.followup import FollowUp, Reason, Status
from followup.services.ports import (
    ON_TIME,
    Change,
    CommitRejected,
    ExpireMark,
    FollowUpChange,
    Phase,
    sent_on_time,
)
from followup.services.settle import end_unsent

if TYPE_CHECKING:
    from followup.services.deps import Deps

FIRST_READ_BACK = timedelta(days=1)
"""How much further back than its window the first tick reads, with no mark yet: it meets
the follow-ups sent on time before the upgrade that expire about then, should a write
(a late status) have taken them out of the `sent` lane."""

CHECKPOINT = 1000
"""Follow-ups read by send time between two records of the mark within one tick."""

_JUST_BEFORE = timedelta(microseconds=1)


@dataclass
class ExpireReport:
    expired: int = 0
    opted_out: int = 0
    outcome_unknown: int = 0
    redriven: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "expired": self.expired,
            "opted_out": self.opted_out,
            "outcome_unknown": self.outcome_unknown,
            "redriven": self.redriven,
        }


def run_tick(deps: Deps, now: datetime) -> ExpireReport:
    """One expire tick at `now`. The `sent` lane is read before the send-time index: how far
    ahead it is read depends on the mark that read moves."""
    report = ExpireReport()
    expire_after = deps.catalog.settings().expire_after.approx()
    filed = _filed_under(deps.followups.expire_mark(), expire_after)
    whole = filed - expire_after > ON_TIME
    until = shifted(now, filed) if whole else now
    for followup in deps.followups.waiting(Phase.SENT, until):
        _expire_off_time(deps, followup, expire_after, now, report)
    # read whole, every entry is filed under the setting now; else it may still be under
    # the longest since the last whole read
    _expire_sent_on_time(deps, now, report, expire_after if whole else max(filed, expire_after))
    for followup in deps.followups.waiting(Phase.SENDING, now):
        report.outcome_unknown += _give_up(deps, followup, now)
    for followup in deps.followups.waiting(Phase.DISPATCHED, now):
        again = followup.redriven(now)
        change = FollowUpChange(again, Status.QUEUED, moves=followup.moves)
        report.redriven += _try(deps, [change], now)
    return report


def _expire_sent_on_time(
    deps: Deps, now: datetime, report: ExpireReport, filed_under: timedelta
) -> None:
    """Expire the follow-ups sent on time by `expire_after` ago, read by send time from the
    mark on, and move the mark to the first one left unsettled (not due yet, or a write
    came first): the next tick reads again from there, the rest of the window only once.
    The mark is also recorded every `CHECKPOINT` follow-ups read, so a tick cut short (a
    crash, the function's time limit) leaves the next one little to read again.

    A shorter `expire_after` widens the next window (those sent long enough ago under the
    new setting expire); a longer one reads nothing until the window passes the mark. One
    longer than any duration may now be (stored before durations were bounded) means never:
    nothing is read and the mark stays where it is."""
    expire_after = deps.catalog.settings().expire_after.approx()
    if expire_after > LONGEST:
        return
    until = now - expire_after
    mark = deps.followups.expire_mark()
    after = mark.through if mark else until - FIRST_READ_BACK
    stop: datetime | None = None
    for read, followup in enumerate(deps.followups.sent_between(after, until), 1):
        if read % CHECKPOINT == 0:
            through = stop or followup.scheduled_at - _JUST_BEFORE
            _advance(deps, ExpireMark(now, through, filed_under), mark)
        if _may_go_on_time(followup, now):
            stop = stop or followup.scheduled_at - _JUST_BEFORE
            continue
        sent_at = followup.sent_at
        if sent_at is None or not followup.status.outbound or not sent_on_time(followup):
            continue
        if sent_at + expire_after > now or not _expire(deps, followup, now, report):
            stop = stop or followup.scheduled_at - _JUST_BEFORE
    _advance(deps, ExpireMark(now, stop or until, filed_under), mark)


def _filed_under(mark: ExpireMark | None, expire_after: timedelta) -> timedelta:
    """The longest setting a follow-up in the `sent` lane may be filed under. The lane is
    read up to `now` while that is the setting now; at the first tick after `expire_after`
    was shortened below it (by more than `ON_TIME`), whole (as far ahead as that setting
    files one sent now): each follow-up filed at its expiry under a longer setting is
    expired or moved to its new expiry, once. A mark recorded before the setting was kept
    tells it by how far back that tick read (longer only when the setting was, or its mark
    was held back: a whole read then costs a read of the lane, nothing more)."""
    if mark is None:
        return expire_after
    if mark.filed_under is not None:
        return mark.filed_under
    return max(mark.at - mark.through, expire_after)


def _expire_off_time(
    deps: Deps, followup: FollowUp, expire_after: timedelta, now: datetime, report: ExpireReport
) -> None:
    """Expire one sent off time (it waits in the `sent` lane) once `expire_after`, as set
    now, has passed since its send; one filed at its expiry under another setting and not
    due yet under this one is moved to its new expiry (one write, after a change only)."""
    sent_at = followup.sent_at
    expires = shifted(sent_at, expire_after) if sent_at else followup.wake_at or now
    if expires <= now:
        _expire(deps, followup, now, report)
    elif expires != followup.wake_at:
        _try(deps, [FollowUpChange(followup.expiring(expire_after), followup.status)], now)


def _may_go_on_time(followup: FollowUp, now: datetime) -> bool:
    """Not sent yet, and may still be sent on time: the mark stops before it (only with an
    `expire_after` shorter than `ON_TIME`)."""
    status = followup.status
    unsent = not status.terminal and not status.outbound
    return unsent and now < followup.scheduled_at + ON_TIME


def _advance(deps: Deps, mark: ExpireMark, stored: ExpireMark | None) -> None:
    """Record `mark` if it moves past the `stored` one, or changes the setting the lane is
    filed under (then never back: a longer `expire_after` reads nothing new)."""
    if stored is None or mark.through > stored.through:
        deps.followups.advance_expire_mark(mark)
    elif mark.filed_under != stored.filed_under:
        deps.followups.advance_expire_mark(replace(mark, through=stored.through))


def _expire(deps: Deps, followup: FollowUp, now: datetime, report: ExpireReport) -> bool:
    """Expired (or opted out) now; False if something moved first."""
    status, reason = _unanswered(deps, followup)
    ended = followup.ended(status, now, reason)
    done = _try(deps, [FollowUpChange(ended, followup.status)], now)
    if status is Status.OPTED_OUT:
        report.opted_out += done
    else:
        report.expired += done
    return bool(done)


def _unanswered(deps: Deps, followup: FollowUp) -> tuple[Status, str]:
    """Expired, unless its contact opted out (of everything, or of the channel it went by)
    by the end of its attribution window: a STOP heard while it was being sent (the sender
    died before settling it) still counts, and one after it does not, whichever channels it
    stopped (a channel stop stored without its time counts as within). Opted out so, it is
    marked `opted_out_elsewhere`: no answer to it shows it was delivered (the stats count
    none).

    Read eventually consistently (half the price): a STOP too recent for that read to see
    settled the follow-up itself when it came within the window (services.inbound), so the
    write below is refused, and one after the window expires it all the same."""
    contact_v = deps.contacts.contact(followup.contact_id, consistent=False)
    if contact_v is None or not contact_v.item.stopped(followup.channel):
        return Status.EXPIRED, Reason.NO_REPLY
    sent_at = followup.sent_at
    attribution = deps.catalog.settings().attribution_window.approx()
    if sent_at and not contact_v.item.stopped_by(followup.channel, sent_at + attribution):
        return Status.EXPIRED, Reason.NO_REPLY
    return Status.OPTED_OUT, Reason.OPTED_OUT_ELSEWHERE


def _give_up(deps: Deps, followup: FollowUp, now: datetime) -> int:
    """A claim that never recorded an outcome may have been sent: fail it, never resend."""
    return int(end_unsent(deps, followup, Status.FAILED, Reason.OUTCOME_UNKNOWN, now))


def _try(deps: Deps, changes: list[Change], now: datetime) -> int:
    """1 if committed, 0 if something moved first (the next tick looks again)."""
    try:
        deps.commit(changes, now)
    except CommitRejected:
        return 0
    return 1
