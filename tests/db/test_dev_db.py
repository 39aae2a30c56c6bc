"""`python -m launchpad dev-db`: a server that cannot start (the dev port taken by another program, the usual
case) is the server's own reason on one command's stderr, exit 1, never a traceback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.postgres


def test_a_taken_port_is_the_servers_reason_without_a_traceback() -> None:
    # Not under pytest's tmp_path: as root the server runs as another user that must traverse the path.
    root = Path(tempfile.mkdtemp(prefix="launchpad-dev-db-"))
    data = root / "data"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "launchpad", "dev-db", "start", "--data-dir", str(data), "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    shutil.rmtree(root, ignore_errors=True)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"dev-db start: PostgreSQL did not start on 127.0.0.1:{port} (see {data}/server.log)")
    assert "Address already in use" in done.stderr and "Traceback" not in done.stderr


def _dev_db(action: str, data: Path, port: int, session: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "launchpad", "dev-db", action, "--data-dir", str(data), "--port", str(port),
         "--session", session],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return done.stdout


def test_a_second_session_never_stops_the_database_the_first_started() -> None:
    """Issue 18: a second scripts/dev-up.sh found the database running, then stopped it on its way out, under
    the first run's `up`. Each run now stops only a server it started itself."""
    from launchpad.db import local_server

    root = Path(tempfile.mkdtemp(prefix="launchpad-dev-db-"))
    data, port = root / "data", local_server.free_port()
    try:
        assert "started PostgreSQL" in _dev_db("start", data, port, "first")
        assert "already running" in _dev_db("start", data, port, "second")
        assert "left running" in _dev_db("stop", data, port, "second")
        assert local_server.is_running(data.resolve())
        assert "stopped" in _dev_db("stop", data, port, "first")
        assert not local_server.is_running(data.resolve())
    finally:
        local_server.LocalServer(data.resolve(), port).stop()
        shutil.rmtree(root, ignore_errors=True)
