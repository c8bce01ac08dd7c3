"""The live queue when the feed cannot push a change: a follow-up too large for a message is
named and the app fetches it; a batch an app missed is followed by a resync, on which the
app fetches its rows again; a push lost for good is made up for by the app reading its rows
again every few minutes. Either way the queue shows what happened."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tests.support.browser import Watched, sign_in, until
from tests.support.devstack import AdminApi, Running, queued_by_hand, queued_on_friday


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    state = tmp_path_factory.mktemp("live") / "state"
    with queued_on_friday(state, 4, [("6281177799001", "Sari Besar", "Asia/Jakarta")]) as started:
        yield started


def through(page: Page, rewrite: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> None:
    """The feed between the page and the stack: each message from the stack reaches the page
    as the messages `rewrite` makes of it, in order; the page's own go through as they are."""

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def from_server(message: str | bytes) -> None:
            for body in rewrite(json.loads(message)):
                socket.send(json.dumps(body))

        server.on_message(from_server)
        socket.on_message(lambda message: server.send(message))

    page.route_web_socket(re.compile(r"/ws"), route)


def too_large_to_push(page: Page, followup_id: str) -> list[str]:
    """The feed as the broadcaster sends a follow-up too large for one message: named in a
    reload message instead of pushed whole. Answers the ids named so far."""
    named: list[str] = []

    def rewrite(body: dict[str, Any]) -> list[dict[str, Any]]:
        if body.get("type") != "followups":
            return [body]
        kept = [f for f in body["followups"] if f["id"] != followup_id]
        if len(kept) == len(body["followups"]):
            return [body]
        named.append(followup_id)
        return [{**body, "followups": kept}] * bool(kept) + [
            {"type": "reload", "ids": [followup_id]}
        ]

    through(page, rewrite)
    return named


def test_a_follow_up_too_large_to_push_still_shows_its_new_status_in_the_queue_and_details(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    [sari] = api("GET", "/api/queue?q=Sari%20Besar")["followups"]
    # Given an admin watching the queue, Sari's follow-up open in its details
    page = sign_in(browser, pages, running.url, "admin", watched)
    named = too_large_to_push(page, sari["id"])
    page.goto(f"{running.url}/#/queue?open={sari['id']}")
    page.reload()  # the feed opens again, through the route
    expect(page.get_by_test_id("followup-row").filter(has_text="Sari Besar")).to_have_attribute(
        "data-status", "queued"
    )
    expect(page.get_by_test_id("followup-details")).to_have_attribute("data-status", "queued")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    # When someone else cancels it and the feed can only name it
    api("POST", "/api/queue/cancel", json={"ids": [sari["id"]]})
    # Then the app fetches it: its row and its details say it was canceled
    expect(page.get_by_test_id("followup-row").filter(has_text="Sari Besar")).to_have_attribute(
        "data-status", "canceled"
    )
    expect(page.get_by_test_id("followup-details")).to_have_attribute("data-status", "canceled")
    assert named
    assert watched.errors == []


def missed_once(page: Page, followup_id: str) -> list[str]:
    """The feed as the broadcaster serves an app it could not reach for one batch: the
    message with `followup_id` never arrives, and the next message comes after a resync.
    Answers what was missed and resynced, in order."""
    seen: list[str] = []

    def rewrite(body: dict[str, Any]) -> list[dict[str, Any]]:
        if body.get("type") == "followups" and not seen:
            if any(f["id"] == followup_id for f in body["followups"]):
                seen.append("missed")
                return []
        elif seen == ["missed"]:
            seen.append("resync")
            return [{"type": "resync"}, body]
        return [body]

    through(page, rewrite)
    return seen


def test_an_app_that_missed_a_change_catches_up_on_the_next_message(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    queued_by_hand(api, "6281177799002", "Budi Terlewat", "Asia/Jakarta")
    queued_by_hand(api, "6281177799003", "Citra Sesudah", "Asia/Jakarta")
    [budi] = api("GET", "/api/queue?q=Budi%20Terlewat")["followups"]
    [citra] = api("GET", "/api/queue?q=Citra%20Sesudah")["followups"]
    # Given an admin watching the queue, both follow-ups queued
    page = sign_in(browser, pages, running.url, "admin", watched)
    seen = missed_once(page, budi["id"])
    page.goto(f"{running.url}/#/queue")
    page.reload()  # the feed opens again, through the route
    budi_row = page.get_by_test_id("followup-row").filter(has_text="Budi Terlewat")
    citra_row = page.get_by_test_id("followup-row").filter(has_text="Citra Sesudah")
    expect(budi_row).to_have_attribute("data-status", "queued")
    expect(citra_row).to_have_attribute("data-status", "queued")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    # When someone else cancels Budi's and the push of it is lost, then cancels Citra's
    api("POST", "/api/queue/cancel", json={"ids": [budi["id"]]})
    api("POST", "/api/queue/cancel", json={"ids": [citra["id"]]})
    # Then the app, told to resync before Citra's change, shows both canceled unreloaded
    expect(citra_row).to_have_attribute("data-status", "canceled")
    expect(budi_row).to_have_attribute("data-status", "canceled")
    assert seen == ["missed", "resync"]
    assert watched.errors == []


def lost_for_good(page: Page, followup_id: str) -> list[str]:
    """The feed as it is when the broadcaster gives a batch up for good: the messages with
    `followup_id` never arrive, and no resync follows. Answers the ids of those dropped."""
    dropped: list[str] = []

    def rewrite(body: dict[str, Any]) -> list[dict[str, Any]]:
        if any(f["id"] == followup_id for f in body.get("followups", [])):
            dropped.append(followup_id)
            return []
        return [body]

    through(page, rewrite)
    return dropped


def test_a_change_whose_push_is_lost_for_good_shows_within_five_minutes(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    queued_by_hand(api, "6281177799004", "Dedi Hilang", "Asia/Jakarta")
    [dedi] = api("GET", "/api/queue?q=Dedi%20Hilang")["followups"]
    # Given an admin watching the queue, Dedi's follow-up queued and open in its details
    page = sign_in(browser, pages, running.url, "admin", watched)
    page.clock.install()
    dropped = lost_for_good(page, dedi["id"])
    page.goto(f"{running.url}/#/queue?open={dedi['id']}")
    page.reload()  # the feed opens again, through the route, on the page's own clock
    row = page.get_by_test_id("followup-row").filter(has_text="Dedi Hilang")
    details = page.get_by_test_id("followup-details")
    expect(row).to_have_attribute("data-status", "queued")
    expect(details).to_have_attribute("data-status", "queued")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    # When someone else cancels it and every push of that is lost
    api("POST", "/api/queue/cancel", json={"ids": [dedi["id"]]})
    until(page, lambda: bool(dropped))
    expect(row).to_have_attribute("data-status", "queued")
    # Then five minutes on the app has read its rows and the details again
    page.clock.fast_forward("05:00")
    expect(row).to_have_attribute("data-status", "canceled")
    expect(details).to_have_attribute("data-status", "canceled")
    assert watched.errors == []
