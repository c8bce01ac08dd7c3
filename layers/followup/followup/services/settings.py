"""Writing the workspace settings and the numbers' health from the revision read, so no
save is lost: an admin's save names the revision its page showed and is refused when
someone saved meanwhile; the engine's own changes (a pause, a tier WhatsApp announced, a
quality report) read again and retry."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from followup.domain.errors import Conflict
from followup.domain.numbers import NumberHealth
from followup.domain.settings import WorkspaceSettings
from followup.loading import loading
from followup.services.ports import Versioned

if TYPE_CHECKING:
    from followup.services.deps import Deps

_TRIES = 5
_T = TypeVar("_T")


class StaleSettings(Conflict):
    """The settings were saved by someone else after the revision the caller read."""

    code = "stale_settings"

    def __init__(self, read: int, stored: int) -> None:
        super().__init__(
            f"the settings changed since you read them (revision {read}, now {stored}): "
            "read them again and make your change on what is saved now"
        )
        self.read, self.stored = read, stored


class SettingsBusy(Exception):
    """Others kept saving the settings (or the numbers' health) while this change was
    being written."""


def replace(
    deps: Deps, settings: WorkspaceSettings, revision: int | None
) -> tuple[WorkspaceSettings, WorkspaceSettings, int]:
    """Save `settings` if they are still at `revision` (StaleSettings if not); without a
    revision, over whatever is saved. The settings replaced, those saved and the new
    revision. Settings the same as those saved save nothing, whatever their revision (a
    save sent again after its answer was lost, Save pressed with no change). A new
    zone starts the indexing of the active date rules over: the dates of contacts without
    their own zone come round at other moments. Each rule is marked to start over before
    the zone is saved, so the ticks walk it even when this request fails midway (a 503)
    and its retry, finding the zone saved, has nothing to change. What no save sets is
    kept as stored (`WorkspaceSettings.saved_over`): email's pause, which only resuming
    email lifts, releasing what it held, and since when the workspace is paused, which is
    now when this save pauses it."""
    with loading():  # the date rules' indexing, which only a new zone asks of a save
        from followup.services import date_triggers
    at = deps.clock.now()
    for _ in range(_TRIES):
        read = deps.rules.versioned_settings()
        kept = settings.saved_over(read.item, at)
        if kept == read.item:
            return read.item, kept, read.revision  # nothing to save: a save sent again too
        if revision is not None and read.revision != revision:
            raise StaleSettings(revision, read.revision)
        new_zone = read.item.timezone != settings.timezone
        if new_zone:
            date_triggers.start_over_all(deps)
        if deps.rules.save_settings_from(kept, read.revision):
            deps.catalog.invalidate()
            if new_zone:
                date_triggers.restart_all(deps)
            return read.item, kept, read.revision + 1
    raise SettingsBusy


def change(
    deps: Deps, edit: Callable[[WorkspaceSettings], WorkspaceSettings | None]
) -> Versioned[WorkspaceSettings] | None:
    """Apply `edit` to the settings as saved now, again on a fresh read when someone saved
    meanwhile; `edit` answers None when there is nothing to change. The settings the edit
    was made from, or None when nothing changed."""
    return _edited(deps, deps.rules.versioned_settings, deps.rules.save_settings_from, edit)


def change_numbers(
    deps: Deps, edit: Callable[[list[NumberHealth]], list[NumberHealth] | None]
) -> list[NumberHealth] | None:
    """Apply `edit` to the numbers' health reports as saved now, again on a fresh read when
    another report landed meanwhile; `edit` answers None when there is nothing to change.
    The reports the edit was made from, or None when nothing changed."""
    read = _edited(deps, deps.rules.versioned_numbers, deps.rules.save_numbers_from, edit)
    return None if read is None else read.item


def _edited(
    deps: Deps,
    read_now: Callable[[], Versioned[_T]],
    save_from: Callable[[_T, int], bool],
    edit: Callable[[_T], _T | None],
) -> Versioned[_T] | None:
    """`edit` applied to what `read_now` reads and saved from its revision, read again while
    someone else saved first; the copy it was made from, or None when nothing changed."""
    for _ in range(_TRIES):
        read = read_now()
        changed = edit(read.item)
        if changed is None:
            return None
        if save_from(changed, read.revision):
            deps.catalog.invalidate()
            return read
    raise SettingsBusy


def with_report(reports: list[NumberHealth], health: NumberHealth) -> list[NumberHealth]:
    """`reports` with `health` in place of the number's last one, at the end."""
    others = [r for r in reports if r.phone_number_id != health.phone_number_id]
    return [*others, health]
