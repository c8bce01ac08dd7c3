"""Deterministic keys: the same planned send always gets the same id (dedup)."""

from __future__ import annotations

import hashlib


def _digest(*parts: object) -> str:
    joined = "\x1f".join(str(part) for part in parts)
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def contact_id(identity_key: str) -> str:
    """A contact's id from the first WhatsApp identity seen: concurrent first messages from
    one person collide on it instead of creating two contacts."""
    return "ct_" + _digest(identity_key)


def enrollment_id(rule_id: str, contact_id: str, silence_key: str) -> str:
    """One enrollment per rule, contact and silence, whatever the rule's version."""
    return "en_" + _digest(rule_id, contact_id, silence_key)


def followup_id(enrollment: str, step_index: int, repeat_index: int, channel_index: int = 0) -> str:
    """A step's fallback sends (`channel_index` > 0) are planned sends of their own."""
    if channel_index:
        return "fu_" + _digest(enrollment, step_index, repeat_index, channel_index)
    return "fu_" + _digest(enrollment, step_index, repeat_index)


def fallback_followup_id(failed_followup_id: str) -> str:
    """The next channel's send of a follow-up WhatsApp reported failed: at most one."""
    return "fu_" + _digest("fallback", failed_followup_id)


def resend_followup_id(failed_followup_id: str) -> str:
    """The same step sent again after WhatsApp reported a policy error on it: at most one."""
    return "fu_" + _digest("resend", failed_followup_id)


def manual_followup_id(rule_id: str, contact_id: str, silence_key: str, attempt: int = 0) -> str:
    """A manual send is once per rule and silence too: a double click sends once. A press
    after one that ended without going is the silence's next `attempt`."""
    parts = (rule_id, contact_id, silence_key) + ((str(attempt),) if attempt else ())
    return "fu_" + _digest("manual", *parts)


def shard_of(key: str, shards: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % shards


def task_id(enrollment: str, step_index: int) -> str:
    """One task per enrollment and step: a repeated action creates it once."""
    return "tk_" + _digest(enrollment, step_index)


def notification_id(enrollment: str, step_index: int) -> str:
    """One notification per enrollment and step: a repeated action records it once."""
    return "nt_" + _digest(enrollment, step_index)
