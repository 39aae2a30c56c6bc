"""Write the fleet's manifests and Dockerfiles to a directory without Pulumi: for review, diffs in PRs and
static scanners (checkov). Secret values are never known here; Secrets carry a placeholder."""

from __future__ import annotations

from pathlib import Path

import yaml

from launchpad.fleet.resolved import Fleet
from launchpad.workloads.agent_objects import agent_manifests, namespace_manifest
from launchpad.workloads.pod import secret_env
from launchpad.workloads.tenant_objects import namespace_objects, priority_classes

REDACTED = "<set by pulumi config>"


def render_fleet(fleet: Fleet, out: Path, *, scan: bool = True) -> list[Path]:
    written: list[Path] = []
    out.mkdir(parents=True, exist_ok=True)
    # Each namespace's quota and LimitRange go with the namespace: a tenant's in its file, an agent's own in
    # the agent's file.
    limits = namespace_objects(fleet)
    for namespace, tenant in sorted(fleet.namespaces().items()):
        if tenant is not None:
            shared = [namespace_manifest(namespace, tenant), *limits.get(namespace, [])]
            written.append(_write(out / "namespaces" / f"{namespace}.yaml", shared))
    written.append(_write(out / "cluster" / "priority-classes.yaml", priority_classes()))
    for agent in fleet.agents:
        placeholders = dict.fromkeys(secret_env(agent), REDACTED)  # config and stored values
        manifests = agent_manifests(agent, placeholders, scan=scan).all()
        if agent.spec.tenant is None:
            manifests += limits.get(agent.namespace, [])
        written.append(_write(out / "agents" / f"{agent.name}.yaml", manifests))
    for _, build in sorted(fleet.images().items()):
        folder = out / "images" / build.tag
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in build.context_files().items():
            (folder / name).write_text(content)
            written.append(folder / name)
    return written


def _write(path: Path, manifests: list[dict[str, object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
    return path
