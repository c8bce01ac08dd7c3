"""What a paused WhatsApp number (or paused email) holds, as the sender judges it, and
where it keeps it.

A number's pause is WhatsApp's: it holds a follow-up that goes by WhatsApp from it, and
lets one go by SMS or email; email's pause (SES refused the account) holds one that goes
by email, kept under `EMAIL_HELD`; a paused workspace holds every follow-up. The sender holds
a paused number's follow-ups apart under the name the number went by then, which may be
a name it went by before the configuration named it as now (`Catalog.former_names`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.services.channels import first_reachable, pick
from followup.services.ports import EMAIL_HELD

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.followup import FollowUp
    from followup.domain.rule import Rule
    from followup.services.deps import Deps


def holding(
    deps: Deps,
    followup: FollowUp,
    contact: Contact,
    rule: Rule,
    number: str,
    *,
    asks_sns: bool = False,
) -> str | None:
    """Why `followup` (its step of `rule`, to `contact`, from `number`) may not go now, or
    None (`held`)."""
    held = holder(deps, followup, contact, rule, number, asks_sns=asks_sns)
    return None if held is None else held[0]


def holder(
    deps: Deps,
    followup: FollowUp,
    contact: Contact,
    rule: Rule,
    number: str,
    *,
    asks_sns: bool = False,
) -> tuple[str, str] | None:
    """Why `followup` may not go now and the name it is held under, or None: the workspace
    is paused; it goes by WhatsApp from `number`, paused (held under `number`); or it goes
    by email while email is paused (held under `EMAIL_HELD`). It goes by the first channel
    from its `channel_index` on that can reach the contact, as the sender picks it: a
    number's pause lets one go by SMS or email, and email's one by WhatsApp or SMS. The
    sender `asks_sns` for its opt-out list, as it does when it picks; every other view
    judges without it (`first_reachable`)."""
    stopped = deps.catalog.workspace_paused()
    if stopped is not None:
        return stopped, number
    paused, email = deps.catalog.sending_paused(number), deps.catalog.email_paused()
    if paused is None and email is None:
        return None
    step = rule.send_step(followup.step_index)
    start = followup.channel_index
    if asks_sns:
        going = pick(deps, followup, contact, step, start).channel
    else:
        going = first_reachable(deps, contact, step, start)
    if going == "whatsapp" and paused is not None:
        return paused, number
    if going == "email" and email is not None:
        return email, EMAIL_HELD
    return None


def held_names(deps: Deps) -> list[str]:
    """Every name held follow-ups may be kept under: each configured number's id, the
    names it went by before the configuration named it so, and email's."""
    ids = deps.numbers.ids
    former = (name for number in ids for name in deps.catalog.former_names(number))
    return list(dict.fromkeys([*ids, *former, EMAIL_HELD]))
