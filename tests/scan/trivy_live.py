"""The real Trivy for the tests: the binary (PATH, else what tools/trivy/ensure.sh built) and the fixture
vulnerability DB that tools/trivy/fixturedb writes from fixtures/trivy-advisories.json.

The DB is generated, never committed: into $LAUNCHPAD_CACHE/trivy-fixture-db/<key>/, the key a hash of the
advisory list and of the tool's source, so a changed advisory (or a trivy-db bump) means a new DB and an
unchanged one costs nothing. Without trivy or go these tests skip, except in CI, where they fail."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from launchpad.cache import cache_root
from launchpad.scan.database import database_problem, offline_args
from launchpad.scan.trivy import find_trivy

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "trivy"
ADVISORIES = Path(__file__).resolve().parent / "fixtures" / "trivy-advisories.json"
# What decides the DB's content: the advisories, and the code and module versions that write them.
KEYED = (ADVISORIES, TOOL / "fixturedb" / "main.go", TOOL / "go.mod", TOOL / "go.sum")


def missing(tool: str, how: str) -> None:
    """Fail in CI (scripts/test.sh provides the tool), skip with the remedy elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{tool} is missing; CI provides it ({how})")
    pytest.skip(f"{tool} is missing: {how}")


def trivy_binary() -> str:
    found = find_trivy()
    if found is None:
        missing("trivy", "bash tools/trivy/ensure.sh builds it from Go modules, ~6 min once")
    assert found is not None
    return found


def db_key() -> str:
    digest = hashlib.sha256()
    for path in KEYED:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def fixture_db() -> Path:
    """A Trivy cache dir holding the fixture DB (db/trivy.db, db/metadata.json), generated once per key."""
    root = cache_root() / "trivy-fixture-db"
    out = root / db_key()
    if database_problem(out) is None:
        return out
    go = shutil.which("go")
    if go is None:
        missing("go", "go >= 1.26.3 builds tools/trivy/fixturedb")
    assert go is not None
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=root, prefix=".build-"))
    # The flags ensure.sh builds trivy with, so trivy-db and its dependencies come from Go's build cache.
    env = {**os.environ, "GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOEXPERIMENT": "jsonv2"}
    env["GOFLAGS"] = "-mod=readonly -buildvcs=false"
    done = subprocess.run(
        [go, "run", "-trimpath", "./fixturedb", "-advisories", str(ADVISORIES), "-cache-dir", str(work)],
        cwd=TOOL, env=env, capture_output=True, text=True, timeout=1200, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        shutil.rmtree(work, ignore_errors=True)
        pytest.fail(f"tools/trivy/fixturedb failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    try:
        work.rename(out)
    except OSError:  # another run won the race: its DB is the same
        shutil.rmtree(work, ignore_errors=True)
    return out


def private_copy(db_cache: Path, into: Path) -> Path:
    """A cache dir of the tests' own: Trivy also writes its scan cache (fanal/) into the cache dir, and the
    shared DB dir must stay exactly what the key says."""
    shutil.copytree(db_cache / "db", into / "db")
    return into


def raw_trivy(trivy: str, cache_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Trivy itself, offline on the fixture DB, for what the gate's own command deliberately leaves out."""
    subcommand, *rest = args
    return subprocess.run(
        [trivy, subcommand, *offline_args(cache_dir), *rest], capture_output=True, text=True, timeout=600, check=False
    )
