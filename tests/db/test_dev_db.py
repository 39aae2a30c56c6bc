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
