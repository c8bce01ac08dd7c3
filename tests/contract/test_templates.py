"""The template catalogue: empty until saved, read back whole with its revision, and
written only from the revision read (a sync and a webhook racing: one of them retries)."""

from __future__ import annotations

from typing import Any

from followup.domain.templates import Template, TemplateCatalogue
from tests.contract.items import T0


def template(name: str = "checking_in", status: str = "APPROVED") -> Template:
    return Template(
        name=name,
        language="id",
        category="marketing",
        status=status,
        components=[{"type": "BODY", "text": "Halo {{1}}, masih tertarik {{2}}?"}],
        placeholders=2,
        updated_at=T0,
    )


def test_the_catalogue_is_empty_and_unknown_until_saved(store: Any) -> None:
    found = store.templates()
    assert (found.item, found.revision) == (TemplateCatalogue(), 0)
    assert found.item.known is False


def test_a_saved_catalogue_is_read_back_whole_with_the_next_revision(store: Any) -> None:
    catalogue = TemplateCatalogue(templates=[template()], synced_at=T0)
    assert store.save_templates(catalogue, 0) is True
    found = store.templates()
    assert (found.item, found.revision) == (catalogue, 1)
    assert found.item.find("checking_in", "id") == template()


def test_a_save_from_a_stale_revision_changes_nothing(store: Any) -> None:
    first = TemplateCatalogue(templates=[template()], synced_at=T0)
    store.save_templates(first, 0)
    paused = first.put(template(status="PAUSED"))
    assert store.save_templates(paused, 1) is True
    assert store.save_templates(first, 1) is False
    assert store.save_templates(first, 0) is False
    found = store.templates()
    assert found.revision == 2
    assert found.item.find("checking_in", "id") == template(status="PAUSED")
