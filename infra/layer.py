"""The shared Lambda layer, built without Docker and only when its inputs change.

pip fetches manylinux wheels for the Lambda platform (`--platform`, binary only), so
no container is needed. boto3, botocore and s3transfer are left out: the runtime has
them, and with them the layer is five times larger. So is what libphonenumber knows of
places and carriers (`UNUSED`), which the engine never reads. The directory is named after
a hash of the pinned requirements and the library's sources, so an unchanged layer is
reused and CDK's asset hash stays the same.

Lambda mounts layers read-only, so a layer without bytecode is compiled again on every
cold start. `bytecode.mjs` compiles it with the runtime's own Python version (Pyodide,
from `npm ci`), as hash-based `.pyc` files that do not depend on the zip's file times.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "layers" / "followup" / "followup"
CONSTRAINTS = ROOT / "constraints.txt"
PYTHON_VERSION = "3.14"
PLATFORMS = ("manylinux_2_34_aarch64", "manylinux_2_28_aarch64", "manylinux2014_aarch64")
"""Lambda's Python 3.14 runtime runs Amazon Linux 2023 (glibc 2.34) on Graviton."""
REQUIREMENTS = (
    "anthropic",
    "aws-lambda-powertools",
    "pynamodb",
    "httpx",
    "pydantic",
    "pydantic-settings",
    "holidays",
    "phonenumbers",
    "python-dateutil",
    "tzdata",
    "dateparser",
    "pyjwt[crypto]",
)
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")
UNUSED = ("phonenumbers/geodata", "phonenumbers/carrierdata")
"""libphonenumber's places and carriers by number, four fifths of its package: the engine
reads its numbering plan and time zones only."""
CACHE_TAG = f"cpython-{PYTHON_VERSION.replace('.', '')}"
COMPILER = ROOT / "infra" / "bytecode.mjs"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(f"{PYTHON_VERSION} {PLATFORMS} {REQUIREMENTS}".encode())
    digest.update(CONSTRAINTS.read_bytes())
    digest.update(COMPILER.read_bytes())
    for source in _library_files(LIBRARY):
        digest.update(str(source.relative_to(LIBRARY)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]


def _library_files(library: Path) -> list[Path]:
    """Every file the layer ships of the library, its sources and its data (the rate card),
    without the bytecode a local run left beside them."""
    return sorted(p for p in library.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


def build(out: Path = ROOT / "build" / "layer") -> Path:
    """The layer directory (with `python/` inside), built now if this version is new."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel synths wait for one build
        return _build(out / _fingerprint(), out)


def _build(target: Path, out: Path) -> Path:
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    site = target / "python"
    subprocess.run(  # noqa: S603  # fixed arguments, no shell
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
            "--only-binary=:all:", "--implementation", "cp",
            "--python-version", PYTHON_VERSION, "--no-compile", "--target", str(site),
            "-c", str(CONSTRAINTS), *REQUIREMENTS,
        ],
        check=True,
    )  # fmt: skip
    for name in RUNTIME_PROVIDED:
        for path in site.glob(f"{name}*"):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for unused in ("bin", *UNUSED):
        shutil.rmtree(site / unused, ignore_errors=True)
    shutil.copytree(LIBRARY, site / "followup", ignore=shutil.ignore_patterns("__pycache__"))
    _compile(site)
    (target / ".complete").touch()
    for stale in out.iterdir():
        if stale != target and stale.is_dir():
            shutil.rmtree(stale)
    return target


def _compile(site: Path) -> None:
    """Bytecode for every module, from the runtime's Python version or not at all."""
    done = subprocess.run(  # noqa: S603  # fixed arguments, no shell
        ["node", str(COMPILER), str(site)],  # noqa: S607  # node from PATH, as for the CDK
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    report = json.loads(done.stdout.splitlines()[-1])
    if report != {"cache_tag": CACHE_TAG, "compiled": True}:
        raise RuntimeError(f"layer bytecode is not for {CACHE_TAG}: {report}\n{done.stderr}")
