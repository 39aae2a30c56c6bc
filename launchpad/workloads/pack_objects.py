"""Every Kubernetes object of a pack (several agents in one elizaOS server, launchpad/fleet/packing.py) and of
each agent in it, as manifests. Pure, like agent_objects.py.

A pack: a ServiceAccount, its own Secret (the server's API token and SECRET_SALT, a config-sourced database
URL), one Deployment of one replica rolled out with Recreate (a second copy would log every bot in twice), and a
NetworkPolicy whose egress is the union of its agents'. Each agent of a pack keeps what makes it itself: its
ConfigMap (its character and plain settings), its own Secret (its config-sourced secrets, read by the pack's init
container only) and its Service (its name in the namespace, selecting the pack's pod; the monitoring rules and
the blackbox probe find the agent through it). No HPA or PDB: a pack is one pod."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from launchpad import naming
from launchpad.contracts import Manifest
from launchpad.fleet.resolved import Agent, Pack
from launchpad.workloads import network, pack_pod, pod
from launchpad.workloads.agent_objects import PLUGINS_ANNOTATION, SCAN_ANNOTATION, SINGLE_IDENTITY_ANNOTATION

# On the pack's Deployment: its agents, comma separated. `shards plan` reads it back from a stack's state to see
# which agents a deployed pack runs (launchpad/stacks/placements.py).
MEMBERS_ANNOTATION = "launchpad.dev/pack-agents"
# On the pack's Deployment: each agent's character as its server names it in log lines (elizaOS 1.7.2 logs a
# runtime's lines under its character's name, and tags some with the agent's id: the character's `id`, else a
# uuid of its name). JSON {"<agent>": {"name": <character name>, "id": <character id or null>}}. The collector
# reads it to tell which agent of a pack a log line is (services/collector/logs/packs.py); nothing secret.
CHARACTERS_ANNOTATION = "launchpad.dev/pack-characters"


def characters_annotation(pack: Pack) -> str:
    found = {a.name: {"name": str(a.character.get("name", "")), "id": a.character.get("id")} for a in pack.agents}
    return json.dumps(found, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class PackManifests:
    service_account: Manifest
    secret: Manifest
    deployment: Manifest
    network_policy: Manifest

    def all(self) -> list[Manifest]:
        return [self.service_account, self.secret, self.deployment, self.network_policy]


@dataclass(frozen=True)
class PackedAgentManifests:
    config_map: Manifest
    secret: Manifest | None  # None when the agent has no config-sourced secret of its own
    service: Manifest

    def all(self) -> list[Manifest]:
        return [m for m in (self.config_map, self.secret, self.service) if m is not None]


def _pack_labels(pack: Pack, workload: bool = False) -> dict[str, str]:
    labels = naming.pack_labels(pack.name, pack.tenant or None, pack.runtime_version)
    return {k: v for k, v in labels.items() if workload or k not in naming.WORKLOAD_LABELS}


def _pack_meta(pack: Pack, name: str, annotations: dict[str, str] | None = None, workload: bool = False) -> Manifest:
    meta: Manifest = {"name": name, "namespace": pack.namespace, "labels": _pack_labels(pack, workload)}
    if annotations:
        meta["annotations"] = annotations
    return meta


def agent_labels(agent: Agent, pack: Pack) -> dict[str, str]:
    """A packed agent's labels: its own (agent, tenant, its file's `labels:`) and its pack's name."""
    labels = {**agent.spec.labels, **naming.agent_labels(agent.name, agent.spec.tenant, agent.runtime_version)}
    labels = {k: v for k, v in labels.items() if k not in naming.WORKLOAD_LABELS}
    labels[naming.PACK_LABEL] = pack.name
    return labels


def _agent_meta(agent: Agent, pack: Pack, name: str) -> Manifest:
    return {"name": name, "namespace": agent.namespace, "labels": agent_labels(agent, pack)}


def deployment(
    pack: Pack, scan: bool, image: Any = None, pod_annotations: Mapping[str, Any] | None = None
) -> Manifest:
    annotations = {
        SINGLE_IDENTITY_ANNOTATION: "true" if pack.single_identity else "false",
        PLUGINS_ANNOTATION: ",".join(pack.plugins),
        MEMBERS_ANNOTATION: ",".join(pack.names),
        CHARACTERS_ANNOTATION: characters_annotation(pack),
    }
    if not scan:
        annotations[SCAN_ANNOTATION] = "false"
    template = pack_pod.pack_pod_template(
        pack, _pack_labels(pack, workload=True), image or pack.image_ref, dict(pod_annotations or {})
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _pack_meta(pack, pack.name, annotations, workload=True),
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": naming.pack_selector_labels(pack.name)},
            "revisionHistoryLimit": 5,
            # One server holds every agent's bot sessions: the old pod stops before the new one starts.
            "strategy": {"type": "Recreate"},
            "template": template,
        },
    }


def pack_manifests(
    pack: Pack,
    secret_values: dict[str, Any],
    *,
    scan: bool = True,
    image: Any = None,
    pod_annotations: Mapping[str, Any] | None = None,
    cluster_cidrs: Sequence[str] = (),
) -> PackManifests:
    """`secret_values`: the pack Secret's keys (pack_pod.pack_secret_keys) to their values (Pulumi secret Outputs
    in the program, placeholders when rendering); `pod_annotations` and `cluster_cidrs` as for an agent
    (agent_objects.agent_manifests). Its egress is its agents' together (launchpad/workloads/network.py)."""
    return PackManifests(
        service_account={
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _pack_meta(pack, pack.name),
            "automountServiceAccountToken": False,
        },
        secret={
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": _pack_meta(pack, pack_pod.pack_secret_name(pack)),
            "stringData": dict(sorted(secret_values.items())),
        },
        deployment=deployment(pack, scan, image, pod_annotations),
        network_policy={
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": _pack_meta(pack, pack.name),
            "spec": network.policy_spec(
                naming.pack_selector_labels(pack.name), network.endpoints_of(pack.agents), cluster_cidrs
            ),
        },
    )


def packed_agent_manifests(agent: Agent, pack: Pack, secret_values: dict[str, Any]) -> PackedAgentManifests:
    """`secret_values`: the agent's own config-sourced secrets (pack_pod.agent_config_secrets) to their values."""
    secret = None
    if secret_values:
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": _agent_meta(agent, pack, pack_pod.agent_secret_name(agent)),
            "stringData": dict(sorted(secret_values.items())),
        }
    return PackedAgentManifests(
        config_map={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _agent_meta(agent, pack, pod.config_map_name(agent)),
            "data": {pod.CHARACTER_FILE: pack_pod.pack_character_json(agent)},
        },
        secret=secret,
        service={
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _agent_meta(agent, pack, agent.name),
            "spec": {
                "type": "ClusterIP",
                "selector": naming.pack_selector_labels(pack.name),
                "ports": [
                    {
                        "name": naming.HTTP_PORT_NAME,
                        "port": naming.HTTP_PORT,
                        "targetPort": naming.HTTP_PORT_NAME,
                        "protocol": "TCP",
                    }
                ],
            },
        },
    )
