"""The program over a fleet whose tenant team-0 packs its agents (several characters in one server), under Pulumi's
mocks: one AgentPack per pack with its Deployment, ServiceAccount, Secret and NetworkPolicy; each packed agent with
its ConfigMap, its own Secret and its Service and nothing else; no agent secret in the pack's env, the pack's token
and salt derived in secret Outputs; the agents of team-1 as before."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.pulumi_mocks import MOCKS, install, is_secret, run_program, stack_config, unwrap

install()

from benchmarks.program_eval import write_fleet  # noqa: E402
from components import program  # noqa: E402 - mocks first
from launchpad.fleet import Fleet, load_fleet  # noqa: E402
from launchpad.workloads.auth_token import derive_pack_salt, derive_pack_token  # noqa: E402

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PACK = "agent-launchpad:index:AgentPack"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Fleet, dict[str, str], list[Any]]]:
    root = tmp_path_factory.mktemp("packs")
    secrets = write_fleet(root / "agents", 20)
    defaults = root / "agents" / "defaults.yaml"
    defaults.write_text(defaults.read_text() + "packing:\n  tenants:\n    team-0: {maxAgents: 4}\n")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        with stack_config({"renderDir": str(root / "render"), "imageBuild": "skip", "scan": "false"}, secrets):
            run_program(program.run)
        yield load_fleet([root / "agents"]), secrets, list(MOCKS.resources)
    finally:
        os.chdir(cwd)


def _named(resources: list[Any], typ: str, name: str) -> Any:
    (found,) = [r for r in resources if r.typ == typ and r.name == name]
    return found


def test_each_pack_gets_its_server_and_each_packed_agent_keeps_its_own_objects(project: Any) -> None:
    fleet, _, resources = project
    assert fleet.packs and {p.tenant for p in fleet.packs} == {"team-0"}
    packed = {a.name for p in fleet.packs for a in p.agents}
    assert {r.name for r in resources if r.typ == PACK} == {p.name for p in fleet.packs}
    deployments = {r.name for r in resources if r.typ == DEPLOYMENT}
    assert {f"{p.name}-deployment" for p in fleet.packs} <= deployments
    assert not {f"{a}-deployment" for a in packed} & deployments
    for agent in packed:
        names = {r.name for r in resources if r.name.startswith(f"{agent}-")}
        assert names <= {f"{agent}-character", f"{agent}-env", f"{agent}-service"}, agent
        assert {f"{agent}-character", f"{agent}-service"} <= names
    unpacked = {a.name for a in fleet.agents} - packed
    assert {f"{a}-deployment" for a in unpacked} <= deployments


def test_the_packs_env_holds_no_agent_secret_and_its_token_is_its_own(project: Any) -> None:
    fleet, secrets, resources = project
    for pack in fleet.packs:
        spec = _named(resources, DEPLOYMENT, f"{pack.name}-deployment").inputs["spec"]["template"]["spec"]
        (server,) = spec["containers"]
        refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in server["env"] if "valueFrom" in e}
        assert refs == {f"{pack.name}-pack"}  # the pack's own Secret only
        assert not [e for e in server["env"] if "value" in e and e["value"] in secrets.values()]
        secret = _named(resources, "kubernetes:core/v1:Secret", f"{pack.name}-secret").inputs["stringData"]
        key = secrets["agentTokenKey"]
        assert is_secret(secret)
        token, salt = derive_pack_token(key, pack.name), derive_pack_salt(key, pack.name)
        values = {k: unwrap(v) for k, v in unwrap(secret).items()}
        assert values == {"ELIZA_SERVER_AUTH_TOKEN": token, "SECRET_SALT": salt}
        # Each agent's secrets reach only the init container, from the agent's own Secret.
        (init,) = spec["initContainers"]
        mounted = {m["name"] for m in init["volumeMounts"]} - {"characters"}
        assert mounted == {f"agent-{a.name}" for a in pack.agents}
        assert not {m["name"] for m in server["volumeMounts"]} & mounted


def test_a_packed_agents_secret_holds_its_own_secrets_and_no_token(project: Any) -> None:
    fleet, _, resources = project
    for agent in (a for p in fleet.packs for a in p.agents):
        own = {env: f"bench-{s.config}" for env, s in agent.spec.secrets.items() if s.config}
        secret = _named(resources, "kubernetes:core/v1:Secret", f"{agent.name}-env").inputs["stringData"]
        assert is_secret(secret) and {k: unwrap(v) for k, v in unwrap(secret).items()} == own
        service = _named(resources, "kubernetes:core/v1:Service", f"{agent.name}-service").inputs
        pack = fleet.pack_of(agent.name)
        assert pack is not None
        selector = {"app.kubernetes.io/name": "eliza-pack", "app.kubernetes.io/instance": pack.name}
        assert service["spec"]["selector"] == selector
        assert service["metadata"]["labels"]["launchpad.dev/pack"] == pack.name


def test_a_pack_rolls_when_any_secret_its_pod_reads_changes_and_is_isolated_like_an_agent(project: Any) -> None:
    """Issue 18 for packs: the pack's pod template carries the keyed digest of its own Secret and of each packed
    agent's Secret (its init container reads them), and its NetworkPolicy is its agents' egress together, not
    every address on 443, 5432 and 53."""
    from launchpad.workloads.auth_token import SECRET_DIGEST_ANNOTATION, secret_digest

    fleet, secrets, resources = project
    key = secrets["agentTokenKey"]
    for pack in fleet.packs:
        template = _named(resources, DEPLOYMENT, f"{pack.name}-deployment").inputs["spec"]["template"]
        read = {"ELIZA_SERVER_AUTH_TOKEN": derive_pack_token(key, pack.name)}
        read["SECRET_SALT"] = derive_pack_salt(key, pack.name)
        for agent in pack.agents:
            own = {env: s.config for env, s in agent.spec.secrets.items() if s.config}
            read.update({f"{agent.name}/{env}": f"bench-{config}" for env, config in own.items()})
        annotation = template["metadata"]["annotations"][SECRET_DIGEST_ANNOTATION]
        assert not is_secret(annotation) and unwrap(annotation) == secret_digest(key, pack.name, read)
        policy = _named(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy", f"{pack.name}-netpol").inputs
        egress = policy["spec"]["egress"]
        assert all("to" in rule for rule in egress)  # every rule names where
        assert sorted(p["port"] for rule in egress for p in rule["ports"]) == [53, 53, 443]
