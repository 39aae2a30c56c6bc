"""Stack fingerprints: one digest of everything a stack is built from. Each stack exports its own
(`fingerprint`), and `shards plan` compares it with the current one to run only the stacks that changed.
They must cover every input of the program's role: the code, the stack files (secrets included, as
ciphertext), and the part of the fleet the role reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from launchpad.fleet.resolved import Agent, Fleet
from launchpad.stacks.assignment import stack_name
from launchpad.stacks.stack_files import plain_config, stack_file


def agent_digest(agent: Agent) -> str:
    """Changes whenever anything that shapes the agent's resources changes (its file, defaults, character)."""
    data = {
        "spec": agent.spec.model_dump(mode="json", by_alias=True),
        "file": agent.file,
        "character": agent.character,
        "plugins": agent.plugins,
        "image": agent.image_ref,
        "paused": agent.paused,  # API agents: the control plane's own settings of the agent
        "restartedAt": agent.restarted_at,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# What a stack's resources are made from besides the agents: the program and the engine that runs it.
CODE_PATHS = ("__main__.py", "Pulumi.yaml", "requirements.txt", "components", "launchpad", "policies",
              "supabase/migrations", "monitoring", "tools/engine/versions.sh")


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def code_digest(root: Path) -> str:
    h = hashlib.sha256()
    for top in CODE_PATHS:
        path = root / top
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".pyc" or not file.exists():
                continue
            h.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return h.hexdigest()


def _file_text(path: Path) -> str:
    return path.read_text() if path.exists() else ""



def control_plane_tag(root: Path, stack: str) -> str | None:
    """The control-plane image's tag when the stack deploys the control plane. It hashes the code and the stack
    files, never the agent files (launchpad/images/control_plane.py: the workers read those from the database),
    so a change of the code runs the platform, which rolls the services onto the new image, and a one-agent
    change does not."""
    from launchpad.images.control_plane import ControlPlaneBuild

    plane = plain_config(stack_file(root, stack)).get("controlPlane")
    if not isinstance(plane, dict) or not isinstance(plane.get("registry"), str):
        return None
    return ControlPlaneBuild.of(root, plane["registry"]).tag


def platform_fingerprint(root: Path, platform: str, fleet: Fleet) -> str:
    """The platform reads of each agent its registry key, namespace and image, and declares the tenant
    namespaces' quota and LimitRange (its monitoring selects agents by label: nothing per agent)."""
    from launchpad.workloads.tenant_objects import namespace_objects

    tenant_namespaces = {a.namespace for a in fleet.agents if a.spec.tenant}
    return _digest(
        code_digest(root),
        _file_text(stack_file(root, platform)),
        control_plane_tag(root, platform),
        [(a.name, str(a.spec.owner), a.spec.tenant, a.namespace, a.image_ref) for a in fleet.agents],
        {ns: objs for ns, objs in namespace_objects(fleet).items() if ns in tenant_namespaces},
    )


def shard_fingerprint(root: Path, platform: str, shard: str, fleet: Fleet, agents: Iterable[Agent]) -> str:
    """A shard holds its agents and the quota and LimitRange of the agents' own namespaces."""
    from launchpad.workloads.tenant_objects import namespace_objects

    agents = list(agents)
    own = {a.namespace for a in agents if not a.spec.tenant}
    packs = {p.name: p for a in agents if (p := fleet.pack_of(a.name)) is not None}
    return _digest(
        code_digest(root),
        _file_text(stack_file(root, platform)),
        _file_text(stack_file(root, stack_name(platform, shard))),
        sorted(agent_digest(a) for a in agents),
        {ns: objs for ns, objs in namespace_objects(fleet).items() if ns in own},
        # Its packs (a member's arrival elsewhere in the group can resize one: launchpad/fleet/packing.py).
        sorted((p.name, p.names, p.memory_request, p.memory_limit, p.cpu_request, p.cpu_limit) for p in packs.values()),
    )
