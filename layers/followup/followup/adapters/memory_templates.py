"""The template catalogue in memory, with DynamoTemplates' semantics."""

from __future__ import annotations

import threading

from followup.domain.templates import TemplateCatalogue
from followup.services.ports import Versioned


class MemoryTemplates:
    """The catalogue as a JSON document and its revision, behind the store's lock."""

    _lock: threading.RLock
    _templates: tuple[int, str] | None

    def templates(self) -> Versioned[TemplateCatalogue]:
        with self._lock:
            stored = self._templates
        if stored is None:
            return Versioned(TemplateCatalogue(), 0)
        return Versioned(TemplateCatalogue.model_validate_json(stored[1]), stored[0])

    def save_templates(self, catalogue: TemplateCatalogue, revision: int) -> bool:
        doc = catalogue.model_dump_json()
        with self._lock:
            current = self._templates[0] if self._templates else 0
            if current != revision:
                return False
            self._templates = (revision + 1, doc)
            return True
