"""A follow-up as its table stores it: a compact `doc` beside the attributes keys need.

The document leaves out what the item already holds as its own attributes (id, contact,
rule, status, provider message id) and every field at its default, and keeps the status
history as `[status, at]` pairs (`[status, at, reason]` with a reason) and the pricing as
`[billable, category, type, market, cost]`. Documents written whole, as before, read the same.
pydantic only: the broadcaster reads stream images too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from followup.domain.followup import FollowUp

_PRICING = ("billable", "category", "type", "market", "cost_usd")

ON_ITEM = ("id", "contact_id", "rule_id", "status", "provider_message_id")
"""Fields the item keeps as top-level attributes, so the document does not repeat them."""


def dump(followup: FollowUp, standalone: bool = False) -> str:
    """The document; `standalone` keeps the item's own fields in it too, for a write that
    sets the document alone (an update may create the item)."""
    body = followup.model_dump(mode="json", exclude_defaults=True, exclude=set(ON_ITEM))
    if standalone:
        body.update(followup.model_dump(mode="json", include=set(ON_ITEM)))
    if "history" in body:
        body["history"] = [
            [entry["status"], entry["at"], *([entry["reason"]] if entry.get("reason") else [])]
            for entry in body["history"]
        ]
    if followup.pricing is not None:
        body["pricing"] = [getattr(followup.pricing, name) for name in _PRICING]
    return json.dumps(body, separators=(",", ":"))


def load(doc: str, item: Mapping[str, Any]) -> FollowUp:
    """The follow-up from its document and the item's attributes (`item`: name → value)."""
    body = json.loads(doc)
    for name in ON_ITEM:
        if name not in body and item.get(name) is not None:
            body[name] = item[name]
    body["history"] = [
        entry
        if isinstance(entry, dict)
        else {"status": entry[0], "at": entry[1], "reason": entry[2] if len(entry) > 2 else None}
        for entry in body.get("history", [])
    ]
    if isinstance(body.get("pricing"), list):
        body["pricing"] = dict(zip(_PRICING, body["pricing"], strict=False))
    return FollowUp.model_validate(body)
