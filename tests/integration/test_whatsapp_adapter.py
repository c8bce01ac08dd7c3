"""The real 360dialog client against the local WhatsApp sandbox, over real sockets."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from followup.adapters.whatsapp import D360Client
from followup.domain.followup import RenderedMessage
from followup.domain.whatsapp import Disposition, OutboundMessage, OutcomeUnknown, ProviderRejected
from followup_local.sandbox import WhatsAppSandbox
from tests.support.hooks import serving

KEY = "sandbox-key-do-not-leak"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LEAD = "6281234567890"


def text(body: str = "Hi Sari, still keen on the course?", to: str = LEAD) -> OutboundMessage:
    return OutboundMessage(to, RenderedMessage(kind="text", text=body), callback_data="fu-1")


def template(*params: str, to: str = LEAD, followup_id: str = "fu-2") -> OutboundMessage:
    message = RenderedMessage(
        kind="template", template_name="checking_in", language="id", params=list(params)
    )
    return OutboundMessage(to, message, callback_data=followup_id)


@pytest.fixture
def sandbox() -> Iterator[WhatsAppSandbox]:
    with WhatsAppSandbox(KEY, clock=lambda: NOW) as running:
        running.record_inbound(LEAD, NOW - timedelta(hours=2))
        yield running


@pytest.fixture
def client(sandbox: WhatsAppSandbox) -> Iterator[D360Client]:
    # A generous timeout: a busy machine must not turn a slow answer into a lost one.
    with D360Client(sandbox.base_url, KEY, timeout=30.0) as d360:
        yield d360


def rejection(client: D360Client, outbound: OutboundMessage) -> ProviderRejected:
    with pytest.raises(ProviderRejected) as raised:
        client.send(outbound)
    return raised.value


def test_a_text_goes_out_in_the_wire_format_and_returns_the_wamid(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    # Given a lead who wrote two hours ago
    # When we send free text
    wamid = client.send(text())
    # Then 360dialog got exactly the documented body, and we keep its wamid
    [request] = sandbox.requests
    assert request.path == "/messages"
    assert request.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": LEAD,
        "type": "text",
        "text": {"body": "Hi Sari, still keen on the course?"},
        "biz_opaque_callback_data": "fu-1",
    }
    assert (request.status, request.wamid, request.followup_id) == (200, wamid, "fu-1")
    assert wamid.startswith("wamid.")
    assert request.received_at == NOW


def test_a_template_carries_its_parameters_as_a_body_component(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    client.send(template("Sari", "Data Science"))
    client.send(template(followup_id="fu-3"))
    with_params, without_params = (request.body for request in sandbox.requests)
    assert with_params is not None
    assert without_params is not None
    assert with_params["type"] == "template"
    assert with_params["template"] == {
        "name": "checking_in",
        "language": {"code": "id"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Sari"},
                    {"type": "text", "text": "Data Science"},
                ],
            }
        ],
    }
    assert without_params["template"] == {"name": "checking_in", "language": {"code": "id"}}
    assert [request.followup_id for request in sandbox.sent()] == ["fu-2", "fu-3"]


def test_the_sandbox_path_with_v1_works_too(sandbox: WhatsAppSandbox) -> None:
    with D360Client(f"{sandbox.base_url}/v1", KEY) as d360:
        d360.send(template())
    assert [request.path for request in sandbox.sent()] == ["/v1/messages"]


def test_a_wrong_key_pauses_the_workspace_without_leaking_the_key(sandbox: WhatsAppSandbox) -> None:
    with D360Client(sandbox.base_url, "not-the-key") as d360:
        failure = rejection(d360, text()).failure
    assert failure.disposition is Disposition.PAUSE_WORKSPACE
    assert failure.http_status == 401
    assert "API key was refused" in failure.reason
    assert "not-the-key" not in failure.reason
    assert KEY not in failure.reason
    assert sandbox.sent() == []


def test_free_text_after_the_window_closed_is_refused_but_a_template_goes(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    # Given a lead who last wrote 25 hours ago
    quiet = "6289876543210"
    sandbox.record_inbound(quiet, NOW - timedelta(hours=25))
    # When we try free text, then the approved template
    failure = rejection(client, text(to=quiet)).failure
    client.send(template("Budi", to=quiet))
    # Then the text is refused with 131047, template advised, and only the template went out
    assert (failure.disposition, failure.code, failure.http_status) == (
        Disposition.TEMPLATE_INSTEAD,
        131047,
        400,
    )
    assert "24-hour window" in failure.reason
    assert [r.error_code for r in sandbox.requests] == [131047, None]
    assert [r.body["type"] for r in sandbox.sent() if r.body] == ["template"]


def test_a_server_error_is_retried_and_the_next_send_goes(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    sandbox.fail_next(status=500)
    assert rejection(client, text()).failure.disposition is Disposition.RETRY
    assert client.send(text()).startswith("wamid.")
    assert [request.status for request in sandbox.requests] == [500, 200]


def test_a_rate_limit_says_how_long_360dialog_asked_us_to_wait(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    sandbox.fail_next(status=429, retry_after="60")
    failure = rejection(client, text()).failure
    assert (failure.disposition, failure.retry_after) == (
        Disposition.THROTTLED,
        timedelta(seconds=60),
    )


def test_a_request_timeout_from_a_proxy_is_retried_after_the_wait_it_asks(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    sandbox.fail_next(status=408, retry_after="90")
    failure = rejection(client, text()).failure
    assert (failure.disposition, failure.retry_after) == (Disposition.RETRY, timedelta(seconds=90))
    assert "HTTP 408" in failure.reason
    assert client.send(text()).startswith("wamid.")


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        ("Tue, 24 Nov 2026 02:02:00 GMT", timedelta(minutes=2)),
        ("Tue, 24 Nov 2026 01:59:00 GMT", None),
        ("soon", None),
        ("0", None),
        ("99999999999999999999999", timedelta(days=1)),
    ],
)
def test_a_retry_after_date_counts_from_the_answer_s_own_date(
    retry_after: str, wait: timedelta | None
) -> None:
    headers = {"Retry-After": retry_after, "Date": "Tue, 24 Nov 2026 02:00:00 GMT"}
    busy = httpx.MockTransport(lambda _: httpx.Response(503, headers=headers, text="busy"))
    with httpx.Client(transport=busy) as http:
        failure = rejection(D360Client("https://waba-v2.example", KEY, client=http), text()).failure
    assert (failure.disposition, failure.retry_after) == (Disposition.RETRY, wait)


def test_a_withheld_marketing_message_waits_a_day(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    sandbox.fail_next(status=400, code=131049, to=LEAD)
    failure = rejection(client, template("Sari")).failure
    assert (failure.disposition, failure.code) == (Disposition.RETRY_AFTER_24H, 131049)
    assert "131049" in failure.reason


def test_nothing_listening_is_safe_to_retry() -> None:
    # Given a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # When we send, then nothing left and the send may be retried
    with D360Client(f"http://127.0.0.1:{port}", KEY, timeout=1.0) as d360:
        failure = rejection(d360, text()).failure
    assert failure.disposition is Disposition.RETRY
    assert "nothing was sent" in failure.reason


@pytest.mark.parametrize("base_url", ["waba-v2.360dialog.io", "https://waba-v2.360dialog.io:port"])
def test_an_address_no_request_can_go_to_sent_nothing_and_may_be_retried(base_url: str) -> None:
    # Given a base address without its scheme, or with a port that is no number
    # When we send, then nothing left this process: the send may be retried, not ended as
    # an unknown outcome
    with D360Client(base_url, KEY, timeout=1.0) as d360:
        failure = rejection(d360, text()).failure
    assert failure.disposition is Disposition.RETRY
    assert "nothing was sent" in failure.reason


def test_a_reply_slower_than_the_timeout_is_an_unknown_outcome(sandbox: WhatsAppSandbox) -> None:
    # Given a provider that holds its answer until we have given up
    gate = sandbox.hold_answers(until=2)
    try:
        with D360Client(sandbox.base_url, KEY, timeout=0.2) as d360, pytest.raises(OutcomeUnknown):
            d360.send(text())
    finally:
        gate.open()
    # Then the provider did get the message: a blind retry would send it twice
    assert len(sandbox.sent()) == 1


def test_a_dropped_connection_is_an_unknown_outcome(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    sandbox.drop_connection_next()
    with pytest.raises(OutcomeUnknown) as raised:
        client.send(text())
    assert KEY not in str(raised.value)
    [dropped] = sandbox.requests
    assert dropped.dropped
    assert dropped.wamid is not None
    assert client.send(text()) != dropped.wamid


def test_twenty_sends_from_twenty_threads_run_concurrently(
    sandbox: WhatsAppSandbox, client: D360Client
) -> None:
    # Given a provider that answers no send before twenty wait for an answer together
    gate = sandbox.hold_answers(until=20)
    sends = [template("Sari", followup_id=f"fu-{n}") for n in range(20)]
    # When twenty threads share one client
    with ThreadPoolExecutor(max_workers=20) as pool:
        wamids = list(pool.map(client.send, sends))
    # Then all twenty were in flight at once (serial sends could never be) ...
    assert gate.most_waiting == 20
    assert gate.gave_up == 0
    # ... and each got its own wamid
    assert len(set(wamids)) == 20
    assert {r.followup_id for r in sandbox.sent()} == {f"fu-{n}" for n in range(20)}


def test_the_sandbox_lists_what_was_sent(sandbox: WhatsAppSandbox, client: D360Client) -> None:
    text_wamid = client.send(text())
    template_wamid = client.send(template("Sari"))
    sandbox.fail_next(status=500)
    with pytest.raises(ProviderRejected):
        client.send(text())
    listed = httpx.get(f"{sandbox.base_url}/sandbox/messages").json()
    assert [(m["type"], m["wamid"], m["followup_id"]) for m in listed] == [
        ("text", text_wamid, "fu-1"),
        ("template", template_wamid, "fu-2"),
    ]
    assert listed[0]["text"] == "Hi Sari, still keen on the course?"
    assert listed[1]["template"]["name"] == "checking_in"
    assert listed[0]["received_at"] == NOW.isoformat()


def test_a_malformed_body_is_refused_with_invalid_parameter(sandbox: WhatsAppSandbox) -> None:
    body = {"messaging_product": "whatsapp", "to": "+62 812", "type": "text", "text": {"body": ""}}
    response = httpx.post(f"{sandbox.base_url}/messages", json=body, headers={"D360-API-KEY": KEY})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100
    assert "digits" in response.json()["error"]["error_data"]["details"]


def test_a_gateway_page_instead_of_json_is_still_classified() -> None:
    gateway = httpx.MockTransport(lambda _: httpx.Response(502, text="<html>Bad Gateway</html>"))
    with httpx.Client(transport=gateway) as http:
        failure = rejection(D360Client("https://waba-v2.example", KEY, client=http), text()).failure
    assert (failure.disposition, failure.http_status) == (Disposition.RETRY, 502)
    assert "Bad Gateway" in failure.reason


def test_an_accepted_send_without_a_message_id_is_an_unknown_outcome() -> None:
    odd = httpx.MockTransport(lambda _: httpx.Response(200, json={"messaging_product": "whatsapp"}))
    with httpx.Client(transport=odd) as http, pytest.raises(OutcomeUnknown):
        D360Client("https://waba-v2.example", KEY, client=http).send(text())


def test_a_template_list_answer_without_its_list_is_no_empty_catalogue() -> None:
    # Given 360dialog answering 200 with no `waba_templates` list (a proxy's page, a change
    # of format), then with an empty one
    answers = [b'{"count": 0, "filters": {}}', b'{"count": 0, "waba_templates": []}']

    class Listing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            body = answers.pop(0)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    with serving(Listing) as url, D360Client(url, KEY, timeout=30.0) as d360:
        at = datetime(2026, 11, 24, 2, tzinfo=UTC)
        # Then the first is no answer to act on (the catalogue stays as it was), while an
        # account truly without templates is one
        with pytest.raises(OutcomeUnknown, match="waba_templates"):
            d360.fetch_templates(at)
        assert d360.fetch_templates(at) == []
