"""Every import made after a module has loaded runs under `loading()`: two threads that
load packages importing each other for the first time at once get half-loaded modules
(see `followup.loading`). The attack itself is in tests/integration/test_first_loads.py."""

from __future__ import annotations

import ast
import threading
from pathlib import Path

from followup.loading import loading

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("layers/followup/followup", "functions", "local/followup_local")


def _under_loading(node: ast.With) -> bool:
    return any(
        isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Name)
        and item.context_expr.func.id == "loading"
        for item in node.items
    )


def _unguarded(node: ast.AST, in_function: bool, guarded: bool) -> list[ast.stmt | ast.expr]:
    """Imports and `import_module` calls inside a function body and outside `loading()`."""
    found: list[ast.stmt | ast.expr] = []
    loads = isinstance(node, ast.Import | ast.ImportFrom) or (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "import_module"
    )
    if in_function and not guarded and loads:
        assert isinstance(node, ast.stmt | ast.expr)
        found.append(node)
    if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
        return found  # read by the type checker only
    in_function = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    guarded = guarded or (isinstance(node, ast.With) and _under_loading(node))
    for child in ast.iter_child_nodes(node):
        found += _unguarded(child, in_function, guarded)
    return found


def test_every_import_after_load_time_is_made_under_the_loading_lock() -> None:
    files = [path for source in SOURCES for path in sorted((ROOT / source).rglob("*.py"))]
    unguarded = [
        f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}"
        for path in files
        for node in _unguarded(ast.parse(path.read_text()), in_function=False, guarded=False)
    ]
    assert len(files) > 100
    assert unguarded == []


def test_the_check_finds_an_import_made_outside_the_lock() -> None:
    code = (
        "def late():\n    import anthropic\n"
        "def guarded():\n    with loading():\n        import anthropic\n"
        "if TYPE_CHECKING:\n    import anthropic\n"
        "def dynamic():\n    importlib.import_module('x')\n"
    )
    found = _unguarded(ast.parse(code), in_function=False, guarded=False)
    assert [node.lineno for node in found] == [2, 9]


def test_one_thread_loads_at_a_time_and_a_load_may_start_another() -> None:
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with loading(), loading():  # a load that starts another does not wait for itself
            inside.set()
            release.wait(5)
            order.append("first")

    def second() -> None:
        inside.wait(5)
        with loading():
            order.append("second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first", "second"]
