"""The whole fleet as Pulumi resources: the tier PriorityClasses, tenant namespaces with their quota and
LimitRange, one AgentImage per distinct runtime image, and one ElizaAgent per agent (an agent's own namespace
gets its quota and LimitRange here too). `__main__.py` calls `deploy_fleet` and exports what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components.agent_image import AgentImage, AgentImageArgs
from components.eliza_agent import ElizaAgent, ElizaAgentArgs, Registrar
from components.image_scan import ImageScan
from launchpad.settings import StackSettings
from launchpad.spec.fleet import Fleet
from launchpad.spec.tiers import priority_class_name
from launchpad.workloads.agent_objects import config_secret_env, namespace_manifest
from launchpad.workloads.tenant_objects import Manifest, namespace_objects, priority_classes


@dataclass
class FleetArgs:
    fleet: Fleet
    settings: StackSettings
    config_secrets: Mapping[str, pulumi.Output[str]]  # config key -> secret value
    build_root: Path
    token_key: pulumi.Input[str]  # the `agentTokenKey` secret every agent's API token is derived from
    registry_password: pulumi.Input[str] | None = None
    registrar: Registrar | None = None


def _priority_classes(opts: pulumi.ResourceOptions | None) -> dict[str, pulumi.Resource]:
    return {
        m["metadata"]["name"]: k8s.scheduling.v1.PriorityClass(
            m["metadata"]["name"],
            metadata=m["metadata"],
            value=m["value"],
            preemption_policy=m["preemptionPolicy"],
            global_default=m["globalDefault"],
            description=m["description"],
            opts=opts,
        )
        for m in priority_classes()
    }


def _namespace_policies(
    namespace: str, manifests: list[Manifest], created: pulumi.Resource, opts: pulumi.ResourceOptions | None
) -> None:
    """The namespace's ResourceQuota and LimitRange, once the namespace exists."""
    in_ns = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[created]))
    for m in manifests:
        if m["kind"] == "ResourceQuota":
            k8s.core.v1.ResourceQuota(f"{namespace}-quota", metadata=m["metadata"], spec=m["spec"], opts=in_ns)
        else:
            k8s.core.v1.LimitRange(f"{namespace}-limits", metadata=m["metadata"], spec=m["spec"], opts=in_ns)


def deploy_fleet(args: FleetArgs, opts: pulumi.ResourceOptions | None = None) -> dict[str, ElizaAgent]:
    fleet, settings = args.fleet, args.settings
    classes = _priority_classes(opts)
    policies = namespace_objects(fleet)
    namespaces: dict[str, pulumi.Resource] = {}
    for namespace, tenant in sorted(fleet.namespaces().items()):
        if tenant is not None:  # an agent's own namespace is a child of its ElizaAgent
            namespaces[namespace] = k8s.core.v1.Namespace(
                namespace, metadata=namespace_manifest(namespace, tenant)["metadata"], opts=opts
            )
            _namespace_policies(namespace, policies.get(namespace, []), namespaces[namespace], opts)
    images: dict[str, AgentImage] = {}
    if settings.imageBuild == "docker":
        for ref, build in sorted(fleet.images().items()):
            images[ref] = AgentImage(
                f"image-{build.tag}",
                AgentImageArgs(build, args.build_root / "images", settings.registryUsername, args.registry_password),
                opts=opts,
            )
    scans: dict[str, ImageScan] = {}
    if settings.scan:
        allowlist = Path(settings.scanAllowlist) if settings.scanAllowlist else None
        for ref, image in images.items():
            tag = ref.rsplit(":", 1)[1]
            scans[ref] = ImageScan(f"scan-{tag}", image.ref, args.build_root / "scan" / f"{tag}.json",
                                   settings.scanSeverity, allowlist,
                                   pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=image)),
                                   cache_dir=settings.scanCacheDir)
    agents: dict[str, ElizaAgent] = {}
    for agent in fleet.agents:
        built = images.get(agent.image_ref)
        gates: list[pulumi.Resource] = [g for g in (built, scans.get(agent.image_ref)) if g is not None]
        gates.append(classes[priority_class_name(agent.tier)])
        agents[agent.name] = ElizaAgent(
            agent.name,
            ElizaAgentArgs(
                agent=agent,
                secret_values={env: args.config_secrets[key] for env, key in config_secret_env(agent).items()},
                token_key=args.token_key,
                image=built.ref if built else None,
                namespace=namespaces.get(agent.namespace),
                depends_on=gates,
                scan=settings.scan,
                registrar=args.registrar,
            ),
            opts=opts,
        )
        if agent.spec.tenant is None:
            _namespace_policies(
                agent.namespace, policies.get(agent.namespace, []), agents[agent.name].namespace_resource, opts
            )
    return agents
