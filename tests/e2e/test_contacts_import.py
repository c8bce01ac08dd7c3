"""Importing contacts from a file in the admin app: what each row became, line by line,
and, when a running rule would message more of the file's leads on one day than the
mass-send limit, a confirmation in the reader's language naming the rule, how many and
which day, that writes nothing until it is given; a file stopped by a failure goes on
from the part it stopped at."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.e2e.test_preview_excluded import CLASS_RULE
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port

OPEN = {"en": "Import contacts", "id": "Impor kontak", "pt-BR": "Importar contatos"}
START = {"en": "Import", "id": "Impor", "pt-BR": "Importar"}
CLOSE = {"en": "Close", "id": "Tutup", "pt-BR": "Fechar"}
ANYWAY = {"en": "Import anyway", "id": "Tetap impor", "pt-BR": "Importar mesmo assim"}
CANCEL = {"en": "Cancel", "id": "Batal", "pt-BR": "Cancelar"}
CROWD = {
    "en": r"Importing this file would have “Class reminder” message 3 leads on {d} \S+ {y} "
    r"\(the limit is 2\)\. Mass sends get WhatsApp numbers banned\.",
    "id": r"Mengimpor berkas ini akan membuat “Class reminder” mengirim pesan ke 3 prospek "
    r"pada {d} \S+ {y} \(batasnya 2\)\. Pengiriman massal membuat nomor WhatsApp diblokir\.",
    "pt-BR": r"Importar este arquivo faria “Class reminder” enviar mensagens a 3 leads em {d} "
    r"de \S+ de {y} \(o limite é 2\)\. Envios em massa fazem números de WhatsApp serem "
    r"banidos\.",
}
DONE = {
    "en": "3 contacts created, 0 updated.",
    "id": "3 kontak dibuat, 0 diperbarui.",
    "pt-BR": "3 contatos criados, 0 atualizados.",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The demo with its rules off."""
    running = Running(tmp_path_factory.mktemp("import") / "state", free_port(), contacts=4)
    for rule in running.call("GET", "/api/rules").json()["rules"]:
        running.call("POST", f"/api/rules/{rule['id']}/deactivate")
    yield running
    running.stop()


def import_file(page: Page, locale: str, name: str, text: str) -> None:
    """Open the import on the contacts page, choose the file and start it."""
    page.goto(f"{page.url.split('#')[0]}#/contacts")
    page.get_by_role("button", name=OPEN[locale]).click()
    dialog = page.get_by_role("dialog")
    dialog.locator("input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()}
    )
    dialog.get_by_role("button", name=START[locale], exact=True).click()


def found(stack: Running, wa_id: str) -> bool:
    answer = stack.call("GET", f"/api/contacts?q={wa_id}").json()
    return any(c["wa_id"] == wa_id for c in answer["contacts"])


def test_an_import_says_what_each_row_became(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing on the contacts page
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "en")
    # When they import a file of two leads and a number written without its country code
    text = "wa_id,name,stage\n6281199996001,Ika Impor,new\n6281199996002,Joko Impor,new\n0811,X,new"
    import_file(page, "en", "leads.csv", text)
    # Then it says two were created and names the line it left out, and why
    outcome = page.get_by_test_id("import-outcome")
    expect(outcome).to_contain_text("2 contacts created, 0 updated.")
    expect(outcome).to_contain_text("1 row was not imported:")
    expect(page.get_by_test_id("import-rejected").locator("tbody tr")).to_have_text(
        re.compile(r"^4\s*wa_id\s*\S.*")
    )
    assert serious_problems(page) == []
    # And, closed, the contacts list shows the leads imported
    page.get_by_role("dialog").get_by_role("button", name=CLOSE["en"]).first.click()
    expect(page.get_by_test_id("contacts-table")).to_contain_text("Ika Impor")
    assert found(stack, "6281199996002")
    assert watched.errors == []


def test_an_import_reaching_a_crowd_on_one_day_asks_in_words_and_writes_nothing_until_told(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a mass-send limit of two, a class reminder on, and a file of three students
    # whose class starts on the same day, ten days on
    settings = stack.call("GET", "/api/settings").json()
    assert stack.call("PUT", "/api/settings", json=settings | {"mass_send_limit": 2}).is_success
    reminder = {**CLASS_RULE, "id": "e2e-import-class", "active": True}
    assert stack.call("POST", "/api/rules", json=reminder).status_code == 201
    starts = datetime.now(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=10)
    text = "wa_id,name,attr.class_start\n" + "\n".join(
        f"62811999961{n:02d},Student {n},{starts}" for n in range(3)
    )
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    for locale in ("en", "id", "pt-BR"):
        choose_language(page, locale)
        # When they import it
        import_file(page, locale, "students.csv", text)
        # Then they are asked to confirm, told in their language which rule would message
        # how many on which day, the day in their language's words
        asked = page.get_by_role("alertdialog")
        expect(asked).to_contain_text(re.compile(CROWD[locale].format(d=starts.day, y=starts.year)))
        expect(asked).not_to_contain_text(str(starts))
        # And cancelling writes nobody
        asked.get_by_role("button", name=CANCEL[locale]).click()
        expect(asked).to_have_count(0)
        assert not found(stack, "6281199996100")
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_have_count(0)
    # When they import it again and confirm
    import_file(page, "pt-BR", "students.csv", text)
    page.get_by_role("alertdialog").get_by_role("button", name=ANYWAY["pt-BR"]).click()
    # Then the three are created
    expect(page.get_by_test_id("import-outcome")).to_contain_text(DONE["pt-BR"])
    assert all(found(stack, f"62811999961{n:02d}") for n in range(3))
    assert [e for e in watched.errors if "status of 409" not in e] == []  # the refusals


def test_a_file_stopped_by_a_failure_goes_on_from_the_part_it_stopped_at(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a file whose first part was written (its answer names line 3 to go on from)
    # and whose next part met a busy store
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "en")

    def first_part_then_busy(route: Route) -> None:
        if re.search(r"from_line=1(&|$)", route.request.url):
            written = {"created": 1, "updated": 0, "rejected": [], "next_line": 3}
            route.fulfill(status=200, content_type="application/json", body=json.dumps(written))
        else:
            busy = {"error": {"code": "busy", "message": "try again", "details": []}}
            route.fulfill(status=503, content_type="application/json", body=json.dumps(busy))

    page.route(re.compile(r".*/api/contacts/import.*"), first_part_then_busy)
    text = "wa_id,name\n6281199996201,Lina Lanjut\n6281199996202,Maya Lanjut"
    import_file(page, "en", "resume.csv", text)
    # When the store is free again and they go on
    go_on = page.get_by_role("dialog").get_by_role("button", name="Go on from line 3")
    expect(go_on).to_be_visible()
    page.unroute(re.compile(r".*/api/contacts/import.*"))
    go_on.click()
    # Then the file went on from line 3: its lead is written, line 2 was not sent again
    expect(page.get_by_test_id("import-outcome")).to_contain_text("2 contacts created, 0 updated.")
    assert found(stack, "6281199996202")
    assert not found(stack, "6281199996201")
    assert [e for e in watched.errors if "status of 503" not in e] == []  # the busy answer


def test_a_file_refused_whole_says_why_and_offers_no_going_on(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing with a CSV saved in Latin-1, as Excel's plain "CSV" saves it
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "en")
    page.goto(f"{stack.url}/#/contacts")
    page.get_by_role("button", name=OPEN["en"]).click()
    dialog = page.get_by_role("dialog")
    latin = "wa_id,name\n6281199996301,Jo\xe3o Latin\n".encode("latin-1")
    dialog.locator("input[type=file]").set_input_files(
        {"name": "latin.csv", "mimeType": "text/csv", "buffer": latin}
    )
    # When they import it
    dialog.get_by_role("button", name=START["en"], exact=True).click()
    # Then they are told to save it as UTF-8, nothing is written, and sending it again
    # is not offered as going on
    expect(dialog).to_contain_text("save it as “CSV UTF-8”")
    expect(dialog.get_by_role("button", name=re.compile("Go on"))).to_have_count(0)
    expect(dialog.get_by_role("button", name=START["en"], exact=True)).to_be_visible()
    assert not found(stack, "6281199996301")
    assert [e for e in watched.errors if "status of 422" not in e] == []  # the refusal
