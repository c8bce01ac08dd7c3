"""Invariant 8: a pause stops sends in every warm container within seconds, and a provider
error that means "stop sending from this number" pauses and holds the queue, failing nothing."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters

from followup.adapters import tables
from followup.adapters.tables import StateItem
from followup.domain.contact import Contact
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import FollowUp, Status
from followup.services.deps import Deps
from followup.wiring import runtime
from followup.wiring.config import SECRETS_NAME, Config
from followup_local.engine import LOCAL_API_KEY, REGION, LocalEngine
from followup_local.envelopes import BUSINESS_NUMBER
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.sender import send_batch
from tests.support.webhook import payload, post

HOUR = timedelta(hours=1)
FIVE_SECONDS = timedelta(seconds=5)
NUMBER = BUSINESS_NUMBER["phone_number_id"]


@contextmanager
def container(engine: LocalEngine, deps: Deps) -> Iterator[None]:
    """Run the handlers on `deps`, as another warm Lambda container over the same tables."""
    runtime.install(deps, engine.config)
    try:
        yield
    finally:
        runtime.install(engine.deps, engine.config)


class StateReads:
    """Counts the items read from the state table (settings, numbers), as billed."""

    def __init__(self) -> None:
        self.items = 0
        client = tables.client()
        client.meta.events.register("after-call.dynamodb", self)

    def __call__(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        table = StateItem.Meta.table_name
        if model.name == "GetItem" and parsed.get("Item", {}).get("key"):
            key = parsed["Item"]["key"]["S"]
            self.items += key in ("settings", "numbers")
        elif model.name == "BatchGetItem":
            self.items += len(parsed.get("Responses", {}).get(table, []))


def quiet_leads(engine: LocalEngine, count: int) -> list[Contact]:
    engine.deps.rules.save_rule(rule())
    since = engine.clock.now() - 25 * HOUR
    return [quiet_contact(engine.deps, f"62811000009{n:02d}", since) for n in range(count)]


def followups(engine: LocalEngine, leads: list[Contact]) -> list[FollowUp]:
    return [f for lead in leads for f in engine.deps.followups.followups_of(lead.id)]


def sent_to(engine: LocalEngine) -> list[str]:
    return sorted(str(request.body["to"]) for request in engine.sandbox.sent() if request.body)


def pause_through_the_api(engine: LocalEngine) -> None:
    status, settings = call(engine, "GET", "/api/settings")
    assert status == 200
    assert call(engine, "PUT", "/api/settings", {**settings, "paused": True})[0] == 200


def resume_through_the_api(engine: LocalEngine) -> None:
    settings = call(engine, "GET", "/api/settings")[1]
    assert call(engine, "PUT", "/api/settings", {**settings, "paused": False})[0] == 200


def pause_through_the_webhook(engine: LocalEngine) -> None:
    assert post(engine, payload("quality-flagged.json"))["statusCode"] == 200


def resume_the_number(engine: LocalEngine) -> None:
    assert call(engine, "POST", f"/api/numbers/{NUMBER}/resume")[0] == 200


def test_a_quality_report_delivered_again_after_the_number_was_resumed_changes_nothing(
    engine: LocalEngine,
) -> None:
    # Given a number WhatsApp flagged, which paused it, and an admin who then resumed it
    flagged = payload("quality-flagged.json")
    flagged["entry"][0]["time"] = int(engine.clock.now().timestamp())
    assert post(engine, flagged)["statusCode"] == 200
    engine.clock.advance(timedelta(hours=2))
    resume_the_number(engine)
    # When Meta delivers the very same report again (its first answer was lost)
    engine.clock.advance(timedelta(minutes=30))
    answered = post(engine, flagged)
    # Then it is counted late, and the number stays resumed
    assert answered["statusCode"] == 200
    numbers = call(engine, "GET", "/api/numbers")[1]["numbers"]
    assert [n["paused"] for n in numbers if n["phone_number_id"] == NUMBER] == [False]
    # And a report Meta dates after the resume pauses it again
    flagged["entry"][0]["time"] = int(engine.clock.now().timestamp())
    assert post(engine, flagged)["statusCode"] == 200
    numbers = call(engine, "GET", "/api/numbers")[1]["numbers"]
    assert [n["paused"] for n in numbers if n["phone_number_id"] == NUMBER] == [True]


@pytest.mark.parametrize(
    ("pause", "resume"),
    [
        (pause_through_the_api, resume_through_the_api),
        (pause_through_the_webhook, resume_the_number),
    ],
)
def test_a_pause_stops_another_warm_container_within_five_seconds(
    engine: LocalEngine,
    pause: Callable[[LocalEngine], None],
    resume: Callable[[LocalEngine], None],
) -> None:
    # Given twelve due follow-ups, handed to SQS by a second, warm container
    leads = quiet_leads(engine, 12)
    engine.scheduled("enqueue")
    warm = runtime.build(engine.config, engine.clock)
    with container(engine, warm):
        assert engine.scheduled("dispatch")["dispatched"] == 12
    # When sending is paused through the first container
    pause(engine)
    engine.clock.advance(FIVE_SECONDS)
    # Then five seconds later the warm container sends none of them and dispatches nothing
    reads = StateReads()
    with container(engine, warm):
        engine.drain()
        assert engine.scheduled("dispatch") == {"dispatched": 0, "paused": True, "released": 0}
    assert engine.sandbox.requests == []
    held = followups(engine, leads)
    assert [f.status for f in held] == [Status.QUEUED] * 12
    assert all(f.reason and "paused" in f.reason for f in held)
    # ... and it learnt of the pause with one read for both batches, not one per send
    assert reads.items <= 2
    # ... and the queue gives the app a code for that reason beside its English text
    _, page = call(engine, "GET", "/api/queue?status=queued")
    assert {row["reason_code"] for row in page["followups"]} == {"held"}
    # When sending resumes, each goes out exactly once
    resume(engine)
    engine.tick()
    assert sent_to(engine) == sorted(str(lead.wa_id) for lead in leads)
    assert {f.status for f in followups(engine, leads)} == {Status.SENT}


@pytest.mark.parametrize(
    ("http_status", "code", "words"),
    [(400, 131048, "spam"), (403, 368, "policy"), (403, 131031, "locked"), (400, 131042, "pay")],
)
def test_an_error_that_stops_the_number_pauses_it_and_holds_the_queue(
    engine: LocalEngine, http_status: int, code: int, words: str
) -> None:
    # Given three due leads, and WhatsApp refusing the number with `code`
    leads = quiet_leads(engine, 3)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    engine.sandbox.fail_next(status=http_status, code=code)
    # When the sender meets the error on the first, then takes the others
    metrics = send_batch(engine, 1)
    engine.drain()
    # Then it raises the alarm's metric and pauses the number, with the reason in the API
    assert metrics.get("send_paused") == 1
    status, listed = call(engine, "GET", "/api/numbers", role="counselor")
    [number] = listed["numbers"]
    assert (status, number["phone_number_id"], number["paused"]) == (200, NUMBER, True)
    assert str(code) in number["paused_reason"]
    assert words in number["paused_reason"].lower()
    # ... fails nothing, ends no sequence, and holds every follow-up with a visible reason
    held = followups(engine, leads)
    assert [f.status for f in held] == [Status.QUEUED] * 3
    assert all(f.reason and "paused" in f.reason for f in held)
    enrollments = [e.item for lead in leads for e in engine.deps.followups.enrollments_of(lead.id)]
    assert [e.state for e in enrollments] == [EnrollmentState.ACTIVE] * 3
    # ... and later ticks neither send nor hand anything to SQS
    engine.clock.advance(HOUR)
    report = engine.tick()
    assert report["dispatch"] == {"dispatched": 0, "paused": True, "released": 0}
    assert len(engine.sandbox.requests) == 1
    # When an admin resumes the number, each follow-up goes out exactly once
    resume_the_number(engine)
    engine.tick()
    assert sent_to(engine) == sorted(str(lead.wa_id) for lead in leads)
    assert {f.status for f in followups(engine, leads)} == {Status.SENT}


@pytest.fixture
def own_secrets_client() -> Iterator[None]:
    """Powertools keeps one Secrets Manager client, bound to a region, for the process."""
    parameters.clear_caches()  # type: ignore[no-untyped-call]
    yield
    parameters.clear_caches()  # type: ignore[no-untyped-call]


@pytest.mark.usefixtures("own_secrets_client")
def test_a_refused_api_key_pauses_the_workspace_and_fails_nothing(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five due leads, and a container whose key (from the secret) 360dialog refuses
    leads = quiet_leads(engine, 5)
    sender = refused_key_container(engine, monkeypatch)
    # When ticks run there
    with container(engine, sender):
        engine.tick()
        engine.clock.advance(HOUR)
        engine.tick()
    # Then the workspace is paused with the reason in the settings, and nothing failed
    status, settings = call(engine, "GET", "/api/settings", role="counselor")
    assert (status, settings["paused"]) == (200, True)
    assert "API key" in settings["paused_reason"]
    refused = len(engine.sandbox.requests)
    assert refused >= 1
    assert engine.sandbox.sent() == []
    held = followups(engine, leads)
    assert [f.status for f in held] == [Status.QUEUED] * 5
    assert all(f.reason and "API key" in f.reason for f in held)
    enrollments = [e.item for lead in leads for e in engine.deps.followups.enrollments_of(lead.id)]
    assert [e.state for e in enrollments] == [EnrollmentState.ACTIVE] * 5
    # When the key is fixed in the secret and an admin resumes, each goes out exactly once
    boto3.client("secretsmanager", region_name=REGION).put_secret_value(
        SecretId=os.environ[SECRETS_NAME], SecretString=json.dumps({"D360_API_KEY": LOCAL_API_KEY})
    )
    resume_through_the_api(engine)
    settings = call(engine, "GET", "/api/settings")[1]
    assert (settings["paused"], settings["paused_reason"]) == (False, None)
    engine.clock.advance(FIVE_SECONDS)  # a resume, too, reaches a warm container this fast
    with container(engine, sender):
        engine.tick()
        engine.tick()
    assert sent_to(engine) == sorted(str(lead.wa_id) for lead in leads)
    assert {f.status for f in followups(engine, leads)} == {Status.SENT}


def refused_key_container(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> Deps:
    """A container whose key (from a secret of its own, named in `SECRETS_NAME` for the
    test to rewrite) 360dialog refuses."""
    secrets = boto3.client("secretsmanager", region_name=REGION)
    name = f"followup/test/{uuid.uuid4().hex}"
    secrets.create_secret(Name=name, SecretString=json.dumps({"D360_API_KEY": "rotated-away"}))
    monkeypatch.setenv(SECRETS_NAME, name)
    config = Config.model_validate(
        {
            "FOLLOWUP_SEND_QUEUE_URL": engine.queue_url,
            "D360_BASE_URL": engine.sandbox.base_url,
            "D360_NUMBER": BUSINESS_NUMBER["display_phone_number"],
            "D360_PHONE_NUMBER_ID": NUMBER,
        }
    )
    return runtime.build(config, engine.clock)


def secret_unreadable() -> None:
    """The secret rewritten as something that is not JSON: the new key pasted alone."""
    secrets = boto3.client("secretsmanager", region_name=REGION)
    secrets.put_secret_value(SecretId=os.environ[SECRETS_NAME], SecretString=LOCAL_API_KEY)


@pytest.mark.usefixtures("own_secrets_client")
def test_a_refused_key_whose_secret_cannot_be_read_again_still_pauses_and_fails_nothing(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given three follow-ups planned, a container whose key 360dialog refuses, and the
    # secret then rewritten as no valid secret
    leads = quiet_leads(engine, 3)
    sender = refused_key_container(engine, monkeypatch)
    with container(engine, sender):
        engine.scheduled("enqueue")
    secret_unreadable()
    # When they are handed to the sender there
    with container(engine, sender):
        engine.scheduled("dispatch")
        engine.drain()
    # Then the refusal is what the marketer is told: the workspace is paused for the key,
    # and the follow-ups wait, queued, none left sending as if it might have gone
    settings = call(engine, "GET", "/api/settings", role="counselor")[1]
    assert (settings["paused"], "API key" in settings["paused_reason"]) == (True, True)
    assert engine.sandbox.sent() == []
    held = followups(engine, leads)
    assert [f.status for f in held] == [Status.QUEUED] * 3
    assert all(f.reason and "API key" in f.reason for f in held)


@pytest.mark.usefixtures("own_secrets_client")
def test_a_refused_key_whose_secret_cannot_be_read_again_still_lets_the_tick_plan(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a due lead, a container whose key 360dialog refuses, and its secret no valid
    # secret any more
    [lead] = quiet_leads(engine, 1)
    sender = refused_key_container(engine, monkeypatch)
    secret_unreadable()
    # When the enqueue tick runs there (its template sync refused)
    with container(engine, sender):
        report = engine.scheduled("enqueue")
    # Then the sync failed as any refused sync does, and the lead's follow-up was planned
    assert report["templates_sync_failed"] == 1
    assert [f.status for f in engine.deps.followups.followups_of(lead.id)] == [Status.QUEUED]


def test_a_failed_status_that_means_stop_sending_pauses_the_number_too(
    engine: LocalEngine,
) -> None:
    # Given two due leads, and the first follow-up accepted by WhatsApp
    leads = quiet_leads(engine, 2)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    send_batch(engine, 1)
    [sent] = [f for f in followups(engine, leads) if f.status is Status.SENT]
    # When WhatsApp reports later, in a status webhook, that it refused it for spam (131048)
    failed = payload("status-failed-131050.json")
    [status] = failed["entry"][0]["changes"][0]["value"]["statuses"]
    status.update(id=sent.provider_message_id, biz_opaque_callback_data=sent.id)
    status["timestamp"] = str(int(engine.clock.now().timestamp()))
    status["errors"] = [{"code": 131048, "title": "Spam rate limit hit"}]
    response = post(engine, failed)
    # Then that follow-up failed and the number is paused, with the reason in the API
    assert response["statusCode"] == 200
    failed_now = engine.deps.followups.followup(sent.id)
    assert failed_now is not None
    assert failed_now.status is Status.FAILED
    [number] = call(engine, "GET", "/api/numbers")[1]["numbers"]
    assert number["paused"]
    assert "131048" in number["paused_reason"]
    # ... and the other lead's follow-up is held, not sent, until an admin resumes
    engine.drain()
    engine.clock.advance(HOUR)
    engine.tick()
    first = engine.deps.contacts.contact(sent.contact_id)
    assert first is not None
    assert sent_to(engine) == [first.item.wa_id]
    resume_the_number(engine)
    engine.tick()
    assert sent_to(engine) == sorted(str(lead.wa_id) for lead in leads)
