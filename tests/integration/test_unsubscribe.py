"""The one-click unsubscribe link every marketing email carries (RFC 8058)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urljoin, urlparse

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends

from followup_local.engine import REGION, LocalEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
ONE_CLICK = "List-Unsubscribe=One-Click"


def email_rule() -> Any:
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "email",
        "fallbacks": ["sms"],
        "text": "Hi {first_name|there}",
        "email": {"subject": "News", "body": "Hi {first_name|there}"},
    }
    later = step | {"wait": {"amount": 1, "unit": "days"}}
    return rule(steps=[step, later])


def request(
    engine: LocalEngine,
    method: str,
    path: str,
    body: str | None,
    media_type: str | None = "application/x-www-form-urlencoded",
) -> tuple[int, str]:
    """An anonymous request to the public route, as API Gateway hands it to the API; without
    a Content-Type header when `media_type` is None."""
    event = {
        "version": "2.0",
        "routeKey": f"{method} /u/{{token}}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": media_type} if media_type else {},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4"},
            "routeKey": f"{method} /u/{{token}}",
            "stage": "$default",
            "requestId": "r1",
        },
        "pathParameters": {"token": path.rsplit("/", 1)[-1]},
        "body": body,
        "isBase64Encoded": False,
    }
    response = engine.invoke("api", event)
    return response["statusCode"], response.get("body") or ""


def emailed_link(engine: LocalEngine) -> str:
    """The path of the unsubscribe link in the first email sent."""
    [email] = [sent for sent in engine.outbox() if sent.channel == "email"]
    return urlparse(email.headers["List-Unsubscribe"].strip("<>")).path


def raw_headers(engine: LocalEngine) -> list[str]:
    """The header lines of the first email as its bytes reach a mail client, unfolded but
    not decoded: a client reads List-Unsubscribe as written, never as an encoded-word."""
    [raw] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    head = str(raw.raw_data).split("\n\n", 1)[0]
    return head.replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ").split("\n")


def send_one_email(engine: LocalEngine, wa_id: str) -> None:
    engine.deps.rules.save_rule(email_rule())
    quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR, email="rudi@example.com")
    engine.tick()


def test_the_link_in_the_email_unsubscribes_from_email_in_one_click(engine: LocalEngine) -> None:
    # Given an email sent with its unsubscribe link
    send_one_email(engine, "6281100000201")
    path = emailed_link(engine)
    # When the mail client posts the one-click unsubscribe
    status, _ = request(engine, "POST", path, ONE_CLICK)
    assert status == 200
    # Then the next email-then-SMS step goes by SMS, and no second email
    engine.clock.advance(25 * HOUR)
    engine.tick()
    assert [sent.channel for sent in engine.outbox()] == ["sms", "email"]
    # And the link keeps answering 200 when the client posts it again
    assert request(engine, "POST", path, ONE_CLICK)[0] == 200


def test_the_page_s_button_posts_back_to_the_link_under_any_base_path(
    engine: LocalEngine,
) -> None:
    # Given an email's link, the API served under a custom domain's base path
    send_one_email(engine, "6281100000211")
    path = emailed_link(engine)
    page = f"https://api.example.edu/admissions{path}"
    # When a person opens it and presses the button
    status, shown = request(engine, "GET", path, None, media_type=None)
    assert status == 200
    [form] = re.findall(r"<form[^>]*>", shown)
    action = re.search(r'action="([^"]*)"', form)
    posted_to = urljoin(page, html.unescape(action[1])) if action else page
    # Then the form posts to the link itself, which unsubscribes
    assert posted_to == page
    assert request(engine, "POST", path, ONE_CLICK)[0] == 200


def test_the_one_click_headers_reach_the_mail_client_as_a_plain_link(
    engine: LocalEngine,
) -> None:
    # Given a marketing email sent to a lead (its link longer than a folded header line)
    send_one_email(engine, "6281100000210")
    # When a mail client reads its headers as they arrive
    headers = raw_headers(engine)
    # Then List-Unsubscribe is the https link in angle brackets, as RFC 8058 asks, which
    # Gmail and Yahoo show as their unsubscribe button; not an RFC 2047 encoded-word
    [link] = [line for line in headers if line.startswith("List-Unsubscribe: ")]
    assert link.removeprefix("List-Unsubscribe: ").startswith("<http")
    assert link.endswith(">")
    assert "=?" not in link
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in headers
    # And the link is the one a one-click post unsubscribes with
    path = urlparse(link.removeprefix("List-Unsubscribe: ").strip("<>")).path
    assert request(engine, "POST", path, ONE_CLICK)[0] == 200


def test_a_one_click_posted_as_multipart_form_data_unsubscribes(engine: LocalEngine) -> None:
    # RFC 8058 asks mail clients to post the one-click unsubscribe as multipart/form-data
    send_one_email(engine, "6281100000202")
    boundary = "----b0undary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        f"One-Click\r\n--{boundary}--\r\n"
    )
    media_type = f"multipart/form-data; boundary={boundary}"
    assert request(engine, "POST", emailed_link(engine), body, media_type)[0] == 200
    found = engine.deps.contacts.contact_by_wa_id("6281100000202")
    assert found is not None
    assert found.item.opted_out_channels == ["email"]


def test_a_one_click_posted_without_a_content_type_unsubscribes(engine: LocalEngine) -> None:
    # Given a lead who got a marketing email with its one-click link
    send_one_email(engine, "6281100000209")
    # When a mail client posts the one-click unsubscribe to it without a Content-Type
    status, _ = request(engine, "POST", emailed_link(engine), ONE_CLICK, media_type=None)
    # Then the link alone decides: the lead is unsubscribed from email
    assert status == 200
    found = engine.deps.contacts.contact_by_wa_id("6281100000209")
    assert found is not None
    assert found.item.opted_out_channels == ["email"]


def test_opening_the_link_asks_before_it_unsubscribes(engine: LocalEngine) -> None:
    send_one_email(engine, "6281100000202")
    path = emailed_link(engine)
    status, page = request(engine, "GET", path, None)
    assert status == 200
    assert "Unsubscribe" in page
    [contact] = [c for c in [engine.deps.contacts.contact_by_wa_id("6281100000202")] if c]
    assert contact.item.opted_out_channels == []


def test_a_tampered_or_made_up_token_is_refused_and_changes_nothing(engine: LocalEngine) -> None:
    send_one_email(engine, "6281100000203")
    path = emailed_link(engine)
    tampered = path[:-2] + ("AA" if not path.endswith("AA") else "BB")
    for bad in (tampered, "/u/not-a-token", "/u/Y3RfeA.c2lnbmF0dXJl"):
        status, _ = request(engine, "POST", bad, ONE_CLICK)
        assert 400 <= status < 500
    found = engine.deps.contacts.contact_by_wa_id("6281100000203")
    assert found is not None
    assert found.item.opted_out_channels == []
