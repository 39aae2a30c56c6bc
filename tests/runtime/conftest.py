"""Fixtures for tests that run the real elizaOS runtime or its validator (npm packages at the pinned version,
installed into the launchpad cache by launchpad.runtime). Without node/npm they skip, except in CI, where a
missing tool is a failure (scripts/test.sh runs on a machine that has them)."""

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
