"""Boot a pack (several agents in one elizaOS server) the way its pod runs it, from its rendered manifests: the
init container's command over the agents' input volumes (each agent's ConfigMap and secrets as files, laid out
as the pod's projected volumes lay them out, root-owned, group 10001, 0440), writing the characters into a tmpfs;
then the server container's command and env, with the characters read-only and the input volumes unmounted
(sandbox.py). Used by tests/runtime/test_pack_boot.py and `benchmarks/agent_footprint.py --packs`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from launchpad.fleet.models import NAME_MAX, PackingSpec, TenantPacking
from launchpad.fleet.packing import plan_packs
from launchpad.fleet.resolved import Agent, Pack
from launchpad.runtime.boot import IMAGE_ENV, AgentBoot, free_port, pod_env
from launchpad.runtime.install import ensure_runtime
from launchpad.runtime.toolchain import ensure_toolchain
from launchpad.workloads import pod
from launchpad.workloads.pack_objects import pack_manifests, packed_agent_manifests
from launchpad.workloads.pack_pod import INPUTS_DIR, agent_config_secrets, pack_secret_keys


def fake_secret(env: str, agent: str) -> str:
    """A value no other agent has: what the boot test looks for in the wrong places."""
    return f"fake-{env.lower()}-of-{agent}"


def _inputs(
    pack: Pack, spec: Mapping[str, Any], agent_secrets: Mapping[str, Mapping[str, str]]
) -> dict[str, str]:
    """Path under INPUTS_DIR -> content, from the pod's volumes and the init container's mounts."""
    agents = {a.name: a for a in pack.agents}
    mounts = {m["name"]: m["mountPath"] for m in spec["initContainers"][0]["volumeMounts"]}
    files: dict[str, str] = {}
    for volume in spec["volumes"]:
        if "projected" not in volume:
            continue
        where = mounts[volume["name"]].removeprefix(f"{INPUTS_DIR}/")
        agent = agents[where]
        given = agent_secrets.get(agent.name, {})
        own = {env: given.get(env, fake_secret(env, agent.name)) for env in agent_config_secrets(agent)}
        rendered = packed_agent_manifests(agent, pack, own)
        for source in volume["projected"]["sources"]:
            if "configMap" in source:
                assert source["configMap"]["name"] == pod.config_map_name(agent)
                for item in source["configMap"]["items"]:
                    files[f"{where}/{item['path']}"] = rendered.config_map["data"][item["key"]]
            else:
                name = source["secret"]["name"]
                held = rendered.secret["stringData"] if rendered.secret and name == pod.secret_name(agent) else None
                for item in source["secret"]["items"]:
                    env = item["path"].rsplit("/", 1)[1]
                    value = held[item["key"]] if held is not None else given.get(env, fake_secret(env, agent.name))
                    files[f"{where}/{item['path']}"] = value
    return files


def pack_boot(
    pack: Pack,
    agent_secrets: Mapping[str, Mapping[str, str]],
    server_secrets: Mapping[str, str],
) -> AgentBoot:
    """`with pack_boot(...) as running:` runs `pack`'s pod: `agent_secrets` agent -> env -> value for what its
    Secrets hold (a distinct fake value for the others, fake_secret), `server_secrets` for the pack's own
    (API token, SECRET_SALT, POSTGRES_URL)."""
    build = pack.image_build
    if build is None:
        raise ValueError(f"pack {pack.name} runs a prebuilt image: no plugin set of ours to boot")
    app, node = ensure_runtime(build), ensure_toolchain(build).node_dir
    values = {key: server_secrets.get(key, f"fake-{key.lower()}-of-{pack.name}") for key in pack_secret_keys(pack)}
    spec = pack_manifests(pack, values).deployment["spec"]["template"]["spec"]
    init, server = spec["initContainers"][0], spec["containers"][0]
    env = pod_env(server["env"], {**values, **server_secrets}, free_port())
    return AgentBoot(
        app, node, None, env, ["elizaos", *server["args"]],
        inputs=_inputs(pack, spec, agent_secrets), init=(list(init["command"]), dict(IMAGE_ENV)),
    )  # fmt: skip


BOOT_TENANT = "pack-boot"


def clone(agent: Agent, index: int) -> Agent:
    """`agent` as the index-th agent of a test pack: its own name and character name, one replica, the boot
    tenant; the same plugin set, model, platforms and secret names."""
    name = f"{agent.name[: NAME_MAX - 3]}-{index}"
    scaling = agent.spec.scaling.model_copy(update={"min_replicas": 1, "max_replicas": 1})
    spec = agent.spec.model_copy(update={"name": name, "tenant": BOOT_TENANT, "scaling": scaling, "tier": "standard"})
    character = {**agent.character, "name": f"{agent.character.get('name', agent.name)} {index}"}
    return replace(agent, spec=spec, character=character)


def clones_pack(agent: Agent, size: int) -> Pack:
    """One pack of `size` clones of `agent` (its plugin set): what the boot test and the footprint benchmark boot."""
    packing = PackingSpec(tenants={BOOT_TENANT: TenantPacking(max_agents=size)}, tiers=["standard"])
    planned = plan_packs([clone(agent, i) for i in range(size)], packing)
    if planned.problems or len(planned.packs) != 1:
        raise ValueError(f"{size} clones of {agent.name} do not make one pack: {planned}")
    return planned.packs[0]
