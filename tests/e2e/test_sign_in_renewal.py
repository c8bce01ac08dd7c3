"""Signed in with Cognito all day: the app renews its ID token with the refresh token the
sign-in returned, so pages and the live feed keep working past the token's hour, until the
refresh token itself is refused, or the user signs out, which also ends the hosted UI's own
session. The hosted UI's ID tokens here live seconds, not an hour."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from playwright.sync_api import Browser, Page, Response, expect

from followup.api.auth import Role
from followup_local.tokens import ALGORITHM, AUDIENCE, KEY_ENV, DevTokens
from tests.e2e.test_live_drawer import Cable
from tests.support.browser import Watched, until
from tests.support.devstack import SAFETY_NET, Running, free_port
from tests.support.hosted_ui import CLIENT_ID, HostedUi

KEY = "sign-in-renewal-test-signing-key-32-bytes"
LIFE = timedelta(seconds=6)
"""How long the hosted UI's ID tokens live here."""


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    state = tmp_path_factory.mktemp("renewal") / "state"
    started = Running(state, free_port(), contacts=4, env={KEY_ENV: KEY})
    yield started
    started.stop()


class Issuer:
    """ID tokens for a marketer, as the stack checks them, issued now and expiring `LIFE`
    later; `issued` holds them, the newest last."""

    def __init__(self) -> None:
        self.issued: list[str] = []

    def __call__(self) -> str:
        claims = jwt.decode(
            DevTokens(KEY).issue(Role.MARKETING), KEY, algorithms=[ALGORITHM], audience=AUDIENCE
        )
        now = datetime.now(UTC)
        claims |= {"iat": int(now.timestamp()), "exp": int((now + LIFE).timestamp())}
        token = jwt.encode(claims, KEY, algorithm=ALGORITHM)
        self.issued.append(token)
        return token


def expired(running: Running, token: str) -> bool:
    """Whether the API refuses `token` now."""
    headers = {"Authorization": f"Bearer {token}"}
    answer = httpx.get(f"{running.url}/api/rules", headers=headers, timeout=SAFETY_NET)
    return answer.status_code == 401


def signed_in(
    browser: Browser, pages: list[Page], watched: Watched, ui: HostedUi, url: str
) -> Page:
    """A tab signed in through the hosted UI."""
    config = {"mode": "cognito", "cognitoDomain": ui.url, "clientId": CLIENT_ID}
    # (the deployment's policy names its hosted UI; the local gateway's names none)
    context = browser.new_context(bypass_csp=True)
    context.route("**/config.json", lambda route: route.fulfill(json=config))
    page = watched.watch(context.new_page())
    pages.append(page)
    page.goto(url)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("link", name="Queue")).to_be_visible()
    return page


def signed_out(page: Page, app: str) -> None:
    """Signs the tab out, and waits for it to come back from the hosted UI's sign-out to
    the app's address (`app`), at its sign-in."""
    with page.expect_navigation(url=app):
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()


def bearer_of(response: Response) -> str:
    return (response.request.headers.get("authorization") or "").removeprefix("Bearer ")


@pytest.mark.slow
def test_a_session_whose_id_token_expires_keeps_working_without_signing_in_again(
    running: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a marketer signed in with Cognito, watching the queue live; the hosted UI
    # rotates refresh tokens, each renewal handing out a new one in place of the last
    tokens = Issuer()
    with HostedUi(tokens, f"{running.url}/", rotate=True) as ui:
        page = signed_in(browser, pages, watched, ui, running.url)
        cable = Cable(page)
        page.reload()  # the feed opens again, through the cable
        feed = page.get_by_role("status").filter(has_text=re.compile("Live|reconnecting"))
        expect(feed).to_have_attribute("data-state", "live")
        # When the ID token the sign-in gave expires, and meanwhile the feed drops
        until(page, lambda: expired(running, tokens.issued[0]))
        cable.pull()
        expect(feed).to_have_attribute("data-state", "disconnected")
        # Then the feed connects again, with a renewed token the stack takes
        cable.plug(page)
        expect(feed).to_have_attribute("data-state", "live")
        assert ui.renewed
        # When the token it was renewed to expires too, and the marketer opens Rules
        until(page, lambda: expired(running, ui.renewed[-1]))
        with page.expect_response(re.compile(r"/api/rules$")) as asked:
            page.get_by_role("link", name="Rules").click()
        # Then the rules load, asked with a token renewed again, without signing in again
        expect(page.get_by_test_id("rule-row").first).to_be_visible()
        assert asked.value.status == 200
        assert bearer_of(asked.value) in ui.renewed
        assert len(ui.renewed) >= 2
        assert (ui.exchanged, ui.refused_renewals) == (1, [])
        expect(page.get_by_role("alert")).to_have_count(0)
        # When the marketer signs out, then the refresh token the tab held is revoked
        [held] = ui.refresh_tokens
        signed_out(page, f"{running.url}/")
        until(page, lambda: ui.revoked == [held])
    assert watched.errors == []


@pytest.mark.slow
def test_a_token_the_api_refuses_is_renewed_once_and_the_request_sent_again(
    running: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a marketer signed in with Cognito on a computer whose clock stopped at the
    # sign-in, so the app never sees its ID token near expiry
    tokens = Issuer()
    with HostedUi(tokens, f"{running.url}/") as ui:
        page = signed_in(browser, pages, watched, ui, running.url)
        page.clock.set_fixed_time(datetime.now(UTC))
        expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
        # When the token expires and they open Rules, whose reads the API refuses
        until(page, lambda: expired(running, tokens.issued[-1]))
        rules = re.compile(r"/api/rules$")
        with (
            page.expect_response(lambda answer: bool(rules.search(answer.url))) as refused,
            page.expect_response(
                lambda answer: bool(rules.search(answer.url)) and answer.status == 200
            ) as asked,
        ):
            page.get_by_role("link", name="Rules").click()
        # Then the rules load all the same: every refused read is sent again with the one
        # token renewed for all of them
        assert refused.value.status == 401
        assert [bearer_of(asked.value)] == ui.renewed
        expect(page.get_by_test_id("rule-row").first).to_be_visible()
        expect(page.get_by_role("alert")).to_have_count(0)
        assert ui.exchanged == 1
    # the page logs only the reads the API refused
    assert [error for error in watched.errors if "status of 401" not in error] == []


@pytest.mark.slow
def test_a_session_whose_refresh_token_is_refused_says_the_sign_in_expired(
    running: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a marketer signed in with Cognito, reading the queue
    tokens = Issuer()
    with HostedUi(tokens, f"{running.url}/") as ui:
        page = signed_in(browser, pages, watched, ui, running.url)
        expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
        # When their refresh token expires, and then the last ID token it gave
        ui.end_sessions()
        until(page, lambda: expired(running, tokens.issued[-1]))
        # and they open Rules, then Stats
        page.get_by_role("link", name="Rules").click()
        expired_sign_in = page.get_by_role("alert").filter(has_text="Your sign-in has expired")
        expect(expired_sign_in).to_be_visible()
        page.get_by_role("link", name="Stats").click()
        expect(expired_sign_in.first).to_be_visible()
        # Then the renewal was asked once, refused, and never again
        assert len(ui.refused_renewals) == 1
        assert ui.exchanged == 1
        # and signing out leads back to signing in, with nothing left to revoke
        signed_out(page, f"{running.url}/")
        assert ui.revoked == []
    # the page logs only the refused renewal and the requests the API refused
    refused = re.compile(r"status of (400|401)")
    assert [error for error in watched.errors if not refused.search(error)] == []


@pytest.mark.slow
def test_signing_out_ends_the_hosted_ui_session_so_the_next_person_is_asked_who_they_are(
    running: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a marketer signed in with Cognito on a shared computer: the hosted UI asked
    # who they are once, and keeps its own session in the browser
    app = f"{running.url}/"
    with HostedUi(Issuer(), app) as ui:
        page = signed_in(browser, pages, watched, ui, running.url)
        [held] = ui.refresh_tokens
        # When they sign out
        signed_out(page, app)
        # Then the app went through the hosted UI's sign-out, naming its client and its
        # address to come back to, and the refresh token the tab held is revoked
        assert ui.logouts == [{"client_id": CLIENT_ID, "logout_uri": app}]
        until(page, lambda: ui.revoked == [held])
        # When the next person at that computer presses Sign in
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("link", name="Queue")).to_be_visible()
        # Then the hosted UI asked who they are, rather than signing the marketer back in
        assert (ui.asked_who, ui.remembered) == (2, 0)
        assert ui.exchanged == 2
    assert watched.errors == []
