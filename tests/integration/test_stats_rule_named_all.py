"""The stats' total of every rule is kept apart from the rules, whatever a rule's id."""

from __future__ import annotations

from datetime import timedelta

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


def test_a_rule_whose_id_is_all_keeps_its_own_stats_row_beside_the_total(
    engine: LocalEngine,
) -> None:
    # Given two rules, one of them given the id `all` (a rule named "All"), both accepted
    for rule_id in ("all", "other"):
        new = rule(rule_id, name=f"Rule {rule_id}").model_dump(mode="json")
        assert call(engine, "POST", "/api/rules", new)[0] == 201
    # And three quiet leads, each enrolled by one of them
    for n in range(3):
        quiet_contact(engine.deps, f"62811000009{n}1", engine.clock.now() - 25 * HOUR)
    engine.tick()
    sent_by = {"all": 0, "other": 0}
    for request in engine.sandbox.sent():
        found = engine.deps.followups.followup(request.followup_id or "")
        assert found is not None
        sent_by[found.rule_id] += 1
    assert sum(sent_by.values()) == 3
    # When staff open the stats
    status, stats = call(engine, "GET", "/api/stats")
    assert status == 200
    # Then the rule `all` shows what it sent, beside the rule `other`
    rows = [(r["rule_id"], r["name"], r["sent"]) for r in stats["rules"]]
    assert rows == [
        ("all", "Rule all", sent_by["all"]),
        ("other", "Rule other", sent_by["other"]),
    ]
    # And every rule together is counted once, in the total
    assert (stats["total"]["sent"], stats["sends"]["sent"]) == (3, 3)
