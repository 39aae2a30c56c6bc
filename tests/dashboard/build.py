"""The dashboard as the control plane serves it: built once per test session by the same script CI and
developers run (scripts/dashboard-build.sh: npm ci into the cache keyed by the lockfile, tsc, esbuild)."""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "services" / "dashboard" / "dist"


@cache
def built() -> Path:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "dashboard-build.sh")], capture_output=True, text=True,
                          timeout=900, check=False)
    if done.returncode != 0:
        raise AssertionError(f"scripts/dashboard-build.sh failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return DIST
