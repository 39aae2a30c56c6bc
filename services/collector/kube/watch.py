"""One list+watch of one resource across all namespaces, by label selector, as plain JSON (no model
objects: at 1,000 agents the client's model deserialisation would dominate the collector's CPU).

The loop a Kubernetes informer runs, without a cache of its own (the caller keeps the state):
- `list_at(rv)` lists the collection, exactly at `rv` when given (the state a restarted collector last
  stored, so the watch that follows replays every change since, and no transition is missed), else the
  latest;
- `watch(rv)` yields events after `rv`, with bookmarks (the server's progress notes, so a quiet watch still
  moves its resourceVersion forward), ending when the server closes it (a timeout: resume from the last
  version); a `Gone` (410: the version was compacted away) raises `Expired`, and the caller lists again.
The official client's own Watch is not used: with deserialize=False it drops the resourceVersion it should
resume from, and reads a 410 ERROR event through a key that only its deserialising path sets."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from kubernetes.watch.watch import iter_resp_lines
from urllib3.exceptions import HTTPError

Obj = dict[str, Any]
WATCH_SECONDS = 240  # the server ends a watch after this; we resume from its last version


class Expired(Exception):
    """The resourceVersion is too old (HTTP 410 Gone): list again."""


@dataclass(frozen=True)
class Listing:
    items: list[Obj]
    resource_version: str


@dataclass(frozen=True)
class Event:
    type: str  # ADDED | MODIFIED | DELETED | BOOKMARK
    object: Obj
    resource_version: str


class ListWatch:
    def __init__(self, list_all: Callable[..., Any], label_selector: str) -> None:
        """list_all: e.g. CoreV1Api(api).list_pod_for_all_namespaces."""
        self._list_all = list_all
        self._selector = label_selector
        self._response: Any = None
        self._stopped = False

    def list_at(self, resource_version: str | None = None) -> Listing:
        kwargs: dict[str, Any] = {"label_selector": self._selector, "_preload_content": False}
        if resource_version:
            kwargs |= {"resource_version": resource_version, "resource_version_match": "Exact"}
        try:
            response = self._list_all(**kwargs)
        except ApiException as exc:
            if exc.status == 410:
                raise Expired(str(exc.reason)) from None
            raise
        body = json.loads(response.data)
        return Listing(body.get("items") or [], str(body["metadata"]["resourceVersion"]))

    def watch(self, resource_version: str) -> Iterator[Event]:
        response = self._list_all(
            label_selector=self._selector,
            watch=True,
            resource_version=resource_version,
            allow_watch_bookmarks=True,
            timeout_seconds=WATCH_SECONDS,
            _preload_content=False,
        )
        self._response = response
        self._stopped = False
        try:
            for line in self._lines(response):
                if not line or line.isspace():
                    continue
                event = json.loads(line)
                obj = event.get("object") or {}
                if event.get("type") == "ERROR":
                    if obj.get("code") == 410:
                        raise Expired(str(obj.get("message", "")))
                    raise ApiException(status=obj.get("code"), reason=f"{obj.get('reason')}: {obj.get('message')}")
                rv = str((obj.get("metadata") or {}).get("resourceVersion", resource_version))
                yield Event(str(event["type"]), obj, rv)
        finally:
            self._response = None
            response.close()
            response.release_conn()

    def _lines(self, response: Any) -> Iterator[str]:
        """The response's lines; a response closed by `stop` (from another thread) just ends them."""
        try:
            yield from iter_resp_lines(response)
        except (AttributeError, ValueError, OSError, HTTPError):
            if not self._stopped:
                raise

    def stop(self) -> None:
        """End the open watch from another thread, at once: the generator then ends.

        The socket is shut down, not the response closed: `response.close()` from another thread closes the
        buffered reader, which waits for the lock the watching thread holds while it is blocked reading, i.e.
        until the next event or bookmark arrives (up to a minute on a quiet fleet). The leader's stop waited
        that long, and the lock that lets a standby take over with it (the flaky restart in
        tests/collector/test_status_kube.py). A shut-down socket wakes the reader with end-of-stream; the
        reader closes and releases the response itself."""
        self._stopped = True
        response = self._response
        if response is None:
            return
        sock = getattr(getattr(response, "connection", None), "sock", None)
        if sock is None:  # not connected (or already released): nothing blocks on it
            return
        # socket.socket's own shutdown: SSLSocket.shutdown would also drop the TLS object the reader uses. An
        # OSError: already closed.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def pods(api: client.ApiClient, selector: str) -> ListWatch:
    return ListWatch(client.CoreV1Api(api).list_pod_for_all_namespaces, selector)


def deployments(api: client.ApiClient, selector: str) -> ListWatch:
    return ListWatch(client.AppsV1Api(api).list_deployment_for_all_namespaces, selector)


def secrets(api: client.ApiClient, selector: str) -> ListWatch:
    return ListWatch(client.CoreV1Api(api).list_secret_for_all_namespaces, selector)
