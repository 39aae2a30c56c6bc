"""The control plane's processes as they run outside the tests: `python -m launchpad api serve` (with the
stack's settings, the dashboard and its dev-only sign-in) and `python -m launchpad deployer run`, each its
own process on loopback, stopped (and restarted, for the reconnect test) by the tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx

from launchpad.contracts import DEV_SIGN_IN_DATABASE_URL_ENV, DEV_SIGN_IN_ENV
from services.api import config as api_config
from tests.api import supabase_auth as auth
from tests.dashboard.build import DIST, ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ApiServer:
    """`api serve` for `stack` of `project`, logged in as launchpad_api, tokens verified with the legacy
    secret (the dev sign-in mints with it), the dashboard from services/dashboard/dist."""

    project: Path
    stack: str
    api_url: str  # a launchpad_api login
    owner_url: str  # the dev sign-in adds users with it
    sealing_key: str
    log: Path
    port: int = field(default_factory=free_port)
    dev_sign_in: bool = True
    extra: dict[str, str] = field(default_factory=dict)  # e.g. the Supabase project's URL, anon key, JWKS
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            api_config.DATABASE_URL_ENV: self.api_url, api_config.SECRETS_KEY_ENV: self.sealing_key,
            api_config.ISSUER_ENV: auth.ISSUER, api_config.JWT_SECRET_ENV: auth.LEGACY_SECRET,
            api_config.STACK_ENV: self.stack, api_config.PROJECT_DIR_ENV: str(self.project),
            api_config.DASHBOARD_DIR_ENV: str(DIST), "PYTHONPATH": str(ROOT),
        })
        if self.dev_sign_in:
            env.update({DEV_SIGN_IN_ENV: "true", DEV_SIGN_IN_DATABASE_URL_ENV: self.owner_url})
        else:
            env.pop(DEV_SIGN_IN_ENV, None)
        env.update(self.extra)
        return env

    def start(self) -> ApiServer:
        out = open(self.log, "ab")  # noqa: SIM115 - the process writes it until it ends
        self.process = subprocess.Popen(
            [sys.executable, "-m", "launchpad", "api", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.project, env=self.env(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"api serve exited {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base}/api/health", timeout=2).status_code in (200, 503):
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"api serve did not answer within 60 s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self.process = None

    def kill(self) -> None:
        """A dropped connection as a client meets it: the process gone at once, mid-stream."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
            self.process = None
