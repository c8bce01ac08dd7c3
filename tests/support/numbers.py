"""A workspace sending from more than one WhatsApp number, as `D360_NUMBERS` configures it,
and a deploy that removes some of them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from followup.domain.numbers import Numbers
from followup_local.engine import LOCAL_API_KEY
from followup_local.envelopes import BUSINESS_NUMBER, SECOND_NUMBER
from followup_local.memory_engine import MemoryEngine

SECOND_KEY = "second-number-key"
TWO_NUMBERS: list[dict[str, Any]] = [
    {**BUSINESS_NUMBER, "api_key": LOCAL_API_KEY},
    {**SECOND_NUMBER, "api_key": SECOND_KEY},
]


def configured(numbers: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The engine's settings for sending from `numbers`."""
    return {"D360_NUMBERS": json.dumps(list(numbers))}


def described(numbers: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The same as `configured`, the numbers described outside the secret
    (`FOLLOWUP_NUMBERS`) and only their keys in it (`D360_KEYS`)."""
    without_keys = [{k: v for k, v in n.items() if k != "api_key"} for n in numbers]
    keys = {n["phone_number_id"]: n["api_key"] for n in numbers}
    return {"FOLLOWUP_NUMBERS": json.dumps(without_keys), "D360_KEYS": json.dumps(keys)}


def keep_first(engine: MemoryEngine, count: int) -> None:
    """A new deploy: D360_NUMBERS lists only the first `count` numbers it listed."""
    engine.deps.numbers = Numbers(engine.deps.numbers.configured[:count])
    engine.deps.start_cold()


def sent_with(engine: MemoryEngine) -> dict[str, str | None]:
    """The API key each recipient was sent with."""
    return {str((r.body or {}).get("to")): r.api_key for r in engine.sandbox.sent()}


def flagged(number: Mapping[str, str]) -> dict[str, Any]:
    """WhatsApp flags a number (the quality event names it by its display number)."""
    value = {"display_phone_number": number["display_phone_number"], "event": "FLAGGED"}
    change = {"field": "phone_number_quality_update", "value": value}
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
