"""The live queue when a follow-up is too large for the feed to push: the feed names it and
the app fetches it, so its row and its open details still show what happened."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tests.support.browser import Watched, sign_in
from tests.support.devstack import AdminApi, Running, queued_on_friday


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    state = tmp_path_factory.mktemp("live") / "state"
    with queued_on_friday(state, 4, [("6281177799001", "Sari Besar", "Asia/Jakarta")]) as started:
        yield started


def too_large_to_push(page: Page, followup_id: str) -> list[str]:
    """The feed between the page and the stack, as the broadcaster sends a follow-up too
    large for one message: named in a reload message instead of pushed whole. Answers the
    ids named so far."""
    named: list[str] = []

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()

        def from_server(message: str | bytes) -> None:
            body = json.loads(message)
            if body.get("type") == "followups":
                kept = [f for f in body["followups"] if f["id"] != followup_id]
                if len(kept) < len(body["followups"]):
                    named.append(followup_id)
                if kept:
                    socket.send(json.dumps({**body, "followups": kept}))
                if len(kept) < len(body["followups"]):
                    socket.send(json.dumps({"type": "reload", "ids": [followup_id]}))
                return
            socket.send(message)

        server.on_message(from_server)
        socket.on_message(lambda message: server.send(message))

    page.route_web_socket(re.compile(r"/ws"), route)
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
