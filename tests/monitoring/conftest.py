from __future__ import annotations

import os

import pytest

from launchpad.monitoring import promtool

INSTALL = "apt-get install -y --no-install-recommends prometheus"


@pytest.fixture(scope="session")
def promtool_bin() -> str:
    """The real promtool. In CI (CI=true) its absence is a failure: a silently skipped check is no check."""
    found = promtool.find()
    if found:
        return found
    if os.environ.get("CI") == "true":
        pytest.fail(f"promtool is not installed, and CI=true: install it with `{INSTALL}`")
    pytest.skip(f"promtool is not installed (`{INSTALL}`); with CI=true this fails instead")
