"""Writing the lockfile of each plugin set: `bun install --lockfile-only` (the image's bun) resolves the
set's package.json from the npm registry; the result is committed under `<agents dir>/locks/`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from launchpad.images.build import LOCKFILE, ImageBuild
from launchpad.images.lockfiles import lock_path, stale_reason
from launchpad.runtime.toolchain import ToolchainError, ensure_toolchain, run_tool


def write_lock(build: ImageBuild, locks_dir: Path) -> Path:
    """Resolve `build`'s package.json and write its lockfile; returns the path written."""
    toolchain = ensure_toolchain(build)
    with tempfile.TemporaryDirectory(prefix="launchpad-lock-") as tmp:
        work = Path(tmp)
        (work / "package.json").write_text(build.package_json())
        run_tool([str(toolchain.bin / "bun"), "install", "--lockfile-only"], cwd=work, env=toolchain.env())
        text = (work / LOCKFILE).read_text(encoding="utf-8")
    reason = stale_reason(text, build)
    if reason is not None:  # e.g. bun changed its lockfile format
        raise ToolchainError(f"bun wrote a lockfile that does not fit plugin set {build.set_hash}: {reason}")
    locks_dir.mkdir(parents=True, exist_ok=True)
    target = lock_path(locks_dir, build)
    target.write_text(text, encoding="utf-8")
    return target


def unused_locks(locks_dir: Path, builds: list[ImageBuild]) -> list[Path]:
    """Lockfiles of plugin sets no agent uses any more."""
    wanted = {lock_path(locks_dir, b).name for b in builds}
    return sorted(p for p in locks_dir.glob("*.lock") if p.name not in wanted) if locks_dir.is_dir() else []


def remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
