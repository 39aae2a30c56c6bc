"""Pulumi mocks that record every registered resource, for component and program tests.

Pulumi's mocks must be installed before the code under test creates resources; each test module calls
`install()` at import time, before importing components."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pulumi


def fake_digest(image_name: str) -> str:
    """A registry digest per image, as a push would return: distinct images get distinct digests."""
    return "sha256:" + hashlib.sha256(image_name.encode()).hexdigest()


INCARNATIONS = "pulumi-python:dynamic/launchpad:AgentIncarnations"


def mock_nonce(agent: str, identity: str) -> str:
    return hashlib.sha256(f"{agent}/{identity}".encode()).hexdigest()[:32]


@dataclass
class Registered:
    typ: str
    name: str
    inputs: dict[str, Any]
    provider: str | None


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[Registered] = []
        # Fully qualified stack name -> its outputs, for StackReferences.
        self.stack_outputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.resources.append(Registered(args.typ, args.name, dict(args.inputs), args.provider))
        outputs = dict(args.inputs)
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs["name"]
            outputs.update(outputs=self.stack_outputs.get(name, {}), secretOutputNames=[])
        if args.typ == INCARNATIONS:
            # The engine runs the provider's check, which draws each nonce; here a fixed one per identity, so
            # two runs of one fleet register the same objects.
            outputs["nonces"] = {
                name: {"identity": ident, "nonce": mock_nonce(name, ident)}
                for name, ident in (args.inputs.get("agents") or {}).items()
            }
        if args.typ == "docker:index/image:Image":
            repo = args.inputs["imageName"].rsplit(":", 1)[0]
            outputs["repoDigest"] = f"{repo}@{fake_digest(args.inputs['imageName'])}"
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        return {}

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def named(self, typ: str, name: str) -> Registered:
        found = [r for r in self.of_type(typ) if r.name == name]
        assert len(found) == 1, f"expected one {typ} named {name}, found {[r.name for r in self.of_type(typ)]}"
        return found[0]


MOCKS = RecordingMocks()


def install() -> RecordingMocks:
    # The organization a self-managed (file) backend reports, as in its StackReference names.
    pulumi.runtime.set_mocks(MOCKS, project="agent-launchpad", stack="dev", preview=False, organization="organization")
    return MOCKS


@contextmanager
def stack_config(plain: dict[str, Any], secrets: dict[str, str]) -> Iterator[None]:
    """Set this stack's config the way the engine passes it to the program (pulumi.Config can't be mocked)."""
    config = {
        f"agent-launchpad:{k}": (json.dumps(v) if isinstance(v, dict | list) else str(v)) for k, v in plain.items()
    }
    config.update({f"agent-launchpad:{k}": v for k, v in secrets.items()})
    saved = {k: os.environ.get(k) for k in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS")}
    os.environ["PULUMI_CONFIG"] = json.dumps(config)
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps([f"agent-launchpad:{k}" for k in secrets])
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# The wire form of a Pulumi secret (pulumi.runtime.rpc): what a mock sees for an input marked secret.
_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(_SECRET_SIG_KEY) == _SECRET_SIG


def unwrap(value: Any) -> Any:
    return value["value"] if is_secret(value) else value


def run_program(fn: Any) -> None:
    """Run `fn` (which declares resources) to completion under the mocks, re-raising its errors."""
    MOCKS.resources.clear()

    @pulumi.runtime.test
    def program() -> Any:
        fn()
        return pulumi.Output.from_input(None)

    try:
        program()
    except BaseException:
        _drain()
        raise


def _drain() -> None:
    """Finish the registrations a failed program left in flight (Pulumi's wait_for_rpcs raises at the first
    failed RPC and leaves the others queued), so they land in this run, not in the next test's."""
    import asyncio

    loop = asyncio.get_event_loop()
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
