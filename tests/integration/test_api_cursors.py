"""The admin API's page cursors and its contact search: a cursor the API gave out always
works, one it did not is a 4xx naming the cursor, never a 500 or a silent end of the list;
a search finds a name whatever its Unicode form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.adapters import paging
from followup_local.engine import LocalEngine
from tests.integration.test_api_queue import busy_queue
from tests.integration.test_api_tasks import task_step
from tests.support.api import call
from tests.support.builders import journey, quiet_contact

HOUR = timedelta(hours=1)


def _tasks_for(engine: LocalEngine, assignee: str, leads: int = 3) -> None:
    """A journey giving `assignee` a call task for each of `leads` leads, an hour apart."""
    engine.deps.rules.save_rule(journey(task_step("Call about the payment", assignee, 2)))
    for n in range(leads):
        quiet_contact(engine.deps, f"62811000012{n:02d}", engine.clock.now() - 25 * HOUR)
        engine.tick()
        engine.clock.advance(HOUR)


def test_my_tasks_load_more_works_for_a_counsellor_with_an_ordinary_email(
    engine: LocalEngine,
) -> None:
    # A counsellor whose sign-in email is 32 characters long has three open tasks
    me = "sari.wulandari@admisi.univ.ac.id"
    _tasks_for(engine, me)
    status, first = call(engine, "GET", f"/api/tasks?assignee={me}&status=open&limit=2")
    assert status == 200
    assert len(first["tasks"]) == 2
    assert first["cursor"]
    # "Load more" passes back the cursor the API itself gave out
    status, rest = call(
        engine,
        "GET",
        f"/api/tasks?assignee={me}&status=open&limit=2&cursor={first['cursor']}",
    )
    assert status == 200, rest
    assert len(rest["tasks"]) == 1


def test_contacts_load_more_works_in_a_stage_with_a_descriptive_name(
    engine: LocalEngine,
) -> None:
    # A workspace funnel stage of 40 characters (stages may be up to 64)
    stage = "applied-waiting-for-documents-and-fee-01"
    settings = engine.deps.catalog.settings()
    engine.deps.rules.save_settings(
        settings.model_copy(update={"stages": [*settings.stages, stage]})
    )
    for n in range(3):
        quiet_contact(
            engine.deps, f"62811000013{n:02d}", engine.clock.now() - timedelta(hours=n), stage=stage
        )
    status, first = call(engine, "GET", f"/api/contacts?stage={stage}&limit=2")
    assert status == 200
    assert len(first["contacts"]) == 2
    assert first["cursor"]
    status, rest = call(
        engine, "GET", f"/api/contacts?stage={stage}&limit=2&cursor={first['cursor']}"
    )
    assert status == 200, rest
    assert len(rest["contacts"]) == 1


def _status(engine: LocalEngine, path: str) -> tuple[int, Any]:
    try:
        return call(engine, "GET", path)
    except Exception as exc:  # an unhandled error is Lambda's 500
        return 500, repr(exc)


def test_a_tampered_queue_cursor_is_a_4xx_not_a_500(engine: LocalEngine) -> None:
    busy_queue(engine)
    _, page = call(engine, "GET", "/api/queue?limit=2")
    day, key = paging.decode(page["cursor"], "latest")
    # Same day partition, but a position that names no index key
    tampered = paging.encode(day, {"id": {"S": key["id"]["S"]}}, "latest")
    status, answer = _status(engine, f"/api/queue?limit=2&cursor={tampered}")
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["cursor"])


def test_a_foreign_cursor_is_refused_not_read_as_the_end_of_the_queue(
    engine: LocalEngine,
) -> None:
    busy_queue(engine)
    # A cursor the contacts list gave out, passed to the queue (or one from another period)
    _, contacts = call(engine, "GET", "/api/contacts?stage=new&limit=2")
    assert contacts["cursor"]
    status, answer = _status(engine, f"/api/queue?limit=2&cursor={contacts['cursor']}")
    # The queue has 7 follow-ups; an empty page with cursor null says "that's all"
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["cursor"])


def test_a_contact_cursor_with_a_non_text_position_is_a_4xx_not_a_500(
    engine: LocalEngine,
) -> None:
    busy_queue(engine)
    _, rows = call(engine, "GET", "/api/queue?limit=1")
    contact = rows["followups"][0]["contact_id"]
    tampered = paging.encode("contact", {"send_at": {"S": 5}, "id": {"S": "fu_x"}}, "latest")
    status, answer = _status(engine, f"/api/queue?contact={contact}&cursor={tampered}")
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["cursor"])


def test_a_contact_search_finds_an_accented_name_whatever_its_unicode_form(
    engine: LocalEngine,
) -> None:
    # A CRM (or a CSV saved on a Mac) sends the name decomposed: "Jose" + combining acute
    status, _ = call(
        engine,
        "POST",
        "/api/contacts",
        {"wa_id": "6281100000881", "name": "Jose\u0301 Conceic\u0327a\u0303o"},
    )
    assert status == 201
    # Staff type it in the search box, composed as keyboards produce it
    status, found = call(engine, "GET", "/api/contacts?q=Jos%C3%A9")
    assert status == 200
    assert [c["wa_id"] for c in found["contacts"]] == ["6281100000881"]
