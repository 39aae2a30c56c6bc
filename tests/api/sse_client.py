"""A Server-Sent Events client for the tests: reads a stream in a thread (httpx, as a fetch-based browser
client would, with the bearer token and Last-Event-ID) and hands each event over as (id, event, data)."""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import httpx2 as httpx


class SseClient:
    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.events: queue.Queue[tuple[str, str, dict[str, Any]]] = queue.Queue()
        self.status: int | None = None
        self._closing = threading.Event()
        self._ready = threading.Event()
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run, args=(url, headers), daemon=True)
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the stream did not open")

    def _run(self, url: str, headers: dict[str, str]) -> None:
        try:
            timeout = httpx.Timeout(30, read=None)
            with httpx.Client(timeout=timeout) as client, client.stream("GET", url, headers=headers) as r:
                self.status, self._response = r.status_code, r
                self._ready.set()
                fields: dict[str, str] = {}
                for line in r.iter_lines():
                    if self._closing.is_set():
                        return
                    if not line:
                        if "data" in fields:
                            data = json.loads(fields["data"])
                            self.events.put((fields.get("id", ""), fields.get("event", "message"), data))
                        fields = {}
                    elif not line.startswith(":"):
                        key, _, value = line.partition(": ")
                        fields[key] = value
        except (httpx.HTTPError, RuntimeError):  # closed by close()
            pass
        finally:
            self._ready.set()

    def take(self, count: int, timeout: float = 10) -> list[tuple[str, str, dict[str, Any]]]:
        got: list[tuple[str, str, dict[str, Any]]] = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            try:
                got.append(self.events.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                break
        return got

    def quiet(self, seconds: float) -> list[tuple[str, str, dict[str, Any]]]:
        """Whatever arrives within `seconds` (to show that nothing does)."""
        return self.take(10_000, timeout=seconds)

    def close(self) -> None:
        self._closing.set()
        if self._response is not None:
            self._response.close()
        self._thread.join(timeout=20)
