"""Cold start: the import time of every handler in fresh interpreters, against `import boto3`.

Each run is a new interpreter that times one import with `perf_counter`; the rounds
interleave a bare `import boto3` with every handler, so a busy machine slows both alike,
and each figure is the handler's median over the baseline's median. Two ways:

- with bytecode: the repo's sources with their `__pycache__`, as a developer runs them and
  as the layer now ships (compiled for the runtime's Python by `infra/layer.py`);
- without bytecode: the modules the layer ships (the library and its dependencies; boto3
  is the runtime's, with its bytecode) copied without `__pycache__` and run with
  PYTHONDONTWRITEBYTECODE=1, as Lambda ran the layer built without `.pyc` (/opt is
  read-only, so every cold start compiled it).

A handler that calls `runtime.deps()` is also timed up to its dependencies being built
(configuration and the store, no network): what its first request adds to the import.
The bytecode is this interpreter's: the ratios stand for Lambda's, not its times. A run
starts 21 × ROUNDS interpreters (about a minute and a half at ROUNDS = 10 on two cores);
more rounds narrow the medians, they do not move them.
"""

from __future__ import annotations

import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from benchmarks.figures import Figure, at_most

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 10
TARGET = 1.6
HANDLERS = sorted(path.parent.name for path in ROOT.glob("functions/*/handler.py"))
BASELINE = "boto3"
BYTECODE, NO_BYTECODE = "with bytecode", "without bytecode"
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
"""What Lambda's Python runtime brings with boto3 (with its bytecode): not in the layer."""
PROBE = """
import json, sys, time
name, wire = sys.argv[1], sys.argv[2] == "1"
start = time.perf_counter()
__import__(name)
imported = time.perf_counter() - start
if wire:
    from followup.wiring import runtime
    runtime.deps()
print(json.dumps([imported, time.perf_counter() - start]))
"""


def _module(handler: str) -> str:
    return f"functions.{handler}.handler"


def _wires(handler: str) -> bool:
    return "runtime.deps()" in (ROOT / "functions" / handler / "handler.py").read_text()


def _time(name: str, path: Iterable[Path], no_bytecode: bool = False) -> tuple[float, float]:
    """(import, import + dependencies built) in seconds, in a fresh interpreter."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(p) for p in path),
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    if no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    wire = name.startswith("functions.") and _wires(name.split(".")[1])
    done = subprocess.run(  # noqa: S603  # this interpreter, fixed arguments
        [sys.executable, "-c", PROBE, name, "1" if wire else "0"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    imported, wired = json.loads(done.stdout.splitlines()[-1])
    return float(imported), float(wired)


def _shipped_modules() -> set[str]:
    """Top-level modules the handlers load from outside the standard library and boto3."""
    probe = (
        "import json, sys\n"
        "for name in sys.argv[1:]:\n"
        "    __import__(name)\n"
        "from followup.wiring import runtime\n"
        "runtime.deps()\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run(  # noqa: S603  # this interpreter, fixed arguments
        [sys.executable, "-c", probe, *map(_module, HANDLERS)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": _repo_path_text(), "AWS_DEFAULT_REGION": "us-east-1"},
        cwd=ROOT,
        check=True,
    )
    names = set(json.loads(done.stdout.splitlines()[-1]))
    installer = {name for name in names if name.startswith(("__editable__", "_distutils"))}
    return names - set(sys.stdlib_module_names) - set(RUNTIME_PROVIDED) - installer - {"functions"}


def _repo_path() -> list[Path]:
    return [ROOT / "layers" / "followup", ROOT]


def _repo_path_text() -> str:
    return os.pathsep.join(str(p) for p in _repo_path())


def _layer_copy(into: Path) -> Path:
    """The layer's modules (and the handlers) copied without bytecode."""
    site = ROOT / "layers" / "followup"
    packages = {Path(p) for p in sys.path if p.endswith("site-packages")}
    no_cache = shutil.ignore_patterns("__pycache__", "*.pyc")
    into.mkdir()
    for name in sorted(_shipped_modules()):
        found = [base / name for base in (site, *packages) if (base / name).is_dir()]
        single = [base / f"{name}.py" for base in packages if (base / f"{name}.py").exists()]
        if found:
            shutil.copytree(found[0], into / name, ignore=no_cache)
        elif single:
            shutil.copy2(single[0], into / single[0].name)
    shutil.copytree(ROOT / "functions", into / "functions", ignore=no_cache)
    return into


def _ratios(label: str, runs: dict[str, list[tuple[float, float]]], baseline: float) -> list[float]:
    """Each handler's median import over the baseline's, printed with the first request's."""
    ratios = []
    print(f"\n{label}: median import of {BASELINE} {baseline * 1000:.0f} ms = 1×")
    for handler in HANDLERS:
        imported = statistics.median(run[0] for run in runs[handler])
        wired = statistics.median(run[1] for run in runs[handler])
        extra = f", with its dependencies built {wired / baseline:.2f}×" if _wires(handler) else ""
        print(f"  {handler:<14} {imported * 1000:6.0f} ms  {imported / baseline:.2f}×{extra}")
        ratios.append(round(imported / baseline, 2))
    return ratios


def main() -> list[Figure]:
    # The bytecode the layer ships, whatever a run without it left in the sources (a shell with
    # PYTHONDONTWRITEBYTECODE writes none, and a module edited since has a stale one).
    for sources in (ROOT / "layers" / "followup" / "followup", ROOT / "functions"):
        compileall.compile_dir(sources, quiet=1, workers=0)
    with tempfile.TemporaryDirectory() as tmp:
        ways = {
            BYTECODE: (_repo_path(), False),
            NO_BYTECODE: ([_layer_copy(Path(tmp) / "layer")], True),
        }
        base: list[float] = []
        runs: dict[str, dict[str, list[tuple[float, float]]]] = {
            way: {handler: [] for handler in HANDLERS} for way in ways
        }
        for _ in range(ROUNDS):
            base.append(_time(BASELINE, [])[0])
            for way, (path, no_bytecode) in ways.items():
                for handler in HANDLERS:
                    runs[way][handler].append(_time(_module(handler), path, no_bytecode))
    baseline = statistics.median(base)
    ratios = {way: _ratios(way, runs[way], baseline) for way in ways}
    return [
        at_most(f"import {handler} vs boto3 ({BYTECODE})", ratio, "×", TARGET)
        for handler, ratio in zip(HANDLERS, ratios[BYTECODE], strict=True)
    ] + [Figure(f"slowest handler import vs boto3 ({NO_BYTECODE})", max(ratios[NO_BYTECODE]), "×")]
