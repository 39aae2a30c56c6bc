"""Agents' API tokens and secret rotation (issue 18), under Pulumi's mocks and through the incarnation
provider's own `check`, as the engine calls it.

Before: the token was HMAC(agentTokenKey, name), so a recreated agent got its predecessor's token and one agent's
could not be rotated alone; and the pod template carried nothing of the Secret, so a rotated value never reached
the running pods."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from tests.pulumi_mocks import MOCKS, install, run_program, stack_config, unwrap

install()

from components import program  # noqa: E402
from components.providers.incarnations import _AgentIncarnationsProvider  # noqa: E402
from launchpad.providers.incarnations import identity  # noqa: E402
from launchpad.workloads.auth_token import SECRET_DIGEST_ANNOTATION, derive_token  # noqa: E402
from tests.components.example_config import ROOT, example_secrets  # noqa: E402

OWNER, OTHER = "7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21", "0b9f6a7e-3c2d-4e8f-a1b5-6c7d8e9f0a12"


def _check(olds: dict[str, Any], agents: dict[str, str]) -> dict[str, Any]:
    return _AgentIncarnationsProvider().check(olds, {"agents": agents, "nonces": None}).inputs


def test_a_nonce_lives_as_long_as_its_agent_and_identity() -> None:
    first = _check({}, {"a": identity(OWNER, "", 0), "b": identity(OWNER, "", 0)})
    again = _check(first, {"a": identity(OWNER, "", 0), "b": identity(OWNER, "", 0)})
    assert again["nonces"] == first["nonces"]  # stable: no token change, no rollout
    assert _AgentIncarnationsProvider().diff("x", first, again).changes is False
    nonce = {name: n["nonce"] for name, n in first["nonces"].items()}

    rotated = _check(first, {"a": identity(OWNER, "", 1), "b": identity(OWNER, "", 0)})  # tokenRotation: 1
    assert rotated["nonces"]["a"]["nonce"] != nonce["a"] and rotated["nonces"]["b"]["nonce"] == nonce["b"]
    other_owner = _check(first, {"a": identity(OTHER, "", 0), "b": identity(OWNER, "", 0)})
    assert other_owner["nonces"]["a"]["nonce"] != nonce["a"]
    new_row = _check(first, {"a": identity(OWNER, "row-2", 0), "b": identity(OWNER, "", 0)})  # an API agent again
    assert new_row["nonces"]["a"]["nonce"] != nonce["a"]
    gone = _check(first, {"b": identity(OWNER, "", 0)})
    back = _check(gone, {"a": identity(OWNER, "", 0), "b": identity(OWNER, "", 0)})
    assert back["nonces"]["a"]["nonce"] != nonce["a"]  # deleted, then created again: never the old token
    tokens = {derive_token("k" * 40, "a", n) for n in (nonce["a"], back["nonces"]["a"]["nonce"])}
    assert len(tokens) == 2


def _deployments(secrets: dict[str, str], tmp: Path) -> dict[str, dict[str, Any]]:
    MOCKS.resources.clear()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with stack_config({"renderDir": str(tmp), "imageBuild": "skip", "scan": "false"}, secrets):
            run_program(program.run)
    finally:
        os.chdir(cwd)
    return {r.name: unwrap(r.inputs) for r in MOCKS.resources if r.typ == "kubernetes:apps/v1:Deployment"}


def _annotation(deployment: dict[str, Any]) -> str:
    return str(deployment["spec"]["template"]["metadata"]["annotations"][SECRET_DIGEST_ANNOTATION])


def test_a_changed_secret_value_rolls_exactly_the_pods_that_read_it(tmp_path: Path) -> None:
    secrets = example_secrets()
    before = _deployments(secrets, tmp_path)
    after = _deployments({**secrets, "openaiApiKey": "a-rotated-openai-key"}, tmp_path)
    changed = {name for name in before if _annotation(before[name]) != _annotation(after[name])}
    readers = {f"{p.stem}-deployment" for p in (ROOT / "agents").glob("*.yaml") if "openaiApiKey" in p.read_text()}
    assert changed == readers and readers
    rotated = _deployments({**secrets, "agentTokenKey": secrets["agentTokenKey"] + "-rotated"}, tmp_path)
    assert all(_annotation(rotated[name]) != _annotation(before[name]) for name in before)  # every token changed


def test_the_annotation_is_keyed_so_it_tells_nothing_of_a_value(tmp_path: Path) -> None:
    secrets = example_secrets()
    annotations = {_annotation(d) for d in _deployments(secrets, tmp_path).values()}
    for value in secrets.values():
        raw = value.encode()
        for name in ("md5", "sha1", "sha256", "sha512"):
            assert hashlib.new(name, raw).hexdigest() not in annotations
