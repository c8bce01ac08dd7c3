"""A date rule's answer to a save or a switch says whether its contacts are still being
indexed, so the app can tell its user the reminders of the rest are on their way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.services.contacts import upsert
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import before_renewal, rule


def reminder(**overrides: Any) -> dict[str, Any]:
    body = rule("renewal-reminder", trigger=before_renewal(7), exit={}, **overrides)
    return body.model_dump(mode="json")


def customers(engine: LocalEngine, count: int) -> None:
    """Customers renewing a year from now, their reminders still to come."""
    renews = (engine.clock.now() + timedelta(days=365)).date().isoformat()
    for n in range(count):
        fields = {"timezone": "Asia/Jakarta", "attributes": {"renewal_date": renews}}
        upsert(engine.deps, f"6281100000{n:03d}", fields)


def test_a_save_over_more_contacts_than_it_indexes_says_the_ticks_go_on(
    engine: LocalEngine, small_steps: None
) -> None:
    # Given five customers whose renewal is a year away
    customers(engine, 5)
    # When marketing saves the reminder, with time for one page of two
    status, saved = call(engine, "POST", "/api/rules", reminder(), role="marketing")
    # Then the answer says its contacts are still being indexed
    assert (status, saved["indexing"]) == (201, True)
    # And switched off and on again after the ticks walked the funnel, it starts over
    for _ in range(4):
        engine.tick()
    call(engine, "POST", "/api/rules/renewal-reminder/deactivate")
    status, answer = call(engine, "POST", "/api/rules/renewal-reminder/activate")
    assert (status, answer["indexing"]) == (200, True)


def test_a_save_that_indexes_every_contact_says_it_is_done(engine: LocalEngine) -> None:
    # Given two customers, fewer than a page
    customers(engine, 2)
    # When the reminder is saved, and switched off and on again
    status, saved = call(engine, "POST", "/api/rules", reminder(), role="marketing")
    call(engine, "POST", "/api/rules/renewal-reminder/deactivate")
    switched = call(engine, "POST", "/api/rules/renewal-reminder/activate")
    # Then each answer says nothing is left to index
    assert (status, saved["indexing"]) == (201, False)
    assert (switched[0], switched[1]["indexing"]) == (200, False)
