"""Where heavy, rebuildable things live outside the clone: `${LAUNCHPAD_CACHE:-~/.cache/agent-launchpad}`, the
variable tools/*/ensure.sh and scripts/tools.sh read too. The one reader of it in Python: each tool keeps its
own subdirectory (runtime/, trivy/, engine/, ...), keyed by version or content."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    return Path(os.environ.get("LAUNCHPAD_CACHE") or Path.home() / ".cache" / "agent-launchpad")
