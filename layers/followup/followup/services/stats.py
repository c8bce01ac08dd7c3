"""Which per-rule counters a change bumps, and the rates read from them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from followup.domain.followup import FollowUp, Reason, Status, StatusChange
from followup.domain.settings import ReviewThresholds
from followup.domain.whatsapp import Disposition, classify, stopped_marketing
from followup.loading import loading

if TYPE_CHECKING:
    from followup.domain.costs import Pricing
    from followup.services.ports import Change, DayStats, FollowUpChange

COUNTERS = (
    "queued",
    "sent",
    "delivered",
    "read",
    "responded",
    "expired",
    "failed",
    "failed_after_send",
    "canceled",
    "opted_out",
    "opted_out_before_send",
    "skipped",
    "converted",
    "ai_messages",
    "ai_cost_micro_usd",
    "messaging_cost_micro_usd",
    "sms_cost_micro_usd",
    "email_cost_micro_usd",
)
"""`opted_out` counts opt-outs after a send (the rule's opt-out rate), also a STOP after a
reply to it within its attribution window (the follow-up stays `responded`, and counts
both, once); STOP before a send cancels the queued entry as `opted_out_before_send`. A
send WhatsApp refuses because the lead stopped marketing messages (131050) is that lead's
opt-out: `opted_out` when refused after the send, `opted_out_before_send` when refused at
once, never a failure.
`failed_after_send` counts those `failed` that WhatsApp refused after taking them (so also
counted `sent`); one refused for a policy its step is sent again for, or undeliverable
with its step gone on to the next channel (`sent_again`), counts neither: its send is
taken back, and the new follow-up counts the step's send and its outcome, so a step counts
one send however many channels it took. One the step sends on its next channel because no
reply came to its send (`follows_on`) counts neither a send nor any outcome of it: the
step's send on the earlier channel counts them, and takes the answer to it when that came
too late for its own (after its expiry: then no longer `expired`). `converted` counts the
sends a goal credited (services.goals), on the day of the send; one WhatsApp refuses after
that (failed or skipped after the send) takes its conversion back, as the lead never saw
it: a goal reached after the refusal credits no such send either. `ai_messages`
counts follow-ups for which the AI wrote (was called at least once, its text sent,
refused by a guardrail, rejected by a person or never sent) and `ai_cost_micro_usd` what
all their calls cost, in millionths of a dollar so DynamoDB can add them as integers.
Both are counted once per follow-up, when its spend is final: when it is sent, or when it
ends without a send (skipped, canceled, failed, opted out); never again on the statuses
after a send. `messaging_cost_micro_usd` is what the messages cost. An SMS or email costs
what SNS or SES bills for it, counted once, with its send (on the day it was sent; also one
that counts no send of its own because it `follows_on`: the provider billed it all the
same), and also in `sms_cost_micro_usd` or `email_cost_micro_usd`: the part of the
messaging cost each of those channels makes (the rest is WhatsApp's, `cost_figures`). A
WhatsApp message costs what WhatsApp bills for it, counted once per follow-up when it first
holds a price and is shown delivered (delivered, read, answered, or delivered or read
before or after it expired), however late the price comes: a price its `sent` status named
counts when a later status shows the delivery, even one heard after the follow-up expired
or ended `opted_out_elsewhere` (kept in its history, the funnel unchanged), and none counts
for one never shown delivered; one that failed or was skipped after the send was not
delivered, so not billed (a price counted before is taken back), and one failed or skipped
after its `delivered` status no longer counts `delivered`. A send whose outcome nobody
recorded, found sent by WhatsApp's status about it, counts `sent` then, on the day it was
sent (and the status it is in, when further); given up as `failed` before, it takes that
count back on the day it was counted. One read, replied to or answered with a STOP without
a `delivered` status first (WhatsApp's `read` may come before it) counts `delivered` as it
moves, once: the funnel never shows more reads or replies than deliveries. One the expire
tick ends `opted_out` (`opted_out_elsewhere`:
its contact stopped the channel otherwise) proves no delivery."""

MICRO = 1_000_000
"""Micro-dollars per dollar."""


_UNCOUNTED = frozenset({Status.SENDING, Status.QUEUED, Status.WAITING_TEMPLATE})
_UNBILLED = frozenset({Status.FAILED, Status.SKIPPED})
_BILLED = frozenset(
    {Status.DELIVERED, Status.READ, Status.RESPONDED, Status.EXPIRED, Status.OPTED_OUT}
)
"""Statuses past a send WhatsApp did not refuse: a price named for its message is billed
once the message is shown delivered (`_bills`)."""
_SENT_AGAIN = frozenset(
    {Disposition.TEMPLATE_INSTEAD, Disposition.RETRY_AFTER_24H, Disposition.THROTTLED}
)
_BILLED_APART = ("sms", "email")
"""Channels whose part of the messaging cost is counted on its own too."""
_DELIVERED_BY = frozenset({Status.READ, Status.RESPONDED})
"""Statuses a follow-up reaches only once its message was delivered: read, or replied to."""
_SHOWN_DELIVERED = frozenset({Status.DELIVERED, *_DELIVERED_BY})
_ENDED_WAITING = frozenset({Status.EXPIRED, Status.OPTED_OUT})
"""Ends of a sent follow-up that waited for its answer and show no delivery themselves."""


def counters_for(
    change: Change,
    priced_before: Pricing | None = None,
    *,
    stopped_before: bool = False,
    followed_before: bool = False,
) -> dict[str, int]:
    """The counters `change` increments, and by how much (status changes and conversions).
    `priced_before` is the price on the copy a FollowUpChange replaces (the stream record's
    old image): the messaging cost moves by what the new copy bills less what that one did,
    so a price is counted once, whenever it comes, and taken back when the send fails.
    `stopped_before` says whether that copy was marked stopped after its reply already: the
    change that first marks it counts its opt-out (`stopped_after_reply`), once.
    `followed_before` whether that copy still followed on its step's earlier send: the
    change that takes over as the step's send counts the send and its outcome
    (`took_over`), once."""
    with loading():
        from followup.services.ports import Conversion, FollowUpChange, NewFollowUp

    if isinstance(change, NewFollowUp):
        return {change.followup.status.value: 1}
    if isinstance(change, Conversion):
        return {"converted": 1}
    if not isinstance(change, FollowUpChange):
        return {}
    found = _taken_over(change.followup) if took_over(change, followed_before) else _moved(change)
    if not stopped_before and stopped_after_reply(change.followup):
        found["opted_out"] = found.get("opted_out", 0) + 1
    cost = _cost(change, priced_before)
    if cost:
        found["messaging_cost_micro_usd"] = cost
        if change.followup.channel in _BILLED_APART:
            found[f"{change.followup.channel}_cost_micro_usd"] = cost
    return found


def took_over(change: FollowUpChange, followed_before: bool) -> bool:
    """Whether `change` takes over as its step's send a copy that still followed on the
    step's earlier send (`followed_before`), which WhatsApp reported failed and took back."""
    return followed_before and change.followup.took_over_at is not None


def _taken_over(followup: FollowUp) -> dict[str, int]:
    """The counters of a send that takes over as its step's send: the send, and what it came
    to while it followed on (delivered, read, answered, expired, opted out), as the step's
    send counts them; and its AI spend, which a send following on never counted."""
    status = followup.status
    shown = {c.status for c in followup.history} & {Status.DELIVERED, Status.READ}
    stop = status is Status.OPTED_OUT and followup.reason == Reason.OPTED_OUT
    found = {"sent": 1}
    if shown or status in _DELIVERED_BY or stop:
        found["delivered"] = 1
    if Status.READ in shown:
        found["read"] = 1
    if status in (Status.RESPONDED, Status.EXPIRED, Status.OPTED_OUT):
        found[status.value] = 1
    return found | _ai_spend(followup)


def _ai_spend(followup: FollowUp) -> dict[str, int]:
    """What the AI's writing for `followup` counts (a call made, or tokens spent), once its
    spend is final; nothing when it wrote nothing."""
    ai = followup.ai
    if ai is None or not (ai.cost_usd or ai.input_tokens or ai.output_tokens):
        return {}
    return {"ai_messages": 1, "ai_cost_micro_usd": round(ai.cost_usd * MICRO)}


def _moved(change: FollowUpChange) -> dict[str, int]:
    """The counters a follow-up's status change moves, its messaging cost aside."""
    status = change.followup.status
    if status is change.expected or status in _UNCOUNTED:
        return {}
    unsent = not change.expected.outbound and change.expected is not Status.EXPIRED
    if change.followup.follows_on and (status.outbound or not unsent):
        return {}  # the step's send on an earlier channel counts the send and its outcome
    opt_out = status is Status.OPTED_OUT or stopped_marketing_by(change.followup)
    found = {Status.OPTED_OUT.value if opt_out else status.value: 1}
    if change.expected is Status.EXPIRED:  # an answer heard late: no longer expired
        found["expired"] = -1
    if opt_out and unsent:
        found = {"opted_out_before_send": 1}
    # Recorded as sent now: by its sender, or from WhatsApp's status about a send whose
    # outcome nobody recorded (already delivered or read, perhaps, and given up as failed).
    sent_now = status.outbound and unsent
    if sent_now:
        found["sent"] = 1
    if _delivered_now(change.followup, after_send=not unsent):
        found["delivered"] = 1
    given_up = sent_now and change.expected is Status.FAILED
    if given_up:
        found["failed"] = -1
    # Sent, or ended without a send: the AI spend is final, and no later move recounts it.
    if (sent_now and not given_up) or (status.terminal and unsent):
        found |= _ai_spend(change.followup)
    if status is Status.FAILED and change.expected.outbound and not opt_out:
        found["failed_after_send"] = 1
    if change.expected is Status.DELIVERED and status in _UNBILLED:
        found["delivered"] = -1  # refused after its `delivered` status: not delivered after all
    if change.expected.outbound and status in _UNBILLED and change.followup.converted_at:
        found["converted"] = -1  # the lead never saw it: it converts no one (goals._UNSEEN)
    if change.expected.outbound and sent_again(change.followup):
        found = {"sent": -1, **{name: -1 for name in ("delivered", "converted") if name in found}}
    return found


def sent_again(followup: FollowUp) -> bool:
    """Failed after its send by a policy error its step is sent again for (131047 as the
    template, 131049 a day or more later, a rate limit seconds later: services.resend; one
    not sent again ends `skipped`), or undeliverable with its step gone on to the next
    channel (`fell_back`): the new follow-up carries the step's send and its outcome, so
    this one's send is taken back and it counts no failure."""
    if followup.status is not Status.FAILED:
        return False
    if followup.fell_back:
        return True
    if followup.error_code is None:
        return False
    return classify(None, followup.error_code).disposition in _SENT_AGAIN


def stopped_after_reply(followup: FollowUp) -> bool:
    """Replied to, then answered with a STOP within its attribution window (services.inbound
    marks it): it stays `responded` and counts `opted_out` too, so a rule that annoys leads
    into asking who wrote before they stop shows its opt-outs. One that followed on a step's
    earlier send counts nothing of its own."""
    return (
        followup.status is Status.RESPONDED
        and followup.stopped_after_reply_at is not None
        and not followup.follows_on
    )


def stopped_marketing_by(followup: FollowUp) -> bool:
    """Failed because its lead stopped marketing messages from this business (131050):
    the lead's opt-out from marketing, counted with the opt-outs, not as a failure."""
    return followup.status is Status.FAILED and stopped_marketing(followup.error_code)


def _cost(change: FollowUpChange, priced_before: Pricing | None) -> int:
    """What `change` moves the messaging cost by, in micro-dollars: what the new copy bills
    less what the copy it replaces did (`_bills`). A change that moves nothing bills a price
    put on the copy since, or one it held that a `delivered` or `read` status heard after
    it ended never shown delivered (services.webhook records it in its history) now bills:
    the copy it replaces billed only what a delivery shown before the end let it. An SMS or
    email bills from its send on, whatever comes after: SNS and SES bill each message they
    take, delivered or not."""
    followup = change.followup
    if followup.channel != "whatsapp":
        now, was = followup.status not in _UNCOUNTED, change.expected not in _UNCOUNTED
        return (_micro(followup.pricing) if now else 0) - (_micro(priced_before) if was else 0)
    now = _bills(followup.status, followup.reason, followup.history)
    if followup.status is change.expected:
        was = _bills(followup.status, followup.reason, _until_ended(followup.history))
    else:
        was = _bills(change.expected, None, followup.history[:-1])
    return (_micro(followup.pricing) if now else 0) - (_micro(priced_before) if was else 0)


def _until_ended(history: list[StatusChange]) -> list[StatusChange]:
    """`history` up to the change that expired the follow-up or ended it opted out: what
    was shown before that end (a `delivered` or `read` status heard after it is recorded
    after it). All of it for one that ended neither way."""
    ends = [i for i, c in enumerate(history) if c.status in _ENDED_WAITING]
    return history[: ends[-1] + 1] if ends else history


def _bills(status: Status, reason: str | None, history: list[StatusChange]) -> bool:
    """Whether a copy in `status`, ended for `reason` and reached through `history`, bills
    the price it holds: one past its send, not refused, and shown delivered (delivered,
    read or replied to, answered with a STOP, or delivered or read before or after it
    expired).
    Nothing while it is only `sent`, nor once it expired or ended by a stop of the channel
    elsewhere never shown delivered: WhatsApp bills per delivered message."""
    stop = status is Status.OPTED_OUT and reason == Reason.OPTED_OUT
    shown = status in _SHOWN_DELIVERED or any(c.status in _SHOWN_DELIVERED for c in history)
    return status in _BILLED and (stop or shown)


def _micro(pricing: Pricing | None) -> int:
    """A price in micro-dollars; none costs nothing."""
    return 0 if pricing is None else round(pricing.cost_usd * MICRO)


def _delivered_now(followup: FollowUp, *, after_send: bool) -> bool:
    """Read, or answered (a reply, or a STOP replying to it after its send), without having
    been delivered before: it was delivered all the same (WhatsApp's `read` may come before
    its `delivered`, which then moves nothing), so this move counts the delivery, once. An
    opt-out the expire tick found (`opted_out_elsewhere`) answered nothing: it proves none."""
    stop = followup.status is Status.OPTED_OUT and followup.reason == Reason.OPTED_OUT
    if followup.status not in _DELIVERED_BY and not (stop and after_send):
        return False
    before = _until_ended(followup.history[:-1])
    return not any(c.status in (Status.DELIVERED, Status.READ) for c in before)


def ai_cost_usd(counts: dict[str, int]) -> float:
    """The AI cost in dollars from the integer counter."""
    return counts.get("ai_cost_micro_usd", 0) / MICRO


def cost_figures(counts: dict[str, int]) -> dict[str, Any]:
    """Messaging cost in dollars, in all and by channel, AI cost, their sum, and that sum
    per reply and per conversion (None with none of them). WhatsApp's part is what SMS and
    email leave of the messaging cost (so one counted before they were counted apart
    stands under WhatsApp). Each is worked out in whole micro-dollars, as counted, and
    shown in dollars once: $0.10 and $0.20 make $0.30, not 0.30000000000000004; a cost
    per reply or conversion is rounded to the micro-dollar."""
    micro = counts.get("messaging_cost_micro_usd", 0)
    apart = {channel: counts.get(f"{channel}_cost_micro_usd", 0) for channel in _BILLED_APART}
    by_channel = {"whatsapp": micro - sum(apart.values()), **apart}
    total = micro + counts.get("ai_cost_micro_usd", 0)
    replies, conversions = counts.get("responded", 0), counts.get("converted", 0)
    return {
        "messaging_cost_usd": micro / MICRO,
        "messaging_cost_by_channel": {channel: c / MICRO for channel, c in by_channel.items()},
        "ai_cost_usd": ai_cost_usd(counts),
        "cost_usd": total / MICRO,
        "cost_per_reply": round(total / replies) / MICRO if replies else None,
        "cost_per_conversion": round(total / conversions) / MICRO if conversions else None,
    }


class PeriodStats(BaseModel):
    """Counters summed over a period, with the rates staff watch."""

    model_config = ConfigDict(defer_build=True)

    counts: dict[str, int]

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)

    def rate(self, counter: str) -> float | None:
        """The share of sends a counter reached; none when nothing was sent."""
        return self.counts.get(counter, 0) / self.sent if self.sent else None

    @property
    def response_rate(self) -> float | None:
        return self.rate("responded")

    @property
    def opt_out_rate(self) -> float | None:
        return self.rate("opted_out")


class RuleStats(PeriodStats):
    """One rule's totals over a period."""

    rule_id: str


def opt_out_spike(row: PeriodStats, review: ReviewThresholds) -> bool:
    """More opt-outs than the threshold allows, over at least the minimum sample of sends."""
    rate = row.opt_out_rate
    return (
        row.sent >= review.min_opt_out_sample
        and rate is not None
        and rate > review.max_opt_out_rate
    )


def too_few_to_judge(row: PeriodStats, review: ReviewThresholds) -> bool:
    """Sent to some, but to fewer than either rate needs before it is judged."""
    return 0 < row.sent < min(review.min_response_sample, review.min_opt_out_sample)


def flags(row: PeriodStats, review: ReviewThresholds) -> list[str]:
    """Why staff should review a rule: too few replies or too many opt-outs, each judged
    only from its minimum sample of sends on."""
    found = []
    rate = row.response_rate
    judged = row.sent >= review.min_response_sample
    if judged and rate is not None and rate < review.min_response_rate:
        found.append("low_response")
    if opt_out_spike(row, review):
        found.append("high_opt_out")
    return found


def success_rate(counts: dict[str, int]) -> float | None:
    """Of the follow-ups that went out or failed, the share that went out and was not
    refused afterwards (a failed status after the send: counted both sent and failed, it
    is one failure); None with neither."""
    sent, failed = counts.get("sent", 0), counts.get("failed", 0)
    after = min(counts.get("failed_after_send", 0), sent, failed)
    tried = sent + failed - after
    return (sent - after) / tried if tried else None


def totals(days: Iterable[DayStats]) -> dict[str, RuleStats]:
    """Sum day rows per rule: one row for each rule that has any, whatever its id."""
    per_rule: dict[str, Counter[str]] = defaultdict(Counter)
    for row in days:
        per_rule[row.rule_id].update(row.counts)
    return {rule_id: RuleStats(rule_id=rule_id, counts=dict(c)) for rule_id, c in per_rule.items()}


def overall(days: Iterable[DayStats]) -> PeriodStats:
    """Sum day rows of every rule together."""
    counts: Counter[str] = Counter()
    for row in days:
        counts.update(row.counts)
    return PeriodStats(counts=dict(counts))
