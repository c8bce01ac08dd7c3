"""A lead's latest choice about marketing messages stands: WhatsApp's `user_preferences`
stop or resume, a 131050 failure or a not-interested reply, heard out of order (a
delivery retried hours later), never undoes a newer one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from followup.domain.followup import FollowUp, Status
from followup.services import templates
from followup.services.contacts import find_contact
from followup_local.memory_engine import MemoryEngine
from tests.integration.test_bsuid import NEW, OLD, from_user, user_id_change
from tests.service.test_intents_flow import LEAD, lead, reply, set_intents
from tests.support.builders import quiet_contact, rule
from tests.support.webhook import payload

HOUR = timedelta(hours=1)
WA_ID = "6281100000501"


def preference(
    value: str, at: datetime, wa_id: str | None = WA_ID, user_id: str | None = None
) -> dict[str, Any]:
    """The user stopped (`stop`) or resumed (`resume`) marketing messages at `at`; named by
    their number, else by their business-scoped user id."""
    document = payload(f"user-preferences-{value}.json")
    change = document["entry"][0]["changes"][0]["value"]
    ids = {"wa_id": wa_id} if wa_id else {"user_id": user_id}
    change["contacts"][0] = {"profile": {"name": "Rudi"}, **ids}
    [chosen] = change["user_preferences"]
    del chosen["wa_id"]
    chosen.update({**ids, "timestamp": str(int(at.timestamp()))})
    return document


def marketing_failure(followup: FollowUp, at: datetime) -> dict[str, Any]:
    """WhatsApp's `failed` status for the follow-up: the user stopped marketing (131050)."""
    document = payload("status-failed-131050.json")
    status = document["entry"][0]["changes"][0]["value"]["statuses"][0]
    status.update(
        {
            "id": followup.provider_message_id,
            "biz_opaque_callback_data": followup.id,
            "timestamp": str(int(at.timestamp())),
        }
    )
    return document


def marketing_rule(engine: MemoryEngine) -> None:
    body = "Hi {{1}}, still thinking about applying?"
    engine.sandbox.templates.add("apply_reminder", "en", body, category="MARKETING")
    templates.sync(engine.deps, engine.clock.now())
    engine.deps.rules.save_rule(rule())


def marketing_sent(engine: MemoryEngine) -> list[Any]:
    return [
        r
        for r in engine.sandbox.requests
        if r.error_code is None and (r.body or {}).get("type") == "template"
    ]


def test_a_late_old_resume_does_not_undo_a_newer_marketing_stop(engine: MemoryEngine) -> None:
    # Given a marketing template step and a lead quiet for a day (window closed: template)
    marketing_rule(engine)
    now = engine.clock.now()
    contact = quiet_contact(engine.deps, WA_ID, now - 25 * HOUR)
    # The lead resumed marketing 3 h ago, then stopped it 1 h ago; WhatsApp delivered the
    # stop on time, and the older resume only now (its first delivery failed, retried)
    assert engine.deliver(preference("stop", now - HOUR)) == 200
    assert engine.deliver(preference("resume", now - 3 * HOUR)) == 200
    # When the rule comes due
    engine.tick()
    # Then no marketing template goes: the lead's latest word was "stop"
    assert marketing_sent(engine) == []
    [followup] = engine.deps.followups.followups_of(contact.id)
    assert followup.status is Status.SKIPPED


def test_a_late_old_marketing_stop_does_not_undo_a_newer_resume(engine: MemoryEngine) -> None:
    # Given the same, the lead stopped marketing 3 h ago and resumed it 1 h ago; the resume
    # was heard on time, the older stop only now
    marketing_rule(engine)
    now = engine.clock.now()
    quiet_contact(engine.deps, WA_ID, now - 25 * HOUR)
    assert engine.deliver(preference("resume", now - HOUR)) == 200
    assert engine.deliver(preference("stop", now - 3 * HOUR)) == 200
    # When the rule comes due
    engine.tick()
    # Then the template goes: the lead's latest word was "resume"
    assert len(marketing_sent(engine)) == 1


def test_a_late_old_resume_does_not_undo_marketing_stopped_by_a_131050_failure(
    engine: MemoryEngine,
) -> None:
    # Given a marketing template sent to a lead quiet for a day
    marketing_rule(engine)
    now = engine.clock.now()
    contact = quiet_contact(engine.deps, WA_ID, now - 25 * HOUR)
    engine.tick()
    [followup] = engine.deps.followups.followups_of(contact.id)
    assert followup.status is Status.SENT
    # When WhatsApp fails it now because the lead stopped marketing (131050), and a resume
    # the lead made an hour before is heard only after that
    assert engine.deliver(marketing_failure(followup, engine.clock.now())) == 200
    assert engine.deliver(preference("resume", now - HOUR)) == 200
    # Then marketing stays stopped for the lead: WhatsApp's refusal is the newer word
    found = engine.deps.contacts.contact(contact.id)
    assert found is not None
    assert found.item.marketing_suppressed


def test_a_late_old_resume_does_not_undo_marketing_stopped_by_a_not_interested_reply(
    engine: MemoryEngine,
) -> None:
    # Given a workspace where "not interested" also stops marketing, and a lead who says
    # so now
    set_intents(engine, not_interested_suppresses_marketing=True)
    reply(engine, "no thanks")
    assert lead(engine)["marketing_suppressed"] is True
    # When a resume of marketing the lead made an hour before is heard only now
    late = preference("resume", engine.clock.now() - HOUR, wa_id=LEAD)
    assert engine.deliver(late) == 200
    # Then marketing stays stopped: the reply is the lead's newer word
    assert lead(engine)["marketing_suppressed"] is True


def test_a_resume_heard_on_a_new_user_id_stands_over_an_older_stop_once_the_two_fold(
    engine: MemoryEngine,
) -> None:
    # Given a lead WhatsApp knows by a user id, who stopped marketing 3 h ago
    now = engine.clock.now()
    assert engine.deliver(from_user(OLD, "wamid.CHOICE1", now - 25 * HOUR)) == 200
    assert engine.deliver(preference("stop", now - 3 * HOUR, wa_id=None, user_id=OLD)) == 200
    # When they write from a new user id, resume marketing under it an hour ago, and
    # WhatsApp's notice of the new id comes after both
    assert engine.deliver(from_user(NEW, "wamid.CHOICE2", now - 2 * HOUR)) == 200
    assert engine.deliver(preference("resume", now - HOUR, wa_id=None, user_id=NEW)) == 200
    assert engine.deliver(user_id_change(OLD, NEW, "wamid.CHOICESYS", now - HOUR / 2)) == 200
    # Then the lead, one contact again, takes marketing messages: the resume is newer
    found = find_contact(engine.deps, None, NEW)
    assert found is not None
    assert found.item.user_id == NEW
    assert not found.item.marketing_suppressed
