"""The admin API loads the routers of a request's path prefix only: every route must be
found under its prefix, or a request to it would answer 404 in a fresh container."""

from __future__ import annotations

import importlib
import pkgutil
import re

import followup.api
from followup.api.resolver import ROUTERS, routers_for


def _route_modules() -> set[str]:
    names = {info.name for info in pkgutil.iter_modules(followup.api.__path__)}
    return {
        name for name in names if hasattr(importlib.import_module(f"followup.api.{name}"), "router")
    }


def test_every_module_with_a_router_is_loaded_by_the_resolver() -> None:
    assert set(ROUTERS) == _route_modules()


def test_every_route_is_loaded_for_a_request_to_its_path() -> None:
    missing, checked = [], set()
    for name in ROUTERS:
        router = importlib.import_module(f"followup.api.{name}").router
        for path, *_ in router._routes:  # Powertools lists a router's routes nowhere else
            checked.add(name)
            sample = re.sub(r"<\w+>", "x", path)
            if name not in routers_for(sample):
                missing.append(f"{name}: {path}")
    assert checked == set(ROUTERS)  # each router was read and has routes
    assert missing == []


def test_a_path_no_router_has_loads_none_and_the_description_loads_all() -> None:
    assert routers_for("/api/nothing-here") == frozenset()
    assert routers_for("/api/rulesx") == frozenset()
    assert routers_for("/api/openapi.json") == frozenset(ROUTERS)
