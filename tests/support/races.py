"""Races made deterministic: a repository that lets another writer land first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from followup.domain.settings import WorkspaceSettings
from followup.services.ports import RuleRepository


class AdminSavesFirst:
    """The real rules repository, except that an admin's save of the settings lands just
    before the first settings write made through it: a race made deterministic."""

    def __init__(self, real: RuleRepository, admin: dict[str, object]) -> None:
        self._real, self._admin = real, admin
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def _race(self) -> None:
        if not self.raced:
            self.raced = True
            self._real.save_settings(self._real.settings().model_copy(update=self._admin))

    def save_settings(self, settings: WorkspaceSettings) -> None:
        self._race()
        self._real.save_settings(settings)

    def save_settings_from(self, settings: WorkspaceSettings, revision: int) -> bool:
        self._race()
        return self._real.save_settings_from(settings, revision)


class AfterFirstRead:
    """A repository whose first call of `method` (or `nth`) runs `meanwhile` once it has
    read, before its caller writes what it read: another writer landing in between, made
    deterministic. `heard` says it ran."""

    def __init__(
        self, inner: Any, method: str, meanwhile: Callable[[], object], *, nth: int = 1
    ) -> None:
        self.inner, self._method, self._meanwhile = inner, method, meanwhile
        self._left = nth
        self.heard = False

    def __getattr__(self, name: str) -> Any:
        read = getattr(self.inner, name)
        if name != self._method or self.heard:
            return read

        def then_meanwhile(*args: Any) -> Any:
            found = read(*args)
            self._left -= 1
            if self._left == 0:
                self.heard = True
                self._meanwhile()
            return found

        return then_meanwhile
