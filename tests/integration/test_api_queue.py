"""/api/queue and /api/contacts listings: filters and cursor pagination."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.adapters.tables import FollowUpItem
from followup.domain.followup import FollowUp, Status
from followup.services.inbound import record_inbound
from followup.services.ports import FollowUpChange, NewFollowUp
from followup_local.engine import LocalEngine
from tests.contract.items import followup
from tests.support.api import call
from tests.support.builders import quiet_contact, rule


def busy_queue(engine: LocalEngine) -> None:
    """Seven leads get a follow-up; two of them reply."""
    engine.deps.rules.save_rule(rule())
    leads = [
        quiet_contact(engine.deps, f"62811000009{n:02d}", engine.clock.now() - timedelta(hours=25))
        for n in range(7)
    ]
    engine.tick()
    for lead in leads[:2]:
        record_inbound(engine.deps, lead.wa_id or "", "ok!", engine.clock.now())


def test_the_queue_pages_through_everything_newest_first(engine: LocalEngine) -> None:
    busy_queue(engine)
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        path = "/api/queue?limit=3" + (f"&cursor={cursor}" if cursor else "")
        status, page = call(engine, "GET", path, role="counselor")
        assert status == 200
        seen += [f["id"] for f in page["followups"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7


def test_the_queue_filters_by_status_rule_and_contact(engine: LocalEngine) -> None:
    busy_queue(engine)
    _, responded = call(engine, "GET", "/api/queue?status=responded")
    assert len(responded["followups"]) == 2
    _, by_rule = call(engine, "GET", "/api/queue?rule=apply-remind-24h&status=sent")
    assert len(by_rule["followups"]) == 5
    one = responded["followups"][0]["contact_id"]
    _, by_contact = call(engine, "GET", f"/api/queue?contact={one}")
    assert [f["contact_id"] for f in by_contact["followups"]] == [one]
    assert call(engine, "GET", "/api/queue?status=lost")[0] == 422
    assert call(engine, "GET", "/api/queue?cursor=garbage")[0] == 422
    assert call(engine, "GET", "/api/queue?from=2026-01-01T00:00:00Z")[0] == 422


def test_contacts_are_listed_by_stage_with_a_cursor(engine: LocalEngine) -> None:
    for n in range(5):
        quiet_contact(engine.deps, f"62811000009{n:02d}", engine.clock.now() - timedelta(hours=n))
    _, first = call(engine, "GET", "/api/contacts?stage=new&limit=3")
    _, rest = call(engine, "GET", f"/api/contacts?stage=new&limit=3&cursor={first['cursor']}")
    ids = [c["id"] for c in first["contacts"] + rest["contacts"]]
    assert len(set(ids)) == 5
    assert rest["cursor"] is None


def test_queue_rows_carry_the_contacts_name_number_and_zone(engine: LocalEngine) -> None:
    busy_queue(engine)
    _, page = call(engine, "GET", "/api/queue?limit=10")
    row = page["followups"][0]
    lead = engine.deps.contacts.contact(row["contact_id"])
    assert lead is not None
    assert row["contact_name"] == lead.item.name
    assert row["contact_number"] == lead.item.wa_id
    assert row["zone"] == lead.item.zone(engine.deps.catalog.settings().zone).key


def test_bulk_cancel_reports_each_id(engine: LocalEngine) -> None:
    busy_queue(engine)
    _, sent = call(engine, "GET", "/api/queue?status=sent&limit=1")
    engine.deps.rules.save_rule(rule("second"))
    quiet_contact(engine.deps, "6281100000950", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    _, page = call(engine, "GET", "/api/queue?status=queued")
    queued = [f["id"] for f in page["followups"]]
    assert len(queued) >= 1
    ids = [queued[0], sent["followups"][0]["id"], "fu_missing"]
    status, body = call(engine, "POST", "/api/queue/cancel", {"ids": ids}, role="admin")
    assert status == 200
    assert body["results"] == [
        {"id": ids[0], "result": "cancelled"},
        {"id": ids[1], "result": "already_sent"},
        {"id": "fu_missing", "result": "not_found"},
    ]
    _, again = call(engine, "POST", "/api/queue/cancel", {"ids": ids[:1]}, role="admin")
    assert again["results"] == [{"id": ids[0], "result": "already_ended"}]
    found = engine.deps.followups.followup(ids[0])
    assert found is not None
    assert found.status == "canceled"
    status, invalid = call(engine, "POST", "/api/queue/cancel", {"ids": []}, role="admin")
    assert status == 422
    assert invalid["error"]["details"][0]["field"] == "ids"


def test_the_queue_counts_each_follow_up_once_by_its_status_now(engine: LocalEngine) -> None:
    # Given seven follow-ups sent, two of them answered, and one queued for next week
    busy_queue(engine)
    engine.deps.rules.save_rule(rule("later"))
    start = engine.clock.now()
    later = start + timedelta(days=8)
    engine.deps.commit([NewFollowUp(planned("fu_next", start, later, "later"))], start)
    # When the queue is read, one row at a time
    _, page = call(engine, "GET", "/api/queue?limit=1")
    # Then the counts are of every follow-up of the period in its status now, not of the rows
    assert {k: n for k, n in page["counts"].items() if n} == {"sent": 5, "responded": 2}
    _, other = call(engine, "GET", "/api/queue?limit=1&rule=another")
    assert set(other["counts"].values()) == {0}
    # And a period reaching next week counts the one queued for then, for its rule alone
    path = f"/api/queue?rule=later&to={later.date().isoformat()}T23:59:59Z"
    _, next_week = call(engine, "GET", path)
    assert {k: n for k, n in next_week["counts"].items() if n} == {"queued": 1}


def planned(
    followup_id: str, at: datetime, send_at: datetime, rule_id: str = "apply-remind-24h"
) -> FollowUp:
    """A follow-up of `ct_1` planned `at`, to be sent at `send_at`."""
    return followup(followup_id, rule_id=rule_id, at=send_at, created_at=at)


def test_the_queue_sorts_every_follow_up_of_the_period_by_send_time(engine: LocalEngine) -> None:
    # Given follow-ups planned in one order, to be sent over the next days in another
    engine.deps.rules.save_rule(rule())
    start = engine.clock.now()
    offsets = [5, 1, 72, 0, 48, 6, 24]
    engine.deps.commit(
        [
            NewFollowUp(planned(f"fu_{n}", start, start + timedelta(hours=h)))
            for n, h in enumerate(offsets)
        ],
        start,
    )
    by_time = [f"fu_{n}" for n, _ in sorted(enumerate(offsets), key=lambda pair: pair[1])]
    # When the queue is read three rows at a time, earliest first, then latest first
    earliest = read_all(engine, "/api/queue?limit=3&sort=earliest")
    latest = read_all(engine, "/api/queue?limit=3")
    # Then the pages follow the send time over every follow-up of the period
    assert earliest == [by_time[:3], by_time[3:6], by_time[6:]]
    assert [row for page in latest for row in page] == by_time[::-1]
    # And one contact's follow-ups come the same way
    mine = read_all(engine, "/api/queue?contact=ct_1&limit=4&sort=earliest")
    assert mine == [by_time[:4], by_time[4:]]
    assert call(engine, "GET", "/api/queue?sort=newest")[0] == 422


def test_a_cursor_of_the_list_read_the_other_way_round_is_refused(engine: LocalEngine) -> None:
    # Given the queue, one contact's follow-ups and a stage's contacts, each read latest
    # (newest) first, three at a time, with a cursor for the next page
    engine.deps.rules.save_rule(rule())
    start = engine.clock.now()
    changes = [NewFollowUp(planned(f"fu_{n}", start, start + timedelta(hours=n))) for n in range(7)]
    engine.deps.commit(changes, start)
    for n in range(4):
        quiet_contact(engine.deps, f"62811000008{n:02d}", start - timedelta(hours=n))
    lists = ("/api/queue?limit=3", "/api/queue?contact=ct_1&limit=3")
    for path in lists:
        _, first = call(engine, "GET", path)
        # When the app's sort switch flips while "Load more" holds that cursor
        status, answer = call(engine, "GET", f"{path}&sort=earliest&cursor={first['cursor']}")
        # Then the page is refused by its cursor, not shown with rows already seen
        assert status == 422, path
        assert [d["field"] for d in answer["error"]["details"]] == ["cursor"]
        # And the cursor still reads on in its own order
        assert call(engine, "GET", f"{path}&cursor={first['cursor']}")[0] == 200
    _, first = call(engine, "GET", "/api/contacts?stage=new&limit=2")
    resumed = f"/api/contacts?stage=new&limit=2&sort=oldest&cursor={first['cursor']}"
    assert call(engine, "GET", resumed)[0] == 422


def read_all(engine: LocalEngine, path: str) -> list[list[str]]:
    """The ids of each page, following the cursor to the end."""
    pages: list[list[str]] = []
    cursor = None
    while True:
        status, page = call(engine, "GET", path + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200
        pages.append([row["id"] for row in page["followups"]])
        cursor = page["cursor"]
        if cursor is None:
            return [ids for ids in pages if ids]


def test_contacts_are_searched_filtered_and_sorted(engine: LocalEngine) -> None:
    for n in range(4):
        quiet_contact(engine.deps, f"62811000009{n:02d}", engine.clock.now() - timedelta(hours=n))
    _, by_number = call(engine, "GET", "/api/contacts?q=%2B62%20811000009%2002")
    assert [c["wa_id"] for c in by_number["contacts"]] == ["6281100000902"]
    _, oldest = call(engine, "GET", "/api/contacts?stage=new&sort=oldest&limit=2")
    assert [c["wa_id"] for c in oldest["contacts"]] == ["6281100000903", "6281100000902"]
    _, none = call(engine, "GET", "/api/contacts?opted_out=true&min_score=hot&tag=vip")
    assert none == {"contacts": [], "cursor": None}
    status, invalid = call(engine, "GET", "/api/contacts?sort=oldest")
    assert status == 422
    assert invalid["error"]["details"][0]["field"] == "sort"
    assert call(engine, "GET", "/api/contacts?min_score=lukewarm")[0] == 422


def test_invalid_fields_carry_a_machine_code_beside_the_message(engine: LocalEngine) -> None:
    _, empty = call(engine, "POST", "/api/queue/cancel", {"ids": []}, role="admin")
    assert [(d["field"], d["code"]) for d in empty["error"]["details"]] == [("ids", "too_short")]
    _, backwards = call(
        engine, "GET", "/api/queue?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z"
    )
    assert backwards["error"]["details"] == [
        {"field": "from", "message": "must not be after to", "code": "from_after_to"}
    ]
    _, unsorted = call(engine, "GET", "/api/contacts?sort=oldest")
    assert unsorted["error"]["details"][0]["code"] == "sort_needs_stage"


def test_a_from_given_alone_looks_ahead_from_it(engine: LocalEngine) -> None:
    # A planner looking at the week after next gives only its start (today: 2026-11-24)
    status, answer = call(engine, "GET", "/api/queue?from=2026-12-07T00:00:00Z")
    assert (status, answer["cursor"]) == (200, None)
    # And so does one months ahead: no `to` it did not give comes before it
    assert call(engine, "GET", "/api/queue?from=2027-03-01T00:00:00Z")[0] == 200


def test_the_queue_is_searched_by_the_leads_name_or_number(engine: LocalEngine) -> None:
    busy_queue(engine)
    quiet_contact(engine.deps, "6281100000990", engine.clock.now(), name="Siti Aminah")
    lead = quiet_contact(
        engine.deps, "6281100000991", engine.clock.now() - timedelta(hours=25), name="Siti Nur"
    )
    engine.tick()
    _, by_name = call(engine, "GET", "/api/queue?q=siti")
    assert [f["contact_name"] for f in by_name["followups"]] == ["Siti Nur"]
    _, by_number = call(engine, "GET", "/api/queue?q=%2B62%20811-0000-0991")
    assert [f["contact_id"] for f in by_number["followups"]] == [lead.id]
    _, nobody = call(engine, "GET", "/api/queue?q=zzz")
    assert nobody["followups"] == []


def test_a_brazilian_lead_is_found_by_the_number_as_dialled(engine: LocalEngine) -> None:
    # Given a lead WhatsApp names 551187654321 (a mobile older than the ninth digit), with
    # a follow-up queued
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(
        engine.deps, "551187654321", engine.clock.now() - timedelta(hours=25), name="Ana"
    )
    engine.tick()
    # When staff search for the number as a phone dials it, with its ninth digit
    for typed in ("5511987654321", "%2B55%2011%2098765-4321"):
        _, queued = call(engine, "GET", f"/api/queue?q={typed}")
        _, contacts = call(engine, "GET", f"/api/contacts?q={typed}")
        # Then both the queue and the contact list find the lead
        assert [f["contact_id"] for f in queued["followups"]] == [lead.id], typed
        assert [c["id"] for c in contacts["contacts"]] == [lead.id], typed


def test_a_follow_up_moved_to_another_day_while_a_page_is_read_loses_no_row(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given five follow-ups queued for today, an hour apart
    engine.deps.rules.save_rule(rule())
    start, hour = engine.clock.now(), timedelta(hours=1)
    queued = [
        followup(f"fu_{n}", rule_id="apply-remind-24h", at=start + n * hour, created_at=start)
        for n in range(5)
    ]
    engine.deps.commit([NewFollowUp(f) for f in queued], start)
    # When, while the first page (three rows, latest first) is read, the sender puts the
    # page's last row (fu_2) off to tomorrow's opening, between the index read and the
    # items' read
    real = FollowUpItem.batch_get.__func__  # type: ignore[attr-defined]
    moved = {"done": False}

    def batch_get(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if not moved["done"]:
            moved["done"] = True
            current = engine.deps.followups.followup("fu_2")
            assert current is not None
            later = current.model_copy(
                update={"scheduled_at": start + 24 * hour, "wake_at": start + 24 * hour}
            )
            engine.deps.commit([FollowUpChange(later, Status.QUEUED)], start)
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(FollowUpItem, "batch_get", classmethod(batch_get))
    status, first = call(engine, "GET", "/api/queue?limit=3")
    assert status == 200
    monkeypatch.undo()
    # Then "Load more" lists the rows after it, fu_1 and fu_0, rather than failing or ending
    status, rest = call(engine, "GET", f"/api/queue?limit=3&cursor={first['cursor']}")
    assert status == 200, rest
    assert [f["id"] for f in first["followups"]] == ["fu_4", "fu_3", "fu_2"]
    assert [f["id"] for f in rest["followups"]] == ["fu_1", "fu_0"]
