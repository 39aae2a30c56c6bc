"""Where the control plane's binaries are: `$LAUNCHPAD_KUBE_BIN` (scripts/test.sh sets it), else what
tools/kube/ensure.sh finds in its cache or builds (Go modules, 10-25 minutes once on 2 cores)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENSURE = Path(__file__).resolve().parents[2] / "tools" / "kube" / "ensure.sh"
BIN_ENV = "LAUNCHPAD_KUBE_BIN"


def find_bin_dir(*, build: bool) -> Path | None:
    """The bin dir, or None when it is not built and `build` is False (or the build failed; ensure.sh has
    said why on stderr)."""
    if os.environ.get(BIN_ENV):
        return Path(os.environ[BIN_ENV])
    args = ["bash", str(ENSURE)] if build else ["bash", str(ENSURE), "--no-build"]
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=None if build else subprocess.DEVNULL, text=True,
                            check=False)  # fmt: skip
    lines = result.stdout.strip().splitlines()
    return Path(lines[-1]) if result.returncode == 0 and lines else None
