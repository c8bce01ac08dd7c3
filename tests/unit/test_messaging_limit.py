"""The messaging limit's arithmetic and the `business_capability_update` event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from followup.adapters.whatsapp_webhook import parse
from followup.domain.messaging_limit import (
    MessagingLimit,
    counted,
    forgotten,
    kept_from,
    raised,
    released_at,
    tier_named,
)
from followup.domain.webhook_events import MessagingTier, Unreadable
from tests.support.webhook import payload

AT = datetime(2026, 11, 24, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tier", "allowance"), [(250, 225), (2000, 1800), (10000, 9000), (100000, 90000), (None, None)]
)
def test_the_allowance_keeps_ten_percent_of_the_tier_unused(
    tier: int | None, allowance: int | None
) -> None:
    assert MessagingLimit.model_validate({"tier": tier}).allowance() == allowance


def test_headroom_below_ten_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="headroom"):
        MessagingLimit.model_validate({"headroom": 0.05})


def test_the_counted_hours_cover_the_whole_last_24_hours() -> None:
    hours = counted(AT)
    assert len(hours) == 25  # the hour 24 h ago, partly inside, through the current one
    # users first reached between 11:00 and 12:00 yesterday count until 12:00 today; a
    # send deferred at half past waits until half past, behind those deferred before it
    assert released_at({hours[0]: 0, hours[1]: 3}, AT) == datetime(2026, 11, 24, 12, 30, tzinfo=UTC)
    assert released_at({hours[1]: 3}, AT - timedelta(minutes=1)) < released_at({hours[1]: 3}, AT)


def test_a_count_keeps_one_hour_more_than_counts_and_forgets_the_day_before_it() -> None:
    first = counted(AT)[0]
    assert kept_from(AT) == first - 1
    assert forgotten(AT) == list(range(first - 25, first - 1))


@pytest.mark.parametrize(
    ("named", "tier"),
    [
        ("TIER_2K", 2000),
        ("tier_100k", 100000),
        ("TIER_UNLIMITED", None),
        (10000, 10000),
        (-1, None),
        ("-1", None),
    ],
)
def test_tiers_are_read_by_name_or_count(named: object, tier: int | None) -> None:
    assert tier_named(named) == tier


def told(document: dict[str, Any]) -> datetime:
    """When Meta dated the delivery's entry."""
    return datetime.fromtimestamp(document["entry"][0]["time"], UTC)


def test_a_capability_update_names_the_new_tier_as_meta_dated_it() -> None:
    document = payload("business-capability-update.json")
    events = parse(json.dumps(document).encode(), AT)
    assert told(document) < AT
    assert events == [MessagingTier(2000, told(document))]


@pytest.mark.parametrize("named", ["TIER_3K", 1000, True, None, {"a": 1}, -2, -1.0])
def test_an_unknown_tier_is_unreadable_and_changes_nothing(named: object) -> None:
    document = payload("business-capability-update.json")
    document["entry"][0]["changes"][0]["value"]["max_daily_conversations_per_business"] = named
    document["entry"][0]["changes"].append(
        {"field": "business_capability_update", "value": {"max_daily_conversation_per_phone": 250}}
    )
    events = parse(json.dumps(document).encode(), AT + timedelta(seconds=1))
    assert isinstance(events[0], Unreadable)
    assert events[1] == MessagingTier(250, told(document))


def test_only_a_higher_allowance_counts_as_a_raise() -> None:
    def limit(tier: int | None, headroom: float = 0.1) -> MessagingLimit:
        return MessagingLimit.model_validate({"tier": tier, "headroom": headroom})

    assert raised(limit(250), limit(2000))
    assert raised(limit(2000), limit(None))
    assert raised(limit(250, headroom=0.5), limit(250))
    assert not raised(limit(2000), limit(250))
    assert not raised(limit(250), limit(250))
    assert not raised(limit(None), limit(100000))
