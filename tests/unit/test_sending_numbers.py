"""Which configured number a report names, which one a contact is sent from, and which
pause stops it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from followup.domain.numbers import (
    DEFAULT_NUMBER,
    NumberHealth,
    Numbers,
    SendingNumber,
    sending_paused,
)
from followup.domain.settings import WorkspaceSettings

AT = datetime(2026, 11, 30, tzinfo=UTC)
TWO = Numbers(
    (
        SendingNumber(phone_number_id="111", display_phone_number="6281"),
        SendingNumber(phone_number_id="222", display_phone_number="6282"),
    )
)


def paused(number: str, display: str = "") -> NumberHealth:
    return NumberHealth(
        phone_number_id=number,
        display_phone_number=display,
        quality="FLAGGED",
        updated_at=AT,
        paused=True,
        paused_reason="flagged",
    )


def test_a_report_names_a_number_by_id_or_display_number() -> None:
    assert [TWO.resolve("222"), TWO.resolve("6282"), TWO.resolve("x", "6281")] == [
        "222",
        "222",
        "111",
    ]
    assert TWO.resolve("333") is None
    assert TWO.named("333") == "333"


def test_with_one_number_every_report_is_about_it() -> None:
    single = Numbers.single("6281234567890")
    assert single.resolve("109876543210987") == "6281234567890"


def test_with_one_number_a_stored_report_of_another_number_is_not_about_it() -> None:
    one = Numbers((SendingNumber(phone_number_id="111"),))
    removed, own = paused("222", "6282"), paused("111")
    by_display, unnamed = paused("6289", "6289"), paused(DEFAULT_NUMBER)
    reports = [removed, own, by_display, unnamed]
    # A report kept under another number's id is about that number (removed since)
    assert one.health("222", reports) == [removed]
    # The number's own reports, and those naming no number of their own, are about it
    assert one.health("111", reports) == [own, by_display, unnamed]
    # With several numbers, a report naming none of them is about none
    assert TWO.health("111", [by_display, unnamed]) == []


def test_a_contact_goes_from_its_number_else_the_rules_first_else_the_default() -> None:
    assert TWO.sender("222", ["111"]) == "222"
    assert TWO.sender(None, ["222"]) == "222"
    assert TWO.sender("333") == "111"
    assert TWO.refusal("111", ["222"]) is not None
    assert TWO.refusal(None, ["222"]) is None
    assert TWO.refusal("111", []) is None


def test_a_paused_number_stops_only_itself_and_all_paused_stop_everything() -> None:
    settings = WorkspaceSettings()
    one = [paused("222")]
    assert sending_paused(settings, one, TWO, "111") is None
    assert "number 222 paused" in (sending_paused(settings, one, TWO, "222") or "")
    assert sending_paused(settings, one, TWO) is None
    both = [paused("x", "6281"), paused("222")]
    assert sending_paused(settings, both, TWO) is not None


def test_numbers_must_be_unique_and_at_least_one() -> None:
    with pytest.raises(ValueError, match="unique"):
        Numbers((SendingNumber(phone_number_id="1"), SendingNumber(phone_number_id="1")))
    with pytest.raises(ValueError, match="at least one"):
        Numbers(())


def test_a_rule_s_number_no_longer_configured_is_passed_over_or_refused() -> None:
    # A removed number among the rule's: the first configured one sends instead
    assert TWO.sender(None, ["333", "222"]) == "222"
    assert TWO.sender("333", ["333", "222"]) == "222"
    assert TWO.refusal("333", ["333", "222"]) is None
    # Only removed numbers: the rule leaves the contact alone, saying why
    for tied_to in (None, "333", "111"):
        refused = TWO.refusal(tied_to, ["333"])
        assert refused is not None
        assert refused.startswith("other_number:")
        assert "333, no longer configured" in refused
