"""The opt-out spike settings through the API: defaults, a change, and what is refused."""

from __future__ import annotations

from followup_local.engine import LocalEngine
from tests.support.api import call


def test_opt_out_spike_settings_default_change_and_refuse_nonsense(engine: LocalEngine) -> None:
    status, settings = call(engine, "GET", "/api/settings")
    assert status == 200
    review = settings["review"]
    assert (review["max_opt_out_rate"], review["min_opt_out_sample"]) == (0.02, 50)
    assert review["pause_on_opt_out_spike"] is False
    changed = settings | {"review": review | {"pause_on_opt_out_spike": True}}
    status, saved = call(engine, "PUT", "/api/settings", changed, role="admin")
    assert (status, saved["review"]["pause_on_opt_out_spike"]) == (200, True)
    assert engine.deps.rules.settings().review.pause_on_opt_out_spike
    for wrong in ({"min_opt_out_sample": 0}, {"pause_on_opt_out_spike": "yes"}):
        bad = settings | {"review": review | wrong}
        assert call(engine, "PUT", "/api/settings", bad, role="admin")[0] == 422, wrong
