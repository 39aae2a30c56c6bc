"""Fixtures shared by every test directory."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from launchpad.db import local_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[local_server.LocalServer]:
    # Not under pytest's basetemp: pytest keeps that 0700, and as root the server runs as another user
    # that must traverse the path.
    root = Path(tempfile.mkdtemp(prefix="launchpad-pg-"))
    server = local_server.start(root / "data", local_server.free_port(), durable=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
