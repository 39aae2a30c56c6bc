"""The secret values each agent's container reads, for redaction. Never written anywhere: held in memory.

Where they come from: the agent's Deployment (the status watch's copy) lists, in its container's env, every
`valueFrom.secretKeyRef` (the agent's own Secret `<name>-env`, and Secrets the owner made, e.g. a database
URL). Secrets labelled with an agent are kept by one list+watch for the fleet; a referenced Secret without the
label is read once and again after REFETCH_SECONDS. RBAC: get/list/watch on secrets (the collector's
ClusterRole); the values stay in this process."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from launchpad import naming
from services.collector.kube.watch import Expired, ListWatch
from services.collector.logs.redact import Redactor

log = logging.getLogger(__name__)
Obj = dict[str, Any]
REFETCH_SECONDS = 60.0


def _decoded(secret: Obj) -> dict[str, str]:
    out = {}
    for key, value in (secret.get("data") or {}).items():
        try:
            out[key] = base64.b64decode(value).decode("utf-8", errors="replace")
        except (ValueError, TypeError):
            continue
    for key, value in (secret.get("stringData") or {}).items():
        out[key] = str(value)
    return out


def secret_refs(deployment: Obj) -> list[tuple[str, str, str]]:
    """(env name, Secret name, key) of every Secret value the Deployment's pods read: each `secretKeyRef` of the
    agent's container, and each Secret item of a volume (a pack's init container reads every packed agent's own
    Secrets through projected volumes, launchpad/workloads/pack_pod.py; the item's file name is its env name).
    A pack's server prints what any of its agents holds: its lines are redacted of every one of them."""
    spec = (((deployment.get("spec") or {}).get("template") or {}).get("spec")) or {}
    containers = spec.get("containers") or []
    refs = []
    for container in containers:
        if container.get("name") != naming.CONTAINER_NAME and len(containers) > 1:
            continue
        for env in container.get("env") or []:
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref and ref.get("name") and ref.get("key"):
                refs.append((str(env["name"]), str(ref["name"]), str(ref["key"])))
    for volume in spec.get("volumes") or []:
        sources = list((volume.get("projected") or {}).get("sources") or [])
        if "secret" in volume:
            sources.append({"secret": volume["secret"]})
        for source in sources:
            secret = source.get("secret") or {}
            name = secret.get("name") or secret.get("secretName")
            for item in secret.get("items") or []:
                if name and item.get("key"):
                    label = str(item.get("path") or item["key"]).rsplit("/", 1)[-1]
                    refs.append((label, str(name), str(item["key"])))
    return refs


class SecretValues:
    def __init__(
        self, api: client.ApiClient | None, watch: ListWatch | None, deployment_of: Callable[[str, str], Obj | None]
    ) -> None:
        self._core = client.CoreV1Api(api) if api is not None else None
        self._watch = watch
        self._deployment_of = deployment_of
        self._labelled: dict[tuple[str, str], dict[str, str]] = {}
        self._fetched: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}
        self._redactors: dict[tuple[str, str], tuple[tuple[Any, ...], Redactor]] = {}
        self._lock = threading.Lock()
        self.ready = threading.Event()

    # -- the watch -------------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        if self._watch is None:
            self.ready.set()
            return
        version = self._relist()
        while not stop.is_set():
            try:
                for event in self._watch.watch(version):
                    version = event.resource_version
                    meta = event.object.get("metadata") or {}
                    key = (str(meta.get("namespace", "")), str(meta.get("name", "")))
                    with self._lock:
                        if event.type == "DELETED":
                            self._labelled.pop(key, None)
                        elif event.type != "BOOKMARK":
                            self._labelled[key] = _decoded(event.object)
                    if stop.is_set():
                        break
            except Expired:
                version = self._relist()
            except (ApiException, HTTPError, OSError) as exc:
                if stop.is_set():
                    break
                log.warning("secrets watch failed (%s); resuming in 1 s", exc)
                time.sleep(1)
        self._watch.stop()

    def _relist(self) -> str:
        assert self._watch is not None
        listing = self._watch.list_at(None)
        labelled = {}
        for item in listing.items:
            meta = item.get("metadata") or {}
            labelled[(str(meta.get("namespace", "")), str(meta.get("name", "")))] = _decoded(item)
        with self._lock:
            self._labelled = labelled
        self.ready.set()
        return listing.resource_version

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.stop()

    # -- lookups ---------------------------------------------------------------------------------------

    def _secret(self, namespace: str, name: str) -> dict[str, str]:
        with self._lock:
            found = self._labelled.get((namespace, name))
            cached = self._fetched.get((namespace, name))
        if found is not None:
            return found
        if cached is not None and time.monotonic() - cached[0] < REFETCH_SECONDS:
            return cached[1]
        values: dict[str, str] = {}
        if self._core is not None:
            try:
                response = self._core.read_namespaced_secret(name, namespace, _preload_content=False)
                values = _decoded(json.loads(response.data))
            except ApiException as exc:
                if exc.status != 404:
                    log.warning("reading secret %s/%s: %s", namespace, name, exc.reason)
                values = cached[1] if cached else {}
        with self._lock:
            self._fetched[(namespace, name)] = (time.monotonic(), values)
        return values

    def values(self, namespace: str, agent: str) -> list[tuple[str, str]]:
        """(env name, value) of every secret the pods running the agent read (its own Deployment's, or its
        pack's: then every packed agent's, two of which may read different values under one env name)."""
        deployment = self._deployment_of(namespace, agent)
        if deployment is None:
            return []
        out = set()
        for env, secret, key in secret_refs(deployment):
            value = self._secret(namespace, secret).get(key)
            if value:
                out.add((env, value))
        return sorted(out)

    def redactor(self, namespace: str, agent: str) -> Redactor:
        values = self.values(namespace, agent)
        fingerprint = tuple(values)
        with self._lock:
            cached = self._redactors.get((namespace, agent))
            if cached is not None and cached[0] == fingerprint:
                return cached[1]
        redactor = Redactor(values)
        with self._lock:
            self._redactors[(namespace, agent)] = (fingerprint, redactor)
        return redactor
