"""/api/rules and /api/settings through the handler: validation, versions, roles."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from followup.domain.followup import Status
from followup.services.planning import claim
from followup_local.engine import LocalEngine
from followup_local.openapi import DOCUMENT, current
from tests.support.api import call
from tests.support.builders import quiet_contact, rule


def body(**overrides: Any) -> dict[str, Any]:
    return rule(**overrides).model_dump(mode="json")


def test_marketing_creates_a_rule_and_reads_it_back(engine: LocalEngine) -> None:
    status, saved = call(engine, "POST", "/api/rules", body(), role="marketing")
    assert status == 201
    assert saved["rule"]["version"] == 1
    assert saved["warnings"] == []
    status, listed = call(engine, "GET", "/api/rules", role="counselor")
    assert status == 200
    assert [r["id"] for r in listed["rules"]] == ["apply-remind-24h"]


def test_a_counselor_reads_rules_without_the_crm_credentials_in_their_addresses(
    engine: LocalEngine,
) -> None:
    # Given a rule that tells the CRM, edited to log in to it and pass its API key
    plain = "https://crm.example.com/hooks/followup?lead=1"
    secret = "https://crmbot:Sup3rS3cret@crm.example.com/hooks/followup?api_key=abc123&lead=1"
    path = "/api/rules/apply-remind-24h"
    for url, method, route in ((plain, "POST", "/api/rules"), (secret, "PUT", path)):
        steps = [*body()["steps"], {"kind": "action", "do": "notify", "webhook": url}]
        status, _ = call(engine, method, route, body(steps=steps), role="marketing")
        assert status in {200, 201}
    lead = quiet_contact(engine.deps, "6281100000998", engine.clock.now() - timedelta(hours=1))
    # When a counselor reads the rule, the rules, its versions, their diff and the rules
    # offered on a lead's page
    offered = f"/api/contacts/{lead.id}/rules"
    for route in (path, "/api/rules", f"{path}/versions", f"{path}/diff", offered):
        status, answer = call(engine, "GET", route, role="counselor")
        # Then the password and the key are nowhere in what they are shown
        assert status == 200, route
        assert "Sup3rS3cret" not in json.dumps(answer), route
        assert "abc123" not in json.dumps(answer), route
    # Nor in the timeline of a dry run they play, which tells the CRM
    played = {"contact": {"name": "Ann", "stage": "new"}, "days": 7}
    status, answer = call(engine, "POST", f"{path}/dry-run", played, role="counselor")
    assert status == 200
    assert any(event["kind"] == "action" for event in answer["timeline"])
    assert "Sup3rS3cret" not in json.dumps(answer)
    assert "abc123" not in json.dumps(answer)
    # And the address is there, with those and every parameter's value hidden
    answer = call(engine, "GET", path, role="counselor")[1]
    hidden = "https://crmbot:****@crm.example.com/hooks/followup?api_key=****&lead=****"
    assert answer["steps"][1]["webhook"] == hidden
    # And marketing, who may edit the rule, reads it whole
    assert call(engine, "GET", path, role="marketing")[1]["steps"][1]["webhook"] == secret


@pytest.mark.parametrize(
    ("secret", "password", "hidden"),
    [
        (
            "https://crmbot:Sup3r@S3cretTail@crm.example.com/hooks/followup?lead=1",
            "Sup3r@S3cretTail",
            "https://crmbot:****@crm.example.com/hooks/followup?lead=****",
        ),
        (
            "https://crm-bot@acme.co.id:Sup3rS3cret@crm.example.com/hooks/followup?lead=1",
            "Sup3rS3cret",
            "https://crm-bot@acme.co.id:****@crm.example.com/hooks/followup?lead=****",
        ),
    ],
    ids=["password", "user name"],
)
def test_a_login_holding_an_at_sign_has_its_password_hidden_whole(
    engine: LocalEngine, secret: str, password: str, hidden: str
) -> None:
    # Given a rule that tells the CRM, logging in with a password or a user name (an email
    # address) that holds an "@" (which the notifier's client, as a browser, reads whole:
    # the login runs to the host's "@", the user name to its first ":")
    assert httpx.URL(secret).password == password
    steps = [*body()["steps"], {"kind": "action", "do": "notify", "webhook": secret}]
    assert call(engine, "POST", "/api/rules", body(steps=steps), role="marketing")[0] == 201
    # When a counselor reads the rule / Then all of the password is hidden
    answer = call(engine, "GET", "/api/rules/apply-remind-24h", role="counselor")[1]
    assert answer["steps"][1]["webhook"] == hidden


@pytest.mark.parametrize(
    ("secret", "hidden"),
    [
        # a token sent as the login's user name, with no password (Basic auth all the same)
        ("https://sk_live_51Hs3cr3t@crm.example.com/hooks", "https://****@crm.example.com/hooks"),
        # a function key in a parameter of any name
        (
            "https://crm.azurewebsites.net/api/hook?code=AzFnK3y",
            "https://crm.azurewebsites.net/api/hook?code=****",
        ),
    ],
    ids=["token as user name", "function key"],
)
def test_a_credential_sent_otherwise_is_hidden_from_a_counselor_too(
    engine: LocalEngine, secret: str, hidden: str
) -> None:
    steps = [*body()["steps"], {"kind": "action", "do": "notify", "webhook": secret}]
    assert call(engine, "POST", "/api/rules", body(steps=steps), role="marketing")[0] == 201
    answer = call(engine, "GET", "/api/rules/apply-remind-24h", role="counselor")[1]
    assert answer["steps"][1]["webhook"] == hidden


def test_every_problem_is_listed_with_its_field(engine: LocalEngine) -> None:
    bad = body(trigger={"stages": ["prospect"], "idle": {"amount": 24, "unit": "hours"}})
    bad["steps"][0]["template"]["params"] = [{"field": "favourite_colour"}]
    status, answer = call(engine, "POST", "/api/rules", bad)
    assert status == 422
    fields = {d["field"] for d in answer["error"]["details"]}
    assert fields == {"trigger.stages.0", "steps.0.template.params.0.field"}
    negative = body()
    negative["steps"][0]["wait"]["amount"] = -5
    status, answer = call(engine, "POST", "/api/rules", negative)
    assert status == 422
    assert any("steps" in d["field"] and "amount" in d["field"] for d in answer["error"]["details"])
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


def test_a_free_text_only_step_saves_with_a_warning(engine: LocalEngine) -> None:
    text_only = body(steps=[{"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi {name|there}"}])
    status, saved = call(engine, "POST", "/api/rules", text_only)
    assert status == 201
    assert [w["field"] for w in saved["warnings"]] == ["steps.0"]


def test_an_edit_is_a_new_version_and_old_ones_stay_listed(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/rules", body())
    edited = body(name="apply reminder, gentler")
    status, saved = call(engine, "PUT", "/api/rules/apply-remind-24h", edited, role="marketing")
    assert (status, saved["rule"]["version"]) == (200, 2)
    status, answer = call(engine, "GET", "/api/rules/apply-remind-24h/versions")
    assert [v["name"] for v in answer["versions"]] == [
        "apply remind 24h",
        "apply reminder, gentler",
    ]


def test_an_edit_over_a_version_someone_saved_meanwhile_is_refused(engine: LocalEngine) -> None:
    # Given two editors who opened version 1
    call(engine, "POST", "/api/rules", body())
    _, read = call(engine, "GET", "/api/rules/apply-remind-24h")
    opened = {k: v for k, v in read.items() if k not in ("held", "last_error")}
    # When one saves, then the other saves their own change of version 1
    status, _ = call(engine, "PUT", "/api/rules/apply-remind-24h", {**opened, "name": "first"})
    assert status == 200
    status, refused = call(engine, "PUT", "/api/rules/apply-remind-24h", {**opened, "exit": {}})
    # Then the second is refused in words, and the first stands
    assert (status, refused["error"]["code"]) == (409, "stale")
    assert "version 1" in refused["error"]["message"]
    _, now = call(engine, "GET", "/api/rules/apply-remind-24h")
    assert (now["version"], now["name"], now["exit"]) == (2, "first", read["exit"])
    # And a save that names no version (a script) saves over whatever is current
    unversioned = {k: v for k, v in body(name="scripted").items() if k != "version"}
    status, saved = call(engine, "PUT", "/api/rules/apply-remind-24h", unversioned)
    assert (status, saved["rule"]["version"]) == (200, 3)


def test_a_save_that_leaves_the_switch_alone_keeps_the_rule_as_someone_switched_it(
    engine: LocalEngine,
) -> None:
    # Given an editor who opened the rule while it was on, and a colleague who then
    # switched it off (a switch is no new version)
    call(engine, "POST", "/api/rules", body())
    _, read = call(engine, "GET", "/api/rules/apply-remind-24h")
    assert call(engine, "POST", "/api/rules/apply-remind-24h/deactivate")[0] == 200
    # When the editor saves a change of its name without naming the switch
    opened = {k: v for k, v in read.items() if k not in ("held", "last_error", "active")}
    status, saved = call(engine, "PUT", "/api/rules/apply-remind-24h", {**opened, "name": "x"})
    # Then the edit is saved and the rule stays off
    assert (status, saved["rule"]["version"], saved["rule"]["active"]) == (200, 2, False)
    assert call(engine, "GET", "/api/rules/apply-remind-24h")[1]["active"] is False
    # And a script's body without the switch keeps it off too; one naming it switches
    scripted = {k: v for k, v in body(name="y").items() if k not in ("version", "active")}
    _, kept = call(engine, "PUT", "/api/rules/apply-remind-24h", scripted)
    assert kept["rule"]["active"] is False
    status, on = call(engine, "PUT", "/api/rules/apply-remind-24h", {**scripted, "active": True})
    assert (status, on["rule"]["active"]) == (200, True)


def test_a_misspelt_field_is_refused_naming_it_not_dropped(engine: LocalEngine) -> None:
    # A rule whose "exit" is typed "exits" (its journeys would never end at those stages)
    typo = body()
    typo["exits"] = typo.pop("exit")
    status, answer = call(engine, "POST", "/api/rules", typo, role="marketing")
    assert (status, fields_of(answer)) == (422, ["exits"])
    nested = body()
    nested["steps"][0]["templte"] = nested["steps"][0].pop("template")
    status, answer = call(engine, "POST", "/api/rules/preview", nested)
    assert (status, fields_of(answer)) == (422, ["steps.0.templte"])
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []
    # A rule read back whole, with what the API answers beside it, saves as it is
    call(engine, "POST", "/api/rules", body())
    _, read = call(engine, "GET", "/api/rules/apply-remind-24h")
    status, saved = call(engine, "PUT", "/api/rules/apply-remind-24h", {**read, "name": "renamed"})
    assert (status, saved["rule"]["name"]) == (200, "renamed")
    # Settings too: the check says so beside the field, and the save is refused
    _, settings = call(engine, "GET", "/api/settings")
    misspelt = {**settings, "opt_out_keyword": ["berhenti dong"]}
    _, check = call(engine, "POST", "/api/settings/check", misspelt)
    assert [p["field"] for p in check["problems"]] == ["opt_out_keyword"]
    status, answer = call(engine, "PUT", "/api/settings", misspelt)
    assert (status, fields_of(answer)) == (422, ["opt_out_keyword"])


def test_toggling_a_rule(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/rules", body())
    status, answer = call(
        engine, "POST", "/api/rules/apply-remind-24h/deactivate", role="marketing"
    )
    assert (status, answer["active"]) == (200, False)
    status, answer = call(engine, "POST", "/api/rules/apply-remind-24h/activate", role="admin")
    assert (status, answer["active"]) == (200, True)


def test_roles_are_checked_on_every_route(engine: LocalEngine) -> None:
    assert call(engine, "POST", "/api/rules", body(), role="counselor")[0] == 403
    assert call(engine, "GET", "/api/rules", role=None)[0] == 401
    call(engine, "POST", "/api/rules", body())
    assert call(engine, "PUT", "/api/rules/apply-remind-24h", body(), role="counselor")[0] == 403
    assert (
        call(engine, "POST", "/api/rules/apply-remind-24h/deactivate", role="counselor")[0] == 403
    )
    status, settings = call(engine, "GET", "/api/settings", role="counselor")
    assert status == 200
    assert call(engine, "PUT", "/api/settings", settings, role="marketing")[0] == 403


def test_admin_changes_settings_and_bad_values_are_refused(engine: LocalEngine) -> None:
    _, settings = call(engine, "GET", "/api/settings")
    settings["paused"] = True
    assert call(engine, "PUT", "/api/settings", settings)[0] == 200
    assert call(engine, "GET", "/api/settings")[1]["paused"] is True
    settings["timezone"] = "Mars/Olympus"
    status, answer = call(engine, "PUT", "/api/settings", settings)
    assert status == 422
    assert answer["error"]["details"][0]["field"] == "timezone"
    assert call(engine, "GET", "/api/settings")[1]["timezone"] == "Asia/Jakarta"


TOO_LONG = {"amount": 100_000, "unit": "months"}


def fields_of(answer: dict[str, Any]) -> list[str]:
    return [d["field"] for d in answer["error"]["details"]]


def test_a_rule_that_cannot_work_is_refused_naming_the_field(engine: LocalEngine) -> None:
    forever = body()
    forever["steps"][0]["wait"] = TOO_LONG
    never_open = {**body(), "send_window": {"hours": {}}}
    for bad, field in [(forever, "steps.0.wait"), (never_open, "send_window")]:
        for path in ("/api/rules", "/api/rules/preview"):
            status, answer = call(engine, "POST", path, bad, role="marketing")
            assert (status, fields_of(answer)) == (422, [field])
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


def test_an_sms_longer_than_sns_takes_is_refused_naming_the_text(engine: LocalEngine) -> None:
    long = "Hi {first_name|there}, " + "your place is still open. " * 70
    step = {"wait": {"amount": 0, "unit": "minutes"}, "channel": "sms", "text": long}
    status, answer = call(engine, "POST", "/api/rules", body(steps=[step]), role="marketing")
    assert (status, fields_of(answer)) == (422, ["steps.0.text"])
    assert "1,600" in answer["error"]["details"][0]["message"]
    fits = {**step, "text": "Hi {first_name|there}, your place is still open."}
    assert call(engine, "POST", "/api/rules", body(steps=[fits]), role="marketing")[0] == 201


def test_a_message_of_spaces_alone_is_refused_as_an_empty_one(engine: LocalEngine) -> None:
    # Given send steps whose text, AI instructions or email subject is spaces alone
    send = body()["steps"][0]
    bare = {"wait": send["wait"]}
    email = {"channel": "email", "email": {"subject": " \t ", "body": "Your place is open"}}
    cases = [
        ({**bare, "text": "   "}, "steps.0", "a step needs a free text, a template, or both"),
        ({**bare, "channel": "sms", "text": " \n "}, "steps.0", "an SMS step needs a free text"),
        ({**send, "ai": {"instructions": "  "}}, "steps.0.ai.instructions", "only spaces"),
        ({**bare, **email}, "steps.0.email.subject", "only spaces"),
    ]
    for step, field, said in cases:
        # When marketing saves the rule
        refused = {**body(), "steps": [step]}
        status, answer = call(engine, "POST", "/api/rules", refused, role="marketing")
        # Then it is refused as an empty one is, naming the field, and nothing is stored
        assert (status, fields_of(answer)) == (422, [field]), step
        assert said in answer["error"]["details"][0]["message"]
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []
    # And a text with spaces around its words, sent right away, is saved
    spaced = {**send, "text": "  Hi {first_name|there}  "}
    assert (
        call(engine, "POST", "/api/rules", {**body(), "steps": [spaced]}, role="marketing")[0]
        == 201
    )


def test_a_name_title_tag_or_event_name_of_spaces_alone_is_refused_naming_it(
    engine: LocalEngine,
) -> None:
    # Given a rule named with spaces alone, and rules whose task title, tag, notification
    # type or event name is spaces alone
    send = body()["steps"][0]
    due = {"amount": 1, "unit": "days"}
    task = {"kind": "action", "do": "create_task", "title": "  ", "assignee": "a@b.co", "due": due}
    tag = {"kind": "action", "do": "add_tag", "tag": "   "}
    notify = {"kind": "action", "do": "notify", "bus": True, "detail_type": "  "}
    on_event = {"kind": "event", "name": "   "}
    cases = [
        ({**body(), "name": "   "}, "name"),
        ({**body(), "steps": [send, task]}, "steps.1.title"),
        ({**body(), "steps": [send, tag]}, "steps.1.tag"),
        ({**body(), "steps": [send, notify]}, "steps.1.detail_type"),
        ({**body(), "trigger": on_event}, "trigger.name"),
    ]
    for refused, field in cases:
        # When marketing saves it
        status, answer = call(engine, "POST", "/api/rules", refused, role="marketing")
        # Then it is refused naming the field, and nothing is stored
        assert (status, fields_of(answer)) == (422, [field]), field
        assert "only spaces" in answer["error"]["details"][0]["message"]
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []
    # And the same rule with words there, spaces around them, is saved
    named = {**body(), "name": " Beasiswa ", "steps": [send, {**tag, "tag": "vip"}]}
    assert call(engine, "POST", "/api/rules", named, role="marketing")[0] == 201


BACKWARDS = {"amount": -1, "unit": "hours"}


def test_settings_that_cannot_work_are_refused_naming_the_field(engine: LocalEngine) -> None:
    _, settings = call(engine, "GET", "/api/settings")
    capped_forever = {**settings["gating"], "frequency_cap": {"max_sends": 2, "per": TOO_LONG}}
    limit = settings["messaging_limit"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"send_window": {"hours": {}}}, "send_window"),
        ({"trigger_lookback": TOO_LONG}, "trigger_lookback"),
        ({"expire_after": TOO_LONG}, "expire_after"),
        ({"gating": capped_forever}, "gating.frequency_cap.per"),
        ({"gating": {**settings["gating"], "min_gap": TOO_LONG}}, "gating.min_gap"),
        ({"gating": {**settings["gating"], "min_gap": BACKWARDS}}, "gating.min_gap.amount"),
        ({"stages": []}, "stages"),
        ({"stages": ["", *settings["stages"]]}, "stages"),
        ({"stages": [*settings["stages"], "x" * 65]}, "stages"),
        ({"stages": [*settings["stages"], *(f"s{n}" for n in range(50))]}, "stages"),
        ({"stages": [*settings["stages"], settings["stages"][0]]}, "stages"),
        ({"email_rate": False}, "email_rate"),
        ({"email_rate": "0.01"}, "email_rate"),
        (
            {"message_rates": {"indonesia": {"marketing": True}}},
            "message_rates.indonesia.marketing",
        ),
        (
            {"messaging_limit": {**limit, "headroom": "0.2"}},
            "messaging_limit.headroom",
        ),
        (
            {"messaging_limit": {**limit, "warm_up": {"started_on": 0}}},
            "messaging_limit.warm_up.started_on",
        ),
        (
            {"messaging_limit": {**limit, "warm_up": {"schedule": [True]}}},
            "messaging_limit.warm_up.schedule.0",
        ),
    ]
    for change, field in cases:
        status, answer = call(engine, "PUT", "/api/settings", {**settings, **change})
        assert (status, fields_of(answer)) == (422, [field])
    assert call(engine, "GET", "/api/settings")[1] == settings


def test_settings_that_drop_a_stage_a_rule_uses_are_refused_naming_the_rule(
    engine: LocalEngine,
) -> None:
    # Given a rule that ends when the contact reaches `applied`
    call(engine, "POST", "/api/rules", body())
    _, settings = call(engine, "GET", "/api/settings")

    # When an admin removes `applied` from the funnel
    renamed = [stage for stage in settings["stages"] if stage != "applied"]
    status, answer = call(engine, "PUT", "/api/settings", {**settings, "stages": renamed})

    # Then the change is refused, naming the rule and where it uses the stage
    assert status == 422
    assert answer["error"]["details"] == [
        {
            "field": "stages",
            "message": "rule 'apply-remind-24h' uses stage 'applied' (exit.stages.0)",
            "code": "stage_in_use",
            "values": {
                "rule": "apply-remind-24h",
                "stage": "applied",
                "rule_field": "exit.stages.0",
            },
        }
    ]
    # And the check before a save says the same
    _, checked = call(engine, "POST", "/api/settings/check", {**settings, "stages": renamed})
    assert checked["problems"] == answer["error"]["details"]
    assert call(engine, "GET", "/api/settings")[1]["stages"] == settings["stages"]
    # And adding a stage is fine
    status, _ = call(engine, "PUT", "/api/settings", {**settings, "stages": [*renamed, "applied"]})
    assert status == 200


def test_settings_that_drop_a_stage_contacts_are_in_are_refused_until_they_move(
    engine: LocalEngine,
) -> None:
    # Given a lead in `qualified`, a stage no rule names
    _, settings = call(engine, "GET", "/api/settings")
    lead = {"wa_id": "6281100000951", "stage": "qualified"}
    _, contact = call(engine, "POST", "/api/contacts", lead)
    without = [stage for stage in settings["stages"] if stage != "qualified"]

    # When an admin removes `qualified` from the funnel, checked and saved
    _, checked = call(engine, "POST", "/api/settings/check", {**settings, "stages": without})
    status, answer = call(engine, "PUT", "/api/settings", {**settings, "stages": without})

    # Then both say the stage still has contacts, by code and naming the stage, and nothing
    # changes
    said = "contacts are in stage 'qualified'"
    named = ("stages", True, "stage_has_contacts", {"stage": "qualified"})
    assert [
        (p["field"], said in p["message"], p["code"], p["values"]) for p in checked["problems"]
    ] == [named]
    assert status == 422
    assert [
        (d["field"], said in d["message"], d["code"], d["values"])
        for d in answer["error"]["details"]
    ] == [named]
    assert call(engine, "GET", "/api/settings")[1]["stages"] == settings["stages"]

    # And once the lead is moved on, the stage goes
    moved = {"type": "stage_changed", "contact": contact["id"], "stage": "new"}
    assert call(engine, "POST", "/api/events", moved)[0] == 200
    status, _ = call(engine, "PUT", "/api/settings", {**settings, "stages": without})
    assert status == 200


def test_a_condition_negated_hundreds_of_times_is_refused_not_a_server_error(
    engine: LocalEngine,
) -> None:
    deep: dict[str, Any] = {"tag": "vip"}
    for _ in range(200):
        deep = {"not": deep}
    refused = {**body(), "conditions": {"match": [deep]}}
    for path in ("/api/rules", "/api/rules/preview"):
        status, answer = call(engine, "POST", path, refused, role="marketing")
        assert status == 422, (path, answer)
        assert "nests at most" in answer["error"]["details"][0]["message"]


def test_a_save_whose_body_names_another_rule_is_refused_and_saves_nothing(
    engine: LocalEngine,
) -> None:
    # Given two rules
    call(engine, "POST", "/api/rules", body())
    other = {**body(), "id": "other-rule", "name": "Other"}
    call(engine, "POST", "/api/rules", other)
    # When the other's body is saved at the first rule's address
    status, answer = call(engine, "PUT", f"/api/rules/{body()['id']}", other)
    # Then it is refused naming the id, and the first rule keeps its one version
    assert (status, fields_of(answer)) == (422, ["id"])
    _, versions = call(engine, "GET", f"/api/rules/{body()['id']}/versions")
    assert [v["name"] for v in versions["versions"]] == [body()["name"]]


def test_unknown_rules_and_routes_are_404_and_duplicates_409(engine: LocalEngine) -> None:
    assert call(engine, "GET", "/api/rules/nope")[0] == 404
    assert call(engine, "GET", "/api/nothing-here")[0] == 404
    call(engine, "POST", "/api/rules", body())
    status, answer = call(engine, "POST", "/api/rules", body())
    assert (status, answer["error"]["code"]) == (409, "rule_exists")


def test_a_body_that_is_not_json_is_400(engine: LocalEngine) -> None:
    status, answer = call(engine, "POST", "/api/rules", raw="{not json")
    assert (status, answer["error"]["code"]) == (400, "bad_request")
    # nor is one nested deeper than a parser goes, signed in or not: no failed invocation
    deep = "[" * 100_000 + "]" * 100_000
    for role in ("admin", None):
        status, answer = call(engine, "POST", "/api/rules", raw=deep, role=role)
        assert (status, answer["error"]["code"]) == (400, "bad_request")


def test_the_openapi_description_is_served_and_the_committed_copy_is_current(
    engine: LocalEngine,
) -> None:
    status, served = call(engine, "GET", "/api/openapi.json", role=None)
    assert status == 200
    assert served["openapi"] == "3.1.0"
    assert "/api/rules/{rule_id}/versions" in served["paths"]
    # A client made from it sends the import's file, as CSV or JSON lines
    body = served["paths"]["/api/contacts/import"]["post"]["requestBody"]
    assert set(body["content"]) == {"text/csv", "application/x-ndjson", "application/jsonl"}
    assert DOCUMENT.read_text() == current(), "run `make openapi` and commit docs/openapi.json"


def saturday_queue(engine: LocalEngine) -> str:
    """A follow-up queued for Monday (it is Saturday in Jakarta); returns its contact id."""
    call(engine, "POST", "/api/rules", body())
    engine.clock.advance(timedelta(days=4))
    lead = quiet_contact(engine.deps, "6281100000821", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.QUEUED
    return lead.id


def test_deactivating_with_cancel_queued_cancels_what_waits(engine: LocalEngine) -> None:
    contact_id = saturday_queue(engine)
    status, answer = call(
        engine, "POST", "/api/rules/apply-remind-24h/deactivate?cancel_queued=true"
    )
    assert (status, answer["active"], answer["canceled"]) == (200, False, 1)
    [followup] = engine.deps.followups.followups_of(contact_id)
    assert (followup.status, followup.reason) == (Status.CANCELED, "rule_deactivated")
    engine.clock.advance(timedelta(days=2))
    engine.tick()
    assert engine.sandbox.sent() == []


def test_deleting_a_rule_hides_it_and_cancels_what_waits(engine: LocalEngine) -> None:
    contact_id = saturday_queue(engine)
    assert call(engine, "DELETE", "/api/rules/apply-remind-24h", role="counselor")[0] == 403
    status, answer = call(engine, "DELETE", "/api/rules/apply-remind-24h")
    assert (status, answer["canceled"]) == (200, 1)
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []
    assert call(engine, "GET", "/api/rules/apply-remind-24h")[0] == 404
    [followup] = engine.deps.followups.followups_of(contact_id)
    assert (followup.status, followup.reason) == (Status.CANCELED, "rule_deleted")
    contact = engine.deps.contacts.contact(contact_id)
    assert contact is not None
    # Its pending slot is free for another rule's follow-up
    claimed = claim(engine.deps, contact.item, "fu_next", engine.clock.now())
    assert (claimed.busy_until, claimed.revision) == (None, 1)


def test_the_id_of_a_deleted_rule_is_refused_to_a_new_rule_and_its_sends_stay_its_own(
    engine: LocalEngine,
) -> None:
    # Given a rule that sent a follow-up under its second name, then was deleted
    path = "/api/rules/apply-remind-24h"
    assert call(engine, "POST", "/api/rules", body(name="Apply reminder"))[0] == 201
    assert call(engine, "PUT", path, body(name="Apply reminder, day 1"))[0] == 200
    quiet_contact(engine.deps, "6281100000823", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    assert call(engine, "DELETE", path)[0] == 200
    entries = call(engine, "GET", "/api/audit")[1]["entries"]
    # When a marketer creates a rule under the same id, or installs a recipe under it
    created = call(engine, "POST", "/api/rules", body(name="Welcome"), role="marketing")
    recipe = "/api/recipes/apply-reminder-24h/install"
    installed = call(engine, "POST", recipe, {"id": "apply-remind-24h"}, role="marketing")
    # Then both are refused, naming the id, saying why and what to do
    for status, answer in (created, installed):
        assert (status, answer["error"]["code"]) == (409, "deleted_rule_id")
        [problem] = answer["error"]["details"]
        assert (problem["field"], problem["code"]) == ("id", "deleted_rule_id")
        assert problem["message"] == (
            "'apply-remind-24h' belonged to a rule that was deleted; its sends stay counted"
            " under it: choose another id"
        )
    # And nothing is stored: no rule, no version, no audit entry
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []
    assert call(engine, "GET", path)[0] == 404
    assert call(engine, "GET", f"{path}/versions")[0] == 404
    assert call(engine, "GET", "/api/audit")[1]["entries"] == entries
    # And the stats still count its send under its last name, marked deleted
    [row] = call(engine, "GET", "/api/stats")[1]["rules"]
    assert (row["rule_id"], row["name"], row["deleted"]) == (
        "apply-remind-24h",
        "Apply reminder, day 1",
        True,
    )
    assert row["sent"] == 1
