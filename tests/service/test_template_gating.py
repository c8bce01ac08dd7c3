"""Send-time gating by the synced catalogue: a follow-up whose template cannot be sent
holds with the reason, goes out once the template is approved again, falls back to the
step's sibling template, and ends skipped when it waits too long; marketing templates are
never sent to +1 numbers."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from followup.adapters.whatsapp_webhook import parse
from followup.domain.followup import FollowUp, Status
from followup.services import rules, templates, webhook
from followup.services.inbound import record_inbound
from followup.services.manual import send_now
from followup.services.timeline import conversation
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

BODY = "Hi {{1}}, still thinking about applying?"


def _rule(sibling: str | None = None) -> Any:
    built = rule()
    step = built.steps[0]
    ref = step.template.model_copy(update={"sibling": sibling})  # type: ignore[union-attr]
    return built.model_copy(update={"steps": [step.model_copy(update={"template": ref})]})


def _catalogue(engine: MemoryEngine, status: str, *, sibling: bool = False) -> None:
    engine.sandbox.templates.add("apply_reminder", "en", BODY, status=status)
    if sibling:
        engine.sandbox.templates.add("apply_reminder_v2", "en", BODY)
    templates.sync(engine.deps, engine.clock.now())


def _queued(engine: MemoryEngine, wa_id: str = "6281100000401", **rule_args: Any) -> FollowUp:
    deps = engine.deps
    deps.rules.save_rule(_rule(**rule_args))
    lead = quiet_contact(deps, wa_id, engine.clock.now() - timedelta(hours=30))
    followup = send_now(deps, lead.id, "apply-remind-24h")
    engine.drain()
    found = deps.followups.followup(followup.id)
    assert found is not None
    return found


def _status(
    engine: MemoryEngine, status: str, name: str = "apply_reminder", language: str = "en"
) -> None:
    """The sandbox changes the template's status and Meta's webhook announces it."""
    change = {"name": name, "language": language, "status": status}
    document = engine.sandbox.templates.change(change)
    now = engine.clock.now()
    webhook.apply(engine.deps, parse(json.dumps(document).encode(), now), now)


def _approve(engine: MemoryEngine, name: str = "apply_reminder", language: str = "en") -> None:
    _status(engine, "APPROVED", name, language)


def _reread(engine: MemoryEngine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def test_a_paused_template_holds_the_follow_up_until_approved_again(
    engine: MemoryEngine,
) -> None:
    # Given the step's template is paused
    _catalogue(engine, "paused")

    # When its follow-up is due
    held = _queued(engine)

    # Then nothing is sent and it waits as waiting_template, saying why
    assert engine.sandbox.sent() == []
    assert held.status is Status.WAITING_TEMPLATE
    assert held.reason == "waiting_template: template 'apply_reminder' (en) is paused"

    # And once Meta approves the template again, it is queued and due at once
    _approve(engine)
    released = _reread(engine, held)
    assert (released.status, released.reason) == (Status.QUEUED, "template_approved")
    assert released.wake_at == engine.clock.now()

    # And the next tick sends it
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    [sent] = engine.sandbox.sent()
    assert sent.followup_id == held.id
    assert sent.body is not None
    assert sent.body["template"]["name"] == "apply_reminder"


def test_each_unusable_status_and_an_unknown_template_hold(engine: MemoryEngine) -> None:
    engine.sandbox.templates.add("other", "en", BODY)
    for n, status in enumerate(("disabled", "rejected", "pending")):
        engine.sandbox.templates.add("apply_reminder", "en", BODY, status=status)
        templates.sync(engine.deps, engine.clock.now())
        held = _queued(engine, f"62811000005{n:02}")
        assert held.reason == f"waiting_template: template 'apply_reminder' (en) is {status}"
        engine.reset()
    engine.sandbox.templates.add("other", "en", BODY)
    templates.sync(engine.deps, engine.clock.now())
    held = _queued(engine, "6281100000510")
    assert held.reason == "waiting_template: template 'apply_reminder' (en) is unknown"
    assert engine.sandbox.sent() == []


def test_the_sibling_template_goes_out_while_the_step_s_own_is_paused(
    engine: MemoryEngine,
) -> None:
    _catalogue(engine, "paused", sibling=True)
    sent_one = _queued(engine, sibling="apply_reminder_v2")
    assert sent_one.status is Status.SENT
    [sent] = engine.sandbox.sent()
    assert sent.body is not None
    assert sent.body["template"]["name"] == "apply_reminder_v2"


def test_a_follow_up_held_past_the_configured_wait_ends_skipped(engine: MemoryEngine) -> None:
    _catalogue(engine, "disabled")
    held = _queued(engine)
    engine.clock.advance(engine.deps.timings.template_wait + timedelta(minutes=1))
    engine.tick()
    ended = engine.deps.followups.followup(held.id)
    assert ended is not None
    assert ended.status is Status.SKIPPED
    assert ended.reason == "template_unusable: template 'apply_reminder' (en) is disabled"
    assert engine.sandbox.sent() == []


def test_a_marketing_template_to_a_us_number_ends_skipped(engine: MemoryEngine) -> None:
    _catalogue(engine, "approved")
    skipped = _queued(engine, "14155550123")
    assert skipped.status is Status.SKIPPED
    assert skipped.reason is not None
    assert skipped.reason.startswith("marketing_to_us_number")
    assert engine.sandbox.sent() == []


def test_before_the_first_sync_templates_go_out_unchecked(engine: MemoryEngine) -> None:
    sent_one = _queued(engine)
    assert sent_one.status is Status.SENT


def test_an_account_without_templates_checks_nothing(engine: MemoryEngine) -> None:
    templates.sync(engine.deps, engine.clock.now())
    sent_one = _queued(engine)
    assert sent_one.status is Status.SENT


def test_a_follow_up_whose_template_was_the_last_deleted_holds(engine: MemoryEngine) -> None:
    # Given the account's one template synced, then deleted in WhatsApp Manager, and the
    # hourly sync reading an empty list
    _catalogue(engine, "approved")
    engine.sandbox.templates.remove("apply_reminder", "en")
    templates.sync(engine.deps, engine.clock.now())
    # Then its follow-up holds, saying why, and nothing goes to WhatsApp
    held = _queued(engine)
    assert held.status is Status.WAITING_TEMPLATE
    assert "apply_reminder" in (held.reason or "")
    assert engine.sandbox.sent() == []


def test_the_queue_and_timeline_show_the_rendered_body(engine: MemoryEngine) -> None:
    # Given a synced template with a body
    _catalogue(engine, "approved")

    # When its follow-up goes out
    sent_one = _queued(engine)

    # Then the follow-up and the conversation carry the body with its parameter filled in
    assert sent_one.rendered is not None
    [name] = sent_one.rendered.params
    body = f"Hi {name}, still thinking about applying?"
    assert sent_one.rendered.body == body
    [line] = conversation(engine.deps, sent_one.contact_id, 10)
    assert line.text == body


class _CountingTemplates:
    """The store's template catalogue, counting how often it is read."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.reads = inner, 0

    def templates(self) -> Any:
        self.reads += 1
        return self.inner.templates()

    def save_templates(self, catalogue: Any, revision: int) -> bool:
        saved: bool = self.inner.save_templates(catalogue, revision)
        return saved


def test_sends_read_the_catalogue_once_per_cache_period(engine: MemoryEngine) -> None:
    # Given a synced catalogue, read through a counter from a cold start
    _catalogue(engine, "approved")
    counting = _CountingTemplates(engine.deps.templates)
    engine.deps.templates = counting
    engine.deps.start_cold()

    # When five follow-ups go out within the cache's period
    for n in range(5):
        assert _queued(engine, f"62811000008{n:02}").status is Status.SENT

    # Then the catalogue was read once for all of them (gate, body and route)
    assert counting.reads == 1


def test_a_held_follow_up_is_not_read_again_by_every_tick(engine: MemoryEngine) -> None:
    # Given a follow-up held for its paused template
    _catalogue(engine, "paused")
    held = _queued(engine)

    # When hours of ticks pass without an approval
    engine.ticks(3, every=timedelta(hours=1))

    # Then no tick handed it to the sender again: it is as it was held
    assert _reread(engine, held) == held
    assert held.wake_at == held.history[-1].at + engine.deps.timings.template_wait
    assert engine.sandbox.sent() == []


def test_an_approval_heard_twice_sends_once(engine: MemoryEngine) -> None:
    _catalogue(engine, "paused")
    held = _queued(engine)

    _approve(engine)
    _approve(engine)
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    _approve(engine)
    engine.tick()

    [sent] = engine.sandbox.sent()
    assert sent.followup_id == held.id
    reasons = [c.reason for c in _reread(engine, held).history]
    assert reasons.count("template_approved") == 1


def test_approving_another_language_of_the_template_releases_nothing(
    engine: MemoryEngine,
) -> None:
    # Given the English template paused, and its Portuguese twin paused too
    engine.sandbox.templates.add("apply_reminder", "pt_BR", BODY, status="paused")
    _catalogue(engine, "paused")
    held = _queued(engine)

    # When Meta approves the Portuguese one
    _approve(engine, language="pt_BR")
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()

    # Then the English follow-up still waits
    assert _reread(engine, held) == held
    assert engine.sandbox.sent() == []


def test_paused_again_before_the_tick_keeps_it_held(engine: MemoryEngine) -> None:
    _catalogue(engine, "paused")
    held = _queued(engine)

    _approve(engine)
    _status(engine, "PAUSED")
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()

    again = _reread(engine, held)
    assert again.status is Status.WAITING_TEMPLATE
    assert again.reason == "waiting_template: template 'apply_reminder' (en) is paused"
    assert again.wake_at == held.wake_at  # the wait still counts from the first hold
    assert engine.sandbox.sent() == []


def test_a_sibling_approved_while_it_waits_releases_it_and_goes_instead(
    engine: MemoryEngine,
) -> None:
    # Given the step's template and its sibling both paused
    engine.sandbox.templates.add("apply_reminder_v2", "en", BODY, status="paused")
    _catalogue(engine, "paused")
    held = _queued(engine, sibling="apply_reminder_v2")
    assert held.status is Status.WAITING_TEMPLATE

    # When the sibling is approved
    _approve(engine, name="apply_reminder_v2")
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()

    # Then the sibling goes out
    [sent] = engine.sandbox.sent()
    assert sent.body is not None
    assert sent.body["template"]["name"] == "apply_reminder_v2"


def test_a_sync_that_finds_the_template_approved_releases_it(engine: MemoryEngine) -> None:
    _catalogue(engine, "paused")
    held = _queued(engine)

    engine.sandbox.templates.add("apply_reminder", "en", BODY)
    report = templates.sync(engine.deps, engine.clock.now())

    assert report.as_dict()["followups_released"] == 1
    assert _reread(engine, held).status is Status.QUEUED
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    assert [s.followup_id for s in engine.sandbox.sent()] == [held.id]


def test_a_reply_cancels_a_follow_up_held_for_its_template(engine: MemoryEngine) -> None:
    # Given a follow-up held for its paused template
    _catalogue(engine, "paused")
    held = _queued(engine)

    # When the lead writes before the template is approved
    engine.clock.advance(timedelta(minutes=5))
    record_inbound(engine.deps, "6281100000401", "still deciding", engine.clock.now())

    # Then it ends canceled and an approval later sends nothing
    ended = _reread(engine, held)
    assert (ended.status, ended.reason) == (Status.CANCELED, "replied")
    _approve(engine)
    engine.tick()
    assert engine.sandbox.sent() == []


def test_deleting_the_rule_cancels_a_follow_up_held_for_its_template(
    engine: MemoryEngine,
) -> None:
    _catalogue(engine, "paused")
    held = _queued(engine)

    assert rules.delete(engine.deps, held.rule_id) == 1

    assert _reread(engine, held).status is Status.CANCELED


def test_meta_s_events_that_are_no_status_leave_it_or_make_the_template_sendable_again(
    engine: MemoryEngine,
) -> None:
    # Given an approved template Meta locks against edits: it can still be sent
    _catalogue(engine, "approved")
    _status(engine, "LOCKED")
    sent = _queued(engine)
    assert sent.status is Status.SENT
    # And a follow-up held while its template was paused
    _status(engine, "PAUSED")
    held = _queued(engine, "6281100000402")
    assert held.status is Status.WAITING_TEMPLATE
    # When Meta reinstates the template, then the follow-up goes back on the queue
    _status(engine, "REINSTATED")
    released = _reread(engine, held)
    assert (released.status, released.reason) == (Status.QUEUED, "template_approved")


def _with_param(**param: Any) -> Any:
    built = rule()
    step = built.steps[0]
    ref = step.template.model_copy(  # type: ignore[union-attr]
        update={"params": [type(step.template.params[0]).model_validate(param)]}  # type: ignore[union-attr]
    )
    return built.model_copy(update={"steps": [step.model_copy(update={"template": ref})]})


def test_a_field_written_on_two_lines_goes_as_one_line_a_missing_one_skips_the_send(
    engine: MemoryEngine,
) -> None:
    # Given a step whose parameter is the lead's programme, with no default
    _catalogue(engine, "approved")
    deps = engine.deps
    deps.rules.save_rule(_with_param(field="attributes.program"))
    now = engine.clock.now()
    written = {"program": "Computer\n Science"}
    two_lines = quiet_contact(deps, "6281100000411", now - timedelta(hours=30), attributes=written)
    lacking = quiet_contact(deps, "6281100000412", now - timedelta(hours=30))
    # When the step goes to a lead whose CRM wrote it on two lines, and to one without it
    going = [send_now(deps, lead.id, "apply-remind-24h") for lead in (two_lines, lacking)]
    engine.drain()
    # Then WhatsApp gets it on one line (it refuses a newline), and nothing empty goes
    [sent] = engine.sandbox.sent()
    assert sent.body is not None
    assert sent.body["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "Computer Science"}
    ]
    skipped = _reread(engine, going[1])
    assert (skipped.status, skipped.reason) == (
        Status.SKIPPED,
        "attribute_missing:attributes.program",
    )


class _SlowSource:
    """360dialog's list as read; Meta's webhook lands after the read, before the write."""

    def __init__(self, inner: Any, meanwhile: Any) -> None:
        self.inner, self.meanwhile = inner, meanwhile

    def fetch_templates(self, at: Any) -> Any:
        fetched = self.inner.fetch_templates(at)
        self.meanwhile()
        return fetched


def test_a_sync_does_not_undo_a_pause_announced_while_it_was_reading(
    engine: MemoryEngine,
) -> None:
    # Given an approved template, and an hourly sync that reads the list just before Meta
    # pauses the template (its webhook lands before the sync writes what it read)
    _catalogue(engine, "approved")
    engine.clock.advance(timedelta(hours=1))

    def paused_meanwhile() -> None:
        engine.clock.advance(timedelta(seconds=1))
        _status(engine, "PAUSED")

    engine.deps.template_source = _SlowSource(engine.deps.template_source, paused_meanwhile)
    templates.sync(engine.deps, engine.clock.now())
    # Then the catalogue keeps the pause, and the step's follow-up waits for the template
    found = templates.catalogue(engine.deps).find("apply_reminder", "en")
    assert found is not None
    assert found.status == "PAUSED"
    assert _queued(engine).status is Status.WAITING_TEMPLATE
    assert engine.sandbox.sent() == []


def test_a_follow_up_held_on_a_cached_read_older_than_the_approval_goes_after_the_next_sync(
    engine: MemoryEngine,
) -> None:
    # Given a paused template that Meta approves again, and a sender whose cached
    # catalogue (another container's, up to a minute old) still says paused
    _catalogue(engine, "paused")
    stale = templates.catalogue(engine.deps)
    _approve(engine)
    catalog = engine.deps.catalog
    fresh = catalog.templates
    catalog.templates = lambda: stale  # type: ignore[method-assign]
    held = _queued(engine)
    catalog.templates = fresh  # type: ignore[method-assign]
    assert held.status is Status.WAITING_TEMPLATE
    # When the hourly sync finds it approved, as it has been all along
    engine.clock.advance(timedelta(hours=1))
    report = templates.sync(engine.deps, engine.clock.now())
    assert report.as_dict()["followups_released"] == 1
    engine.tick()
    # Then the follow-up goes at that tick, not when its 72 h wait is over
    assert [s.followup_id for s in engine.sandbox.sent()] == [held.id]


def test_a_template_with_named_placeholders_goes_with_each_parameter_s_name(
    engine: MemoryEngine,
) -> None:
    # Given a template written with a named placeholder, as Meta now lets businesses write
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{first_name}}, still applying?")
    templates.sync(engine.deps, engine.clock.now())
    # When its step goes to a lead
    sent = _queued(engine)
    # Then WhatsApp takes it: the parameter carries the name it fills
    assert sent.status is Status.SENT
    [request] = engine.sandbox.sent()
    assert request.body is not None
    assert request.body["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "Rudi", "parameter_name": "first_name"}
    ]
    assert sent.rendered is not None
    assert sent.rendered.body == "Hi Rudi, still applying?"


def test_a_refusal_heard_after_the_template_s_approval_leaves_it_approved(
    engine: MemoryEngine,
) -> None:
    # Given a send refused as paused (132015) whose answer comes after Meta's webhook
    # approved the template again
    _catalogue(engine, "approved")
    sent_at = engine.clock.now()
    engine.clock.advance(timedelta(seconds=2))
    _approve(engine)

    # When the sender tells the catalogue what the refusal said
    told = templates.refused_by_whatsapp(
        engine.deps, "apply_reminder", "en", "PAUSED", "WhatsApp error 132015", sent_at
    )

    # Then the newer word stands: the template may still be sent
    assert told
    found = templates.catalogue(engine.deps).find("apply_reminder", "en")
    assert found is not None
    assert found.status == "APPROVED"
    # And a refusal heard before any newer word pauses it
    assert templates.refused_by_whatsapp(
        engine.deps, "apply_reminder", "en", "PAUSED", "WhatsApp error 132015", engine.clock.now()
    )
    paused = templates.catalogue(engine.deps).find("apply_reminder", "en")
    assert paused is not None
    assert (paused.status, paused.reason) == ("PAUSED", "WhatsApp error 132015")
