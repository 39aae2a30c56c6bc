"""Build-once directories under the launchpad cache: check, else build into a temporary directory beside the
target and rename it into place (like tools/engine/ensure.sh). A rename is atomic, so a reader never sees a
half-built directory; an advisory lock keeps two processes (two pytest workers, a test and a benchmark) from
doing the same minutes-long install twice."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from launchpad.cache import cache_root


def runtime_cache() -> Path:
    return cache_root() / "runtime"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(final: Path, complete: Callable[[Path], bool], build: Callable[[Path], None]) -> Path:
    """`final` once `complete(final)`; else `build(tmp)` fills a temporary directory that is renamed to `final`.
    A failed build leaves nothing behind."""
    if complete(final):
        return final
    with _locked(final.with_name(final.name + ".lock")):
        if complete(final):  # another process built it while we waited
            return final
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
        try:
            os.chmod(work, 0o755)
            build(work)
            if final.exists():  # an incomplete leftover (killed mid-rename is impossible; mid-build is not)
                shutil.rmtree(final)
            os.rename(work, final)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    return final
