"""The worker's probes for Kubernetes (launchpad/controlplane/services.py): `/healthz` answers while the process
serves, `/readyz` when the database answers too (checked at most every few seconds, on a short-lived
connection). Standard library only: two paths do not need a web framework in the deployer's process."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg

from launchpad.controlplane.services import LIVENESS_PATH, READINESS_PATH

CACHE_SECONDS = 5.0


class _Readiness:
    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._lock = threading.Lock()
        self._checked = 0.0
        self._ready = False

    def ready(self) -> bool:
        with self._lock:
            if time.monotonic() - self._checked > CACHE_SECONDS:
                try:
                    with psycopg.connect(
                        self._url, connect_timeout=3, application_name="launchpad-deployer-probe"
                    ) as c:
                        c.execute("select 1")
                    self._ready = True
                except psycopg.Error:
                    self._ready = False
                self._checked = time.monotonic()
            return self._ready


def serve_health(port: int, database_url: str, host: str = "0.0.0.0") -> ThreadingHTTPServer:
    """Start the probe server in a daemon thread; returns it (shutdown() stops it)."""
    readiness = _Readiness(database_url)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == LIVENESS_PATH:
                self._answer(200, b"ok\n")
            elif self.path == READINESS_PATH:
                ok = readiness.ready()
                self._answer(200 if ok else 503, b"ready\n" if ok else b"database unreachable\n")
            else:
                self._answer(404, b"not found\n")

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # probes every few seconds: no log
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server
