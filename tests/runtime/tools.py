"""Tools the runtime tests need: node and npm, which install elizaOS's packages at the pinned version into the
launchpad cache (launchpad.runtime). Without them the tests skip, except in CI, where a missing tool is a
failure (scripts/test.sh runs on a machine that has them)."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not on PATH: the real elizaOS runtime needs it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)
