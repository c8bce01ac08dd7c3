"""What the on-call hears about: each outage the handlers can only report through a metric
(a webhook answering 500 or 503 to every delivery, a number paused for its quality) trips
an alarm of the deployed stack, and what is normal (an expired sign-in reconnecting to the
live feed, a status ahead of its send, a template that stays RED) does not page again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from followup.domain.followup import Status
from followup.services import webhook
from followup_local.engine import LocalEngine
from followup_local.envelopes import BUSINESS_NUMBER, text_message
from functions.enqueue import handler as enqueue_handler
from functions.webhook import handler as webhook_handler
from tests.infra.conftest import Synth, synth
from tests.integration.test_realtime import connect_event
from tests.support.builders import quiet_contact, rule
from tests.support.cognito import token
from tests.support.numbers import flagged

HOUR = timedelta(hours=1)


def _alarms(s: Synth) -> list[dict[str, Any]]:
    return [a["Properties"] for a in s.resources("AWS::CloudWatch::Alarm").values()]


def _alarms_on(s: Synth, service: str, names: set[str]) -> list[dict[str, Any]]:
    """The alarms watching one of `names`, the engine's own metrics of `service`."""
    return [
        a
        for a in _alarms(s)
        if a.get("Namespace") == "FollowUp"
        and a.get("Dimensions") == [{"Name": "service", "Value": service}]
        and a.get("MetricName") in names
    ]


def _trips(alarm: dict[str, Any], count: float) -> bool:
    """Whether `count` in one period of `alarm` puts it in ALARM."""
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"], "an alarm that notifies nobody"
    threshold: float = alarm["Threshold"]
    return count >= threshold


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The stack `cdk deploy` creates, with its alarms."""
    return synth(Path(tmp_path_factory.mktemp("alarms")))


@pytest.fixture
def emitted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The metric names the webhook handler emits, one entry a data point."""
    names: list[str] = []
    add = webhook_handler.metrics.add_metric

    def counted(name: str, **kwargs: Any) -> None:
        names.append(name)
        add(name=name, **kwargs)

    monkeypatch.setattr(webhook_handler.metrics, "add_metric", counted)
    return names


def test_a_webhook_failing_every_delivery_raises_an_alarm(
    engine: LocalEngine, dev: Synth, emitted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the webhook cannot write (a grant missing after a deploy): every delivery fails
    def refused(*_: Any, **__: Any) -> Any:
        error = {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}
        raise ClientError(error, "TransactWriteItems")

    monkeypatch.setattr(webhook, "apply", refused)
    # When five minutes of replies and opt-outs arrive, one delivery a minute
    statuses = [
        engine.deliver(text_message("6281100000001", "STOP", engine.clock.now(), f"wamid.a{n}"))
        for n in range(5)
    ]
    # Then each answers 500 (360dialog delivers again), and an alarm tells the on-call
    assert statuses == [500] * 5
    alarms = _alarms_on(dev, "webhook", set(emitted))
    assert any(_trips(a, emitted.count(a["MetricName"])) for a in alarms), (
        f"5 failed deliveries emit {sorted(set(emitted))}; no alarm on them trips"
    )


def test_one_failed_delivery_that_360dialog_delivers_again_does_not_page(
    engine: LocalEngine, dev: Synth, emitted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given DynamoDB refuses one write, once
    original = webhook.apply
    failures = iter([True])

    def once(*args: Any, **kwargs: Any) -> Any:
        if next(failures, False):
            raise ClientError({"Error": {"Code": "InternalServerError"}}, "TransactWriteItems")
        return original(*args, **kwargs)

    monkeypatch.setattr(webhook, "apply", once)
    delivery = text_message("6281100000004", "hello", engine.clock.now(), "wamid.c1")
    # When 360dialog delivers the reply, is told 500, and delivers it again
    assert [engine.deliver(delivery), engine.deliver(delivery)] == [500, 200]
    # Then nobody is paged for it
    alarms = _alarms_on(dev, "webhook", set(emitted))
    assert not any(_trips(a, emitted.count(a["MetricName"])) for a in alarms)


def test_a_webhook_refusing_every_delivery_for_a_missing_header_secret_raises_an_alarm(
    engine: LocalEngine, dev: Synth, emitted: list[str]
) -> None:
    # Given the deploy set `webhook_header_name` and the operator has not yet put
    # WEBHOOK_HEADER_SECRET in the secret
    engine.configure(webhook_header_name="X-Followup-Token")
    # When the first delivery arrives
    status = engine.deliver(text_message("6281100000002", "STOP", engine.clock.now(), "wamid.b"))
    # Then it is refused with 503, and that very first refusal raises an alarm
    assert status == 503
    alarms = _alarms_on(dev, "webhook", set(emitted))
    assert any(_trips(a, emitted.count(a["MetricName"])) for a in alarms), (
        f"a refused delivery emits {sorted(set(emitted))}; no alarm on them trips"
    )


def test_statuses_ahead_of_their_sends_are_retried_without_paging(
    engine: LocalEngine, dev: Synth, emitted: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a busy five minutes in which many delivery reports overtake their sends' records
    def early(*_: Any, **__: Any) -> webhook.Applied:
        return webhook.Applied(Counter(status_early=1), 0.0)

    monkeypatch.setattr(webhook, "apply", early)
    statuses = [
        engine.deliver(text_message("6281100000005", "hi", engine.clock.now(), f"wamid.d{n}"))
        for n in range(30)
    ]
    # Then each is answered 503 for 360dialog to deliver it again, and nobody is paged
    assert statuses == [503] * 30
    alarms = _alarms_on(dev, "webhook", set(emitted))
    assert not any(_trips(a, emitted.count(a["MetricName"])) for a in alarms), (
        f"{sorted(set(emitted))} page the on-call"
    )


def test_a_number_paused_for_its_quality_raises_an_alarm(
    engine: LocalEngine, dev: Synth, emitted: list[str]
) -> None:
    # Given WhatsApp flags the (only) sending number
    assert engine.deliver(flagged(BUSINESS_NUMBER)) == 200
    assert engine.deps.catalog.sending_paused(BUSINESS_NUMBER["phone_number_id"]) is not None
    # Then nothing more goes out until an admin resumes it...
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000003", engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.drain()
    [held] = engine.deps.followups.followups_of(lead.id)
    assert held.status is Status.QUEUED
    assert engine.sandbox.sent() == []
    # ...and, as with every other pause, an alarm tells the on-call
    alarms = _alarms_on(dev, "webhook", set(emitted))
    assert any(_trips(a, emitted.count(a["MetricName"])) for a in alarms), (
        f"the quality pause emits {sorted(set(emitted))}; no alarm on them trips"
    )


def test_an_expired_sign_in_on_the_live_feed_does_not_trip_an_alarm(
    engine: LocalEngine, issuer: str, dev: Synth
) -> None:
    # Given a staff tab left open past its ID token's hour: the app reconnects the feed
    # every 30 s with the token it holds
    expired = token(issuer, exp=1_700_000_100)
    answers: list[dict[str, Any]] = []
    failed_invocations = 0
    for _ in range(10):  # five minutes of reconnects
        try:
            answers.append(engine.invoke("ws_authorizer", connect_event(expired)))
        except Exception:  # an exception out of the handler is a Lambda error
            failed_invocations += 1
    # Then each connection is refused...
    assert [a["policyDocument"]["Statement"][0]["Effect"] for a in answers] == ["Deny"] * 10
    # ...as an answer, not a failure of the function, so its error alarm stays quiet
    [errors] = [
        a
        for a in _alarms(dev)
        if a.get("MetricName") == "Errors"
        and a.get("Dimensions")
        == [
            {
                "Name": "FunctionName",
                "Value": {
                    "Ref": dev.stack.get_logical_id(
                        dev.stack.functions["ws_authorizer"].node.default_child
                    )
                },
            }
        ]
    ]
    assert not _trips(errors, failed_invocations)


def test_a_template_that_stays_red_alarms_once_not_at_every_sync(
    engine: LocalEngine, dev: Synth, monkeypatch: pytest.MonkeyPatch
) -> None:
    datapoints: list[tuple[str, float]] = []
    monkeypatch.setattr(
        enqueue_handler.metrics,
        "add_metric",
        lambda name, value=1, **_: datapoints.append((name, value)),
    )
    # Given Meta rated one marketing template RED (a state that lasts days or weeks)
    engine.sandbox.templates.add("spring_promo", "en", "Promo {{1}}", quality="RED")
    # When a day of hourly ticks syncs the catalogue, nothing about the template changing
    tripped = 0
    for _ in range(24):
        datapoints.clear()
        engine.scheduled("enqueue")
        alarms = _alarms_on(dev, "enqueue", {name for name, _ in datapoints})
        tripped += any(
            _trips(a, sum(v for name, v in datapoints if name == a["MetricName"]))
            for a in alarms
            if a["Period"] < 60 * 60 and "template" in a["MetricName"]
        )
        engine.clock.advance(HOUR)
    # Then the alarm went off with the sync that found it RED, and not again
    assert tripped == 1, f"the template alarm trips {tripped} times in a day"
