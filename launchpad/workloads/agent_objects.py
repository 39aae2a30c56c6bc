"""Every Kubernetes object of one agent, as manifests. Pure: the same agent gives the same objects, so a
preview shows a change only when the agent file changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from launchpad import naming
from launchpad.contracts import Manifest
from launchpad.fleet.resolved import Agent
from launchpad.workloads import pod

SINGLE_IDENTITY_ANNOTATION = "launchpad.dev/single-identity"
PLUGINS_ANNOTATION = "launchpad.dev/plugins"
SCAN_ANNOTATION = "launchpad.dev/scan"


@dataclass(frozen=True)
class AgentManifests:
    namespace: Manifest | None  # None when the agent lives in its tenant's shared namespace
    service_account: Manifest
    config_map: Manifest
    secret: Manifest | None  # None when no secret comes from Pulumi config
    deployment: Manifest
    service: Manifest
    hpa: Manifest | None
    pdb: Manifest | None
    network_policy: Manifest

    def all(self) -> list[Manifest]:
        found = [
            self.namespace,
            self.service_account,
            self.config_map,
            self.secret,
            self.deployment,
            self.service,
            self.hpa,
            self.pdb,
            self.network_policy,
        ]
        return [m for m in found if m is not None]


def namespace_manifest(namespace: str, tenant: str | None) -> Manifest:
    restricted = {f"pod-security.kubernetes.io/{mode}": "restricted" for mode in ("enforce", "audit", "warn")}
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": namespace,
            "labels": {
                **restricted,
                "pod-security.kubernetes.io/enforce-version": "latest",
                naming.TENANT_LABEL: naming.tenant_value(tenant),
                "app.kubernetes.io/part-of": naming.PART_OF,
                "app.kubernetes.io/managed-by": "pulumi",
            },
        },
    }


def tenant_namespace_manifests(namespaces: dict[str, str | None]) -> list[Manifest]:
    """The Namespaces the fleet shares (tenant namespaces), from `Fleet.namespaces()`; an agent's own namespace
    is made with the agent."""
    return [namespace_manifest(ns, tenant) for ns, tenant in sorted(namespaces.items()) if tenant]


def _labels(agent: Agent) -> dict[str, str]:
    return {**agent.spec.labels, **naming.agent_labels(agent.name, agent.spec.tenant, agent.runtime_version)}


def _meta(agent: Agent, name: str, annotations: dict[str, str] | None = None, workload: bool = False) -> Manifest:
    labels = {k: v for k, v in _labels(agent).items() if workload or k not in naming.WORKLOAD_LABELS}
    meta: Manifest = {"name": name, "namespace": agent.namespace, "labels": labels}
    if annotations:
        meta["annotations"] = annotations
    return meta


def _annotations(agent: Agent, scan: bool) -> dict[str, str]:
    notes = {
        SINGLE_IDENTITY_ANNOTATION: "true" if agent.single_identity else "false",
        PLUGINS_ANNOTATION: ",".join(agent.plugins),
        "launchpad.dev/source": agent.file,
    }
    if agent.spec.description:
        notes["launchpad.dev/description"] = agent.spec.description
    if not scan:
        notes[SCAN_ANNOTATION] = "false"
    return notes


def autoscaled(agent: Agent) -> bool:
    """An HPA owns the replica count; never for a paused agent, which runs none."""
    return not agent.paused and agent.spec.scaling.max_replicas > agent.spec.scaling.min_replicas


def deployment(agent: Agent, scan: bool, image: Any = None) -> Manifest:
    scaling = agent.spec.scaling
    annotations = _annotations(agent, scan)
    spec: Manifest = {
        "selector": {"matchLabels": naming.selector_labels(agent.name)},
        "revisionHistoryLimit": 5,
        # A single-identity bot must never run twice, not even for a rollout: Recreate stops the old pod
        # before the new one starts.
        "strategy": {"type": "Recreate"}
        if agent.single_identity
        else {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
        # No plugin list on the pods (it is on the Deployment, for the policy pack): a plugin change already
        # rolls them, through the character checksum (the character names its plugins) or a new image.
        "template": pod.pod_template(agent, _labels(agent), {}, image if image is not None else agent.image_ref),
    }
    if not autoscaled(agent):
        # With an HPA, the HPA owns the replica count. Paused: no pod, everything else (its Secret) kept.
        spec["replicas"] = 0 if agent.paused else scaling.min_replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _meta(agent, agent.name, annotations, workload=True),
        "spec": spec,
    }


def hpa(agent: Agent) -> Manifest | None:
    if not autoscaled(agent):
        return None
    scaling = agent.spec.scaling
    metrics = [
        {
            "type": "Resource",
            "resource": {"name": name, "target": {"type": "Utilization", "averageUtilization": target}},
        }
        for name, target in (("cpu", scaling.target_cpu), ("memory", scaling.target_memory))
        if target is not None
    ]
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": _meta(
            agent, agent.name, {SINGLE_IDENTITY_ANNOTATION: "true" if agent.single_identity else "false"}
        ),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": agent.name},
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "metrics": metrics,
            # Agents boot slowly and hold conversations: scale down only after 5 quiet minutes.
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
        },
    }


def pdb(agent: Agent) -> Manifest | None:
    if agent.paused or agent.spec.scaling.max_replicas <= 1:
        return None
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _meta(agent, agent.name),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": naming.selector_labels(agent.name)}},
    }


def _endpoint_port(url: str) -> int:
    parsed = urlsplit(url)
    return parsed.port or (443 if parsed.scheme == "https" else 80)


def network_policy(agent: Agent) -> Manifest:
    http = [{"protocol": "TCP", "port": naming.HTTP_PORT}]
    egress: list[Manifest] = [
        {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},  # DNS
        {"ports": [{"protocol": "TCP", "port": 443}]},  # model APIs and chat platforms
        {"ports": [{"protocol": "TCP", "port": 5432}]},  # Postgres (plugin-sql)
    ]
    endpoint = agent.spec.model.endpoint
    if endpoint is not None and (port := _endpoint_port(endpoint)) != 443:
        egress.append({"ports": [{"protocol": "TCP", "port": port}]})  # the ollama server (model.endpoint)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(agent, agent.name),
        "spec": {
            "podSelector": {"matchLabels": naming.selector_labels(agent.name)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": naming.MONITORING_NAMESPACE}
                            }
                        }
                    ],
                    "ports": http,
                },
                {"from": [{"podSelector": {}}], "ports": http},  # same namespace
            ],
            "egress": egress,
        },
    }


def agent_manifests(
    agent: Agent, secret_values: dict[str, Any], *, scan: bool = True, image: Any = None
) -> AgentManifests:
    """All objects of `agent`. `secret_values` maps each config-sourced secret env name to its value (a
    Pulumi secret Output in the program, a placeholder when rendering to files); `image` overrides the
    agent's image reference (the program passes the built image's digest, an Output)."""
    own_namespace = agent.spec.tenant is None
    secret = None
    if secret_values:
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": _meta(agent, pod.secret_name(agent)),
            "stringData": dict(sorted(secret_values.items())),
        }
    return AgentManifests(
        namespace=namespace_manifest(agent.namespace, None) if own_namespace else None,
        service_account={
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta(agent, agent.name),
            "automountServiceAccountToken": False,
        },
        config_map={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _meta(agent, pod.config_map_name(agent)),
            "data": {pod.CHARACTER_FILE: pod.character_json(agent)},
        },
        secret=secret,
        deployment=deployment(agent, scan, image),
        service={
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(agent, agent.name),
            "spec": {
                "type": "ClusterIP",
                # Replicas share the database, not the server's in-process message bus: keep a client on one pod.
                **({"sessionAffinity": "ClientIP"} if agent.spec.scaling.max_replicas > 1 else {}),
                "selector": naming.selector_labels(agent.name),
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
        hpa=hpa(agent),
        pdb=pdb(agent),
        network_policy=network_policy(agent),
    )


def config_secret_env(agent: Agent) -> dict[str, str]:
    """env name -> Pulumi config key, for the secrets that come from stack config."""
    return {env: source.config for env, source in sorted(agent.spec.secrets.items()) if source.config is not None}


def stored_secret_env(agent: Agent) -> list[str]:
    """Env names whose values were posted to the API and are kept sealed (agents created through the API)."""
    return sorted(env for env, source in agent.spec.secrets.items() if source.stored)
