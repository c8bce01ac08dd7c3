"""A notify step's webhook address is checked when the rule is saved: one naming no host a
request can go to is refused by field, and a rule stored before the check still loads."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from followup.domain.rule import Rule
from followup.domain.stored import STORED
from tests.support.builders import journey_document


def notify(address: str) -> dict[str, object]:
    return journey_document({"kind": "action", "do": "notify", "webhook": address})


@pytest.mark.parametrize(
    "address",
    [
        "https://crm.example.com/hooks/followup",
        "http://127.0.0.1:8080/hook",
        "https://[::1]:8443/hook",
        "https://bücher.example/hook",
        "https://crm-1.example.co.id/h?x=1#f",
    ],
)
def test_an_address_naming_a_host_is_taken(address: str) -> None:
    assert Rule.model_validate(notify(address)).steps[0].webhook == address  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "address",
    ["https://crm..example.com/", "https://crm.example.com../", "https:///path", "https://a_b.c/"],
)
def test_an_address_naming_no_host_is_refused_by_field_yet_loads_when_stored(address: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Rule.model_validate(notify(address))
    assert [".".join(map(str, e["loc"])) for e in refused.value.errors()] == ["steps.0.webhook"]
    assert Rule.model_validate(notify(address), context=STORED).steps[0].webhook == address  # type: ignore[union-attr]
