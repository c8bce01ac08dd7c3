"""The template catalogue on DynamoDB: one document in the state table, kept by revision."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from followup.adapters.tables import StateItem, put_once
from followup.domain.templates import TemplateCatalogue
from followup.services.ports import Versioned

TEMPLATES_KEY = "templates"


class DynamoTemplates:
    def templates(self) -> Versioned[TemplateCatalogue]:
        try:
            item = StateItem.get(TEMPLATES_KEY, consistent_read=True)
        except DoesNotExist:
            return Versioned(TemplateCatalogue(), 0)
        return Versioned(TemplateCatalogue.model_validate_json(item.doc), int(item.revision or 0))

    def save_templates(self, catalogue: TemplateCatalogue, revision: int) -> bool:
        condition = (
            StateItem.key.does_not_exist() if revision == 0 else StateItem.revision == revision
        )
        item = StateItem(TEMPLATES_KEY, doc=catalogue.model_dump_json(), revision=revision + 1)
        return put_once(item, condition, StateItem.token)
