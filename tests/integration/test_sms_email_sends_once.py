"""An SMS or email is handed to SNS or SES once by the client the engine builds: an answer
that comes past the read timeout may hide a message that went, so it is never sent again
blindly (the outcome is unknown, as for 360dialog); an endpoint that cannot be reached took
nothing, so the sender tries it again later (busy).

SNS and SES here are endpoints on 127.0.0.1, reached over real HTTP with the production
clients' timeouts and retries (followup.adapters.timeouts.SMS_EMAIL)."""

from __future__ import annotations

import json
import socket
import time
from http.server import BaseHTTPRequestHandler

import pytest

from followup.domain.channels import (
    ChannelBusy,
    ChannelRefused,
    ChannelUnavailable,
    OutboundEmail,
)
from followup.domain.whatsapp import OutcomeUnknown
from followup.wiring import runtime
from followup.wiring.config import Config
from tests.support.hooks import serving

SNS_ANSWER = (
    b'<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">'
    b"<PublishResult><MessageId>m-1</MessageId></PublishResult>"
    b"<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>"
)
SES_ANSWER = b'{"MessageId": "e-1"}'
EMAIL = OutboundEmail(
    to="rudi@example.com",
    subject="One step left",
    body="Hi Rudi",
    unsubscribe_for="c-1",
    followup_id="fu_1",
)


def _answering(
    received: list[bytes],
    answer: bytes,
    content_type: str,
    *,
    late_first: bool = False,
    error_type: str = "",
) -> type:
    """An endpoint that takes every request and answers it at once; `late_first`, the first
    only once the read timeout is past (the client gone: nothing is written); with
    `error_type`, as SES v2 refuses a send: 400, the error named in `x-amzn-ErrorType`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            received.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            if late_first and len(received) == 1:
                time.sleep(3)  # past the 2 s read timeout
                return
            self.send_response(400 if error_type else 200)
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def _config(url: str, **settings: str) -> Config:
    return Config.model_validate(
        {
            "AWS_ENDPOINT_URL": url,
            "AWS_REGION": "us-east-1",
            "EMAIL_FROM": "news@example.com",
            "UNSUBSCRIBE_SECRET": "s" * 32,
            **settings,
        }
    )


def _closed_port() -> str:
    """The URL of a port on 127.0.0.1 nothing listens on: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


def test_an_sms_whose_answer_comes_late_is_published_once_its_outcome_unknown() -> None:
    # Given SNS taking the SMS but answering past the read timeout
    received: list[bytes] = []
    with serving(_answering(received, SNS_ANSWER, "text/xml", late_first=True)) as url:
        sms = runtime._sms(_config(url))
        # When the SMS is sent, then its outcome is unknown (it may have gone)
        with pytest.raises(OutcomeUnknown):
            sms.send("+6281100000101", "Hi Rudi, your place is still open.")
    # Then SNS was given it once: the lead does not get it twice
    assert [b"Action=Publish" in body for body in received] == [True]


def test_an_email_whose_answer_comes_late_is_sent_once_its_outcome_unknown() -> None:
    # Given SES taking the email but answering past the read timeout
    received: list[bytes] = []
    with serving(_answering(received, SES_ANSWER, "application/json", late_first=True)) as url:
        email = runtime._email(_config(url))
        # When the email is sent, then its outcome is unknown (it may have gone)
        with pytest.raises(OutcomeUnknown):
            email.send(EMAIL)
    # Then SES was given it once
    assert len(received) == 1


def test_an_email_goes_with_the_configuration_set_tagged_with_its_follow_up() -> None:
    # Given a deployment whose configuration set publishes bounces and complaints
    received: list[bytes] = []
    with serving(_answering(received, SES_ANSWER, "application/json")) as url:
        email = runtime._email(_config(url, SES_CONFIGURATION_SET="followup-emails"))
        # When an email is sent
        assert email.send(EMAIL) == "e-1"
    # Then it goes with that set, tagged with its follow-up, which its bounce names back
    [request] = [json.loads(body) for body in received]
    assert request["ConfigurationSetName"] == "followup-emails"
    assert request["EmailTags"] == [{"Name": "followup_id", "Value": "fu_1"}]


def test_an_sms_sns_cannot_be_reached_for_is_tried_again_later() -> None:
    # Given SNS refusing the connection: nothing reaches it
    sms = runtime._sms(_config(_closed_port()))
    # When the SMS is sent, then SNS is busy, not an unknown outcome that ends the send
    with pytest.raises(ChannelBusy, match="sns: unreachable"):
        sms.send("+6281100000101", "Hi Rudi, your place is still open.")


def test_an_email_ses_cannot_be_reached_for_is_tried_again_later() -> None:
    # Given SES refusing the connection: nothing reaches it
    email = runtime._email(_config(_closed_port()))
    # When the email is sent, then SES is busy, not an unknown outcome that ends the send
    with pytest.raises(ChannelBusy, match="ses: unreachable"):
        email.send(EMAIL)


def _ses_refusing(code: str, message: str) -> type:
    answer = json.dumps({"message": message}).encode()
    return _answering([], answer, "application/json", error_type=f"{code}:http://internal/")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("SendingPausedException", "Sending is paused for this account."),
        ("AccountSuspendedException", "Account is suspended."),
        ("NotFoundException", "Configuration set <followup-emails> does not exist."),
        (
            "MessageRejected",
            "Email address is not verified. The following identities failed the check in "
            "region US-EAST-1: news@example.com",
        ),
    ],
)
def test_an_email_ses_refuses_for_the_whole_account_says_email_is_unavailable(
    code: str, message: str
) -> None:
    # Given SES refusing every send of the account, as its SendEmail answers say so
    with serving(_ses_refusing(code, message)) as url:
        email = runtime._email(_config(url))
        # When an email is sent, then email is unavailable, not this lead's address refused
        with pytest.raises(ChannelUnavailable, match=f"ses: {code}"):
            email.send(EMAIL)


def test_an_email_ses_refuses_for_its_recipient_is_refused_for_that_lead_only() -> None:
    # Given SES in its sandbox refusing the recipient's address, which is not verified
    message = (
        "Email address is not verified. The following identities failed the check in "
        "region US-EAST-1: rudi@example.com"
    )
    with serving(_ses_refusing("MessageRejected", message)) as url:
        email = runtime._email(_config(url))
        # When the email is sent, then that message is refused, and email stays in use
        with pytest.raises(ChannelRefused, match="ses: MessageRejected") as refused:
            email.send(EMAIL)
    assert not isinstance(refused.value, ChannelUnavailable)
