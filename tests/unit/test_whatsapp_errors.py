"""What the sender does after each WhatsApp failure, and what the queue shows for it."""

from __future__ import annotations

import pytest

from followup.domain.whatsapp import Disposition, ProviderRejected, classify

PERMANENT, PAUSE, RETRY = Disposition.PERMANENT, Disposition.PAUSE, Disposition.RETRY


@pytest.mark.parametrize(
    ("http_status", "code", "disposition", "words"),
    [
        (400, 131047, Disposition.TEMPLATE_INSTEAD, "24-hour window"),
        (400, 470, Disposition.TEMPLATE_INSTEAD, "24-hour window"),
        (400, 131026, PERMANENT, "not on WhatsApp"),
        (400, 131049, Disposition.RETRY_AFTER_24H, "24 hours"),
        (400, 131050, PERMANENT, "stopped marketing"),
        (429, 131056, Disposition.THROTTLED, "this contact"),
        (429, 130429, Disposition.THROTTLED, "throughput"),
        (400, 4, Disposition.THROTTLED, "too many API calls"),
        (400, 80007, Disposition.THROTTLED, "Business Account's rate limit"),
        (400, 131048, PAUSE, "quality"),
        (403, 368, PAUSE, "policy"),
        (403, 131031, PAUSE, "locked"),
        (400, 131042, PAUSE, "billing"),
        (400, 133010, PAUSE, "not registered"),
        (500, 131045, PAUSE, "registration"),
        (400, 130472, Disposition.SKIP, "experiment"),
        (400, 132015, Disposition.TEMPLATE_REFUSED, "template is paused"),
        (400, 132016, Disposition.TEMPLATE_REFUSED, "template is disabled"),
    ],
)
def test_each_known_code_gets_its_disposition_and_a_readable_reason(
    http_status: int, code: int, disposition: Disposition, words: str
) -> None:
    # Given an error code from the table in WHATSAPP.md
    # When it is classified
    failure = classify(http_status, code, title="Some provider title")
    # Then the sender knows what to do and an operator can read why, code included
    assert failure.disposition is disposition
    assert words in failure.reason
    assert str(code) in failure.reason
    assert (failure.code, failure.http_status) == (code, http_status)


def test_a_known_code_in_a_failed_status_webhook_is_classified_without_http_status() -> None:
    # Given a `failed` status webhook (no HTTP exchange) carrying 131047
    failure = classify(None, 131047)
    # Then the follow-up is not retried with free text
    assert failure.disposition is Disposition.TEMPLATE_INSTEAD
    assert "approved template" in failure.reason


@pytest.mark.parametrize(("http_status", "code"), [(401, 190), (401, None), (403, 190), (400, 0)])
def test_a_refused_api_key_pauses_the_workspace(http_status: int, code: int | None) -> None:
    # Given 360dialog refusing our key (a wrong or rotated one)
    failure = classify(http_status, code, title="Invalid API key")
    # Then everything stops until the key is fixed: no follow-up is failed for it
    assert failure.disposition is Disposition.PAUSE_WORKSPACE
    assert "API key was refused" in failure.reason
    assert f"HTTP {http_status}" in failure.reason


def test_a_rate_limit_without_a_known_code_is_throttling_not_a_failed_attempt() -> None:
    failure = classify(429, None, title="Too Many Requests")
    assert failure.disposition is Disposition.THROTTLED
    assert "HTTP 429" in failure.reason


@pytest.mark.parametrize("http_status", [500, 502, 503, 504])
def test_busy_or_failing_provider_without_a_known_code_is_retried(http_status: int) -> None:
    failure = classify(http_status, None, title="Service Unavailable")
    assert failure.disposition is RETRY
    assert f"HTTP {http_status}" in failure.reason
    assert "Service Unavailable" in failure.reason


def test_a_server_error_with_an_unknown_code_is_still_retried() -> None:
    failure = classify(500, 1, title="An unknown error occurred")
    assert failure.disposition is RETRY
    assert "code 1" in failure.reason


def test_a_connection_that_never_opened_is_retried() -> None:
    # Given the request never left (connection refused)
    failure = classify(None, None, detail="ConnectError: [Errno 111] Connection refused")
    # Then it is safe to retry, and the queue says nothing was sent
    assert failure.disposition is RETRY
    assert "nothing was sent" in failure.reason
    assert "Connection refused" in failure.reason


def test_an_unknown_client_error_is_permanent_and_keeps_the_providers_words() -> None:
    failure = classify(400, 132001, title="Template name does not exist", detail="hello_v9 (id)")
    assert failure.disposition is PERMANENT
    assert failure.reason == (
        "WhatsApp refused the message (HTTP 400, code 132001): "
        "Template name does not exist - hello_v9 (id)"
    )
    assert failure.title == "Template name does not exist"


def test_a_client_error_without_any_explanation_still_reads_as_a_sentence() -> None:
    failure = classify(404, None)
    assert failure.disposition is PERMANENT
    assert failure.reason == "WhatsApp refused the message (HTTP 404)"


def test_provider_rejected_carries_the_failure_and_shows_its_reason() -> None:
    failure = classify(400, 131026)
    error = ProviderRejected(failure)
    assert error.failure is failure
    assert str(error) == failure.reason
