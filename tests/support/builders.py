"""Small builders for rules and contacts used across tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from followup.domain.contact import Contact, Speaker
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.services.contacts import create_contact, update_contact
from followup.services.deps import Deps


def rule(rule_id: str = "apply-remind-24h", **overrides: Any) -> Rule:
    """A one-step rule: stage `new`, idle 24 h, free text inside the window, else a template."""
    body: dict[str, Any] = {
        "id": rule_id,
        "name": rule_id.replace("-", " "),
        "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
        "steps": [
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "text": "Hi {first_name|there}, still thinking about applying?",
                "template": {
                    "name": "apply_reminder",
                    "language": "en",
                    "params": [{"field": "first_name", "default": "there"}],
                },
            }
        ],
        "exit": {"stages": ["applied", "paid", "enrolled"]},
    }
    body.update(overrides)
    return Rule.model_validate(body)


def before_renewal(days: int = 7, at: str = "09:00") -> dict[str, Any]:
    """A date trigger: `days` before the contact's `renewal_date`, at `at` in its zone."""
    return days_before("renewal_date", days, at)


def days_before(attribute: str, days: int, at: str) -> dict[str, Any]:
    """A date trigger: `days` before the contact's date in `attribute`, at `at` in its zone."""
    return {
        "kind": "date",
        "attribute": attribute,
        "offset": {"amount": days, "unit": "days"},
        "before": True,
        "at": at,
    }


def approval_step(wait_minutes: int = 0) -> dict[str, Any]:
    """A step whose text the AI writes and a person approves before it goes."""
    return {
        "wait": {"amount": wait_minutes, "unit": "minutes"},
        "text": "Hi, still applying?",
        "template": {
            "name": "apply_reminder",
            "language": "en",
            "params": [{"field": "first_name", "default": "there"}],
        },
        "ai": {"instructions": "Ask whether they still apply.", "approval": True},
    }


def channel_step(
    channel: str, text: str = "Hi {first_name|there}, your place is still open.", **more: Any
) -> dict[str, Any]:
    """A step that goes at once on `channel`, with a text for WhatsApp or SMS and an email;
    `more` adds to it (a template, fallbacks)."""
    email = {"subject": "One step left", "body": "Hi {first_name|there}, apply."}
    return {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": channel,
        "text": text,
        "email": email,
        **more,
    }


def journey(*steps: dict[str, Any]) -> Rule:
    """A journey of `steps` for contacts quiet for 24 h in stage `new`."""
    return Rule.model_validate(journey_document(*steps))


def journey_document(*steps: dict[str, Any]) -> dict[str, Any]:
    """The JSON of `journey(*steps)`."""
    return {
        "id": "unpaid",
        "name": "Unpaid",
        "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
        "steps": list(steps),
    }


def contact_at(now: datetime, **overrides: object) -> Contact:
    """A contact created 30 days before `now`; `overrides` set any field."""
    fields: dict[str, object] = {
        "id": "c-1",
        "wa_id": "6281200000001",
        "stage": "new",
        "created_at": now - timedelta(days=30),
    }
    fields.update(overrides)
    return Contact.model_validate(fields)


def quiet_lead(contact_id: str, wa_id: str, quiet_since: datetime, **fields: Any) -> Contact:
    """A lead in stage `new` who last wrote at `quiet_since` and has been quiet since: the
    model alone, for seeding the tables directly."""
    return Contact(
        id=contact_id,
        wa_id=wa_id,
        stage="new",
        timezone="Asia/Jakarta",
        created_at=quiet_since - timedelta(days=1),
        stage_changed_at=quiet_since - timedelta(days=1),
        last_inbound_at=quiet_since,
        last_activity_at=quiet_since,
        last_speaker=Speaker.CONTACT,
        **fields,
    )


def quiet_contact(deps: Deps, wa_id: str | None, last_inbound: datetime, **fields: Any) -> Contact:
    """A contact who last wrote at `last_inbound` and has been quiet since."""
    fields.setdefault("timezone", "Asia/Jakarta")
    fields.setdefault("name", "Rudi Hartono")
    contact = create_contact(deps, wa_id=wa_id, at=last_inbound, **fields)
    return update_contact(
        deps,
        contact.id,
        lambda c: c.model_copy(
            update={
                "last_inbound_at": last_inbound,
                "last_activity_at": last_inbound,
                "last_speaker": Speaker.CONTACT,
            }
        ),
        last_inbound,
    )


def sends_a_day(deps: Deps, max_sends: int) -> None:
    """The workspace's frequency cap: at most `max_sends` follow-ups to a contact a day."""
    settings = deps.rules.settings()
    cap = settings.gating.frequency_cap.model_copy(update={"max_sends": max_sends})
    gating = settings.gating.model_copy(update={"frequency_cap": cap})
    deps.rules.save_settings(settings.model_copy(update={"gating": gating}))
    deps.catalog.invalidate()


def holidays(deps: Deps, *days: str) -> None:
    """The workspace's send window closed on `days` (ISO dates), its own holidays."""
    settings = deps.rules.settings().model_dump(mode="json")
    settings["send_window"]["custom_holidays"] = list(days)
    deps.rules.save_settings(WorkspaceSettings.model_validate(settings))
    deps.catalog.invalidate()
