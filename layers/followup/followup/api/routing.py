"""What each known path answers, read from the resolver's own routes.

Used before and after routing: to name unknown query parameters (a typo must not be
silently ignored) and to tell a wrong method (405, with `Allow`) from an unknown path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


class Routes:
    def __init__(self, routes: Iterable[Any]) -> None:
        """`routes`: Powertools `Route`s in the resolver's matching order, static ones first."""
        self._paths: dict[str, tuple[re.Pattern[str], dict[str, frozenset[str]]]] = {}
        for route in routes:
            _, operations = self._paths.setdefault(route.path, (route.rule, {}))
            queries = route.dependant.query_params
            operations[route.method] = frozenset(field.alias for field in queries)

    def _operations(self, path: str) -> dict[str, frozenset[str]]:
        """The operations of the first path that matches, as the resolver would pick it."""
        return next((ops for rule, ops in self._paths.values() if rule.match(path)), {})

    def methods(self, path: str) -> list[str]:
        """The methods a known path answers, or [] when no route has this path."""
        return sorted(self._operations(path))

    def unknown_query(self, path: str, method: str, names: Iterable[str]) -> list[str]:
        """Query parameter names this operation does not take."""
        known = self._operations(path).get(method.upper())
        return [] if known is None else sorted(set(names) - known)
