"""Tags in any case through the admin API on moto: the contact list's filter, an import
and an edit treat "VIP", "Vip" and "vip" as one tag, shown as the lead first had it."""

from __future__ import annotations

from followup_local.engine import LocalEngine
from tests.support.api import call


def listed(engine: LocalEngine, query: str) -> list[str]:
    status, page = call(engine, "GET", f"/api/contacts?{query}")
    assert status == 200
    return sorted(contact["name"] for contact in page["contacts"])


def test_the_contact_list_filtered_by_vip_shows_the_lead_tagged_vip(engine: LocalEngine) -> None:
    # Given a lead a CRM tagged "VIP", one tagged "Vip" at another stage, and one untagged
    for lead in (
        {"wa_id": "6281100000991", "name": "Vera", "tags": ["VIP"]},
        {"wa_id": "6281100000992", "name": "Dino", "tags": ["Vip"], "stage": "qualified"},
        {"wa_id": "6281100000993", "name": "Tono"},
    ):
        assert call(engine, "POST", "/api/contacts", lead)[0] == 201
    # When the list is filtered by "vip", over every stage and within "new"
    # Then the leads tagged in capitals are listed, each tag as the CRM wrote it
    assert listed(engine, "tag=vip") == ["Dino", "Vera"]
    assert listed(engine, "stage=new&tag=vIP") == ["Vera"]
    _, page = call(engine, "GET", "/api/contacts?tag=vip&stage=qualified")
    assert [contact["tags"] for contact in page["contacts"]] == [["Vip"]]


def test_an_import_and_an_edit_leave_a_lead_tagged_vip_once(engine: LocalEngine) -> None:
    # Given a lead tagged "VIP"
    _, lead = call(engine, "POST", "/api/contacts", {"wa_id": "6281100000994", "tags": ["VIP"]})
    path = f"/api/contacts/{lead['id']}"
    # When a file tags her "vip"
    csv = "wa_id,tags\n6281100000994,vip;webinar\n"
    status, report = call(engine, "POST", "/api/contacts/import", raw=csv, content_type="text/csv")
    assert (status, report["updated"], report["rejected"]) == (200, 1, [])
    # Then she holds "VIP" once
    assert call(engine, "GET", path)[1]["tags"] == ["VIP", "webinar"]
    # When a counsellor adds "Vip" and removes "Webinar"
    body = {"add_tags": ["Vip"], "remove_tags": ["Webinar"]}
    status, edited = call(engine, "PATCH", path, body, role="counselor")
    # Then nothing is added and the webinar tag is gone
    assert (status, edited["tags"]) == (200, ["VIP"])
