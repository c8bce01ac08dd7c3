"""An adapter stood in for by `on_first_use` is built once, on first use, for every thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from followup.wiring.lazy import on_first_use


class Adapter:
    def __init__(self, slow: threading.Event) -> None:
        slow.wait(0.2)  # slow to build, as a client is: other threads arrive meanwhile
        self.name = "built"


def _counting(built: list[Adapter], slow: threading.Event) -> Callable[[], Adapter]:
    def build() -> Adapter:
        built.append(Adapter(slow))
        return built[-1]

    return build


def test_nothing_is_built_until_first_used_and_then_only_once() -> None:
    built: list[Adapter] = []
    ready = threading.Event()
    ready.set()
    adapter = on_first_use(_counting(built, ready))
    assert built == []
    assert (adapter.name, adapter.name) == ("built", "built")
    assert len(built) == 1


def test_threads_that_reach_it_together_share_one_build() -> None:
    built: list[Adapter] = []
    adapter = on_first_use(_counting(built, threading.Event()))
    with ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(lambda _: adapter.name, range(8)))
    assert names == ["built"] * 8
    assert len(built) == 1
