"""Rule saves and switches whose audit entry the store refused after the change was made.

The request answers 503 (busy: send it again), and sent again as told it finds nothing
left to change: these say when the change it finds made still lacks its entry, so the
request keeps the entry then and answers as if it had made the change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.services import audit, optout_watch, rules

if TYPE_CHECKING:
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

_SAVES = frozenset({"rule.created", "rule.updated"})
_SWITCHED_TO = {"rule.activated": True, "rule.deactivated": False}


def save_unaudited(deps: Deps, rule: Rule, by: str) -> bool:
    """`by` saved `rule` (its version `rule.version`) and the audit log has no entry of
    that save."""
    saved = deps.rules.authorship(rule.id).get(rule.version)
    if saved is None or saved.by != by:
        return False
    named = f"version {rule.version}"
    entry = audit.newest(deps, rule.id, lambda e: e.action in _SAVES and e.after == named, saved.at)
    return entry is None


def created_unaudited(deps: Deps, rule: Rule, by: str) -> Rule | None:
    """The rule as it is now when `by` created it with this very body and its creation has
    no entry in the audit log; None otherwise (another rule holds the id)."""
    head = deps.rules.rule_head(rule.id)
    stored = deps.rules.rule(rule.id, head.version) if head else None
    if stored is None or rule.model_copy(update={"version": stored.version}) != stored:
        return None
    return rules.current(deps, rule.id) if save_unaudited(deps, stored, by) else None


def switch_unaudited(deps: Deps, rule_id: str) -> bool:
    """The rule is on or off otherwise than the audit log last left it (by the newest switch
    since its version was saved, else as that version was saved): a switch lost its entry.
    False for a rule the opt-out check flagged: that check may switch it off unaudited, so
    the log does not tell."""
    head = deps.rules.rule_head(rule_id)
    stored = deps.rules.rule(rule_id, head.version) if head else None
    if head is None or stored is None or optout_watch.kept(head):
        return False
    saved = deps.rules.authorship(rule_id).get(head.version)
    entry = audit.newest(
        deps,
        rule_id,
        lambda e: e.action in _SAVES or e.action in _SWITCHED_TO,
        saved.at if saved else None,
    )
    recorded = _SWITCHED_TO.get(entry.action, stored.active) if entry else stored.active
    return head.active != recorded
