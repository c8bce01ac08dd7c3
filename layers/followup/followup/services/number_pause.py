"""What a paused WhatsApp number holds, as the sender judges it, and where it keeps it.

A number's pause is WhatsApp's: it holds a follow-up that goes by WhatsApp from it, and
lets one go by SMS or email; a paused workspace holds every follow-up. The sender holds
a paused number's follow-ups apart under the name the number went by then, which may be
a name it went by before the configuration named it as now (`Catalog.former_names`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.services.channels import first_reachable, pick

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
    None: the workspace is paused, or it goes by WhatsApp from `number`, paused. One that
    goes by SMS or email (the first channel from its `channel_index` on that can reach the
    contact) is not held by a number's pause. The sender `asks_sns` for its opt-out list,
    as it does when it picks; every other view judges without it (`first_reachable`)."""
    paused = deps.catalog.sending_paused(number)
    if paused is None or deps.catalog.workspace_paused() is not None:
        return paused
    step = rule.send_step(followup.step_index)
    start = followup.channel_index
    if asks_sns:
        going = pick(deps, followup, contact, step, start).channel
    else:
        going = first_reachable(deps, contact, step, start)
    return paused if going == "whatsapp" else None


def held_names(deps: Deps) -> list[str]:
    """Every name the configured numbers' held follow-ups may be kept under: each number's
    id and the names it went by before the configuration named it so."""
    ids = deps.numbers.ids
    former = (name for number in ids for name in deps.catalog.former_names(number))
    return list(dict.fromkeys([*ids, *former]))
