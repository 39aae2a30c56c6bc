"""The engine's host for dynamic providers, for real: `python -m pulumi.dynamic` (what the engine starts for
every dynamic resource of a run), called over gRPC the way the engine calls it. What a failing `create`
returns here is the text the engine prints as the resource's error."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc
from pulumi.dynamic import ResourceProvider
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.runtime import proto, rpc
from pulumi.runtime.proto import provider_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]
URN = "urn:pulumi:test::agent-launchpad::pulumi-python:dynamic:Resource::probe"


class Host:
    def __init__(self, stub: provider_pb2_grpc.ResourceProviderStub) -> None:
        self._stub = stub

    def create(self, provider: ResourceProvider, props: Mapping[str, Any]) -> str | None:
        """Create one resource; the error text the engine would print, None when it succeeded. The provider is
        serialised as pulumi.dynamic.Resource serialises it into the state."""
        loop = asyncio.new_event_loop()
        try:
            properties = loop.run_until_complete(
                rpc.serialize_properties({"__provider": serialize_provider(provider), **props}, {})
            )
        finally:
            loop.close()
        try:
            self._stub.Create(proto.CreateRequest(urn=URN, properties=properties), timeout=300)
        except grpc.RpcError as error:
            return str(error.details())  # type: ignore[attr-defined]  # a grpc.Call's
        return None


@contextmanager
def provider_host(env: Mapping[str, str] | None = None) -> Iterator[Host]:
    """A fresh host process (its Python settings are per process: each case gets its own), in the project
    directory as the engine starts it, with `env` over this process's environment."""
    process = subprocess.Popen(
        [sys.executable, "-m", "pulumi.dynamic"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())  # the host prints its port, then serves
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield Host(provider_pb2_grpc.ResourceProviderStub(channel))
    finally:
        process.kill()
        process.wait()
