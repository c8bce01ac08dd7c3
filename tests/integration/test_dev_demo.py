"""The demo `followup dev` seeds: something goes out at the first tick, whatever the hour."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import SecretStr

from followup.wiring import ai
from followup_local import envelopes
from followup_local.cli import parser
from followup_local.demo import DemoClock, seed_demo
from followup_local.devstack import LOCAL_MODEL_KEY
from followup_local.engine import local_engine
from followup_local.fake_anthropic import LABEL, FakeAnthropic
from tests.support.api import call

JAKARTA = timezone(timedelta(hours=7))
SUNDAY_9PM_JAKARTA = datetime(2026, 11, 29, 21, 0, tzinfo=JAKARTA)
NEW_YEARS_DAY_3AM_JAKARTA = datetime(2027, 1, 1, 3, 0, tzinfo=JAKARTA)


@pytest.mark.parametrize("start", [SUNDAY_9PM_JAKARTA, NEW_YEARS_DAY_3AM_JAKARTA])
def test_the_first_tick_of_the_demo_sends_on_a_sunday_night_and_a_holiday(
    start: datetime,
) -> None:
    with local_engine(start) as engine:
        seed_demo(engine.deps, engine.sandbox, 40, engine.clock.now())
        report = engine.tick()
        sent = [r for r in engine.sandbox.sent() if r.body is not None]
        reasons = Counter(report["enqueue"]["reasons"])
    # The real policy code lets demo follow-ups out at once...
    assert len(sent) >= 10
    assert report["dispatch"]["dispatched"] == len(sent)
    # ...and score gating, which holds back hot leads, meets at most the demo's one
    assert reasons["hot_contact"] <= 1


def test_without_a_key_the_demo_writes_with_the_local_model_in_each_leads_language() -> None:
    with local_engine(SUNDAY_9PM_JAKARTA) as engine, FakeAnthropic(LOCAL_MODEL_KEY) as fake:
        local = {
            "anthropic_api_key": SecretStr(LOCAL_MODEL_KEY),
            "anthropic_base_url": fake.base_url,
        }
        engine.deps.writer = ai.writer(engine.config.model_copy(update=local))
        seed_demo(engine.deps, engine.sandbox, 40, engine.clock.now())
        engine.tick()
        sent = [r.body for r in engine.sandbox.sent() if r.body is not None]
    written = [
        (body["to"], param["text"])
        for body in sent
        for component in body.get("template", {}).get("components", [])
        for param in component.get("parameters", [])
        if param.get("text", "").startswith(LABEL)
    ] + [
        (body["to"], body["text"]["body"])
        for body in sent
        if body.get("text", {}).get("body", "").startswith(LABEL)
    ]
    # Indonesian, the demo workspace's language, to the leads in Indonesia; Portuguese to
    # those in Brazil and Portugal, whose `language` attribute says so
    indonesian = {text for to, text in written if to.startswith("62")}
    portuguese = {text for to, text in written if to.startswith(("55", "351"))}
    assert indonesian
    assert portuguese
    assert all("Anda" in text for text in indonesian)
    assert all("você" in text for text in portuguese)


def test_the_demo_follows_up_a_busy_reply_after_five_minutes() -> None:
    with local_engine(SUNDAY_9PM_JAKARTA) as engine:
        seed_demo(engine.deps, engine.sandbox, 10, engine.clock.now())
        engine.tick()
        before = len(engine.sandbox.sent())
        lead, now = "6281299990001", engine.clock.now()
        engine.sandbox.record_inbound(lead, now)
        assert engine.deliver(envelopes.text_message(lead, "lagi sibuk", now, "wamid.D1")) == 200
        engine.clock.advance(timedelta(minutes=5))
        engine.tick()
        sent = [r.body for r in engine.sandbox.sent()[before:] if r.body is not None]
    assert [body["to"] for body in sent] == [lead]
    assert sent[0]["text"]["body"].startswith("Siap")


def test_the_demo_clock_starts_at_the_instant_given_and_runs_forward() -> None:
    clock = DemoClock(SUNDAY_9PM_JAKARTA)
    first = clock.now()
    assert first >= SUNDAY_9PM_JAKARTA
    assert first.astimezone(JAKARTA).strftime("%a %H") == "Sun 21"
    assert clock.now() >= first


def test_a_demo_clock_without_its_utc_offset_is_refused_with_an_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parser().parse_args(["dev", "--clock", "2026-11-29T21:00"])
    assert stopped.value.code == 2
    assert "2026-11-29T21:00:00+07:00" in capsys.readouterr().err
    given = parser().parse_args(["dev", "--clock", "2026-11-29T21:00:00+07:00"]).clock
    assert given == SUNDAY_9PM_JAKARTA


def test_the_demo_s_templates_are_in_the_sandbox_catalogue_and_synced_at_the_first_tick() -> None:
    with local_engine(SUNDAY_9PM_JAKARTA) as engine:
        seed_demo(engine.deps, engine.sandbox, 10, engine.clock.now())
        report = engine.tick()
        listed = call(engine, "GET", "/api/templates")[1]["templates"]
        sent = [r.body for r in engine.sandbox.sent() if r.body is not None]
    assert report["enqueue"]["templates"] == len(listed) > 0
    assert {t["status"] for t in listed} == {"APPROVED"}
    names = {t["name"] for t in listed}
    assert {body["template"]["name"] for body in sent if "template" in body} <= names
