"""The fleet as Pulumi resources, in two parts a sharded fleet keeps in different stacks: what agents share
(the tier PriorityClasses, tenant namespaces with their quota and LimitRange, one AgentImage per distinct
runtime image) and one ElizaAgent per agent (an agent's own namespace gets its quota and LimitRange with it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s

from components.agent_image import AgentImage, AgentImageArgs
from components.eliza_agent import ElizaAgent, ElizaAgentArgs
from components.providers.image_scan import ImageScan
from launchpad.contracts import Manifest
from launchpad.fleet.resolved import Agent, Fleet
from launchpad.fleet.tiers import priority_class_name
from launchpad.settings import StackSettings
from launchpad.workloads.agent_objects import config_secret_env, namespace_manifest
from launchpad.workloads.tenant_objects import namespace_objects, priority_classes


@dataclass
class FleetArgs:
    fleet: Fleet
    settings: StackSettings
    config_secrets: Mapping[str, pulumi.Output[str]]  # config key -> secret value
    build_root: Path
    token_key: pulumi.Input[str]  # the `agentTokenKey` secret every agent's API token is derived from
    registry_password: pulumi.Input[str] | None = None
    # API agents: agent -> env -> the value its owner posted (a secret Output), opened from the database.
    stored_secrets: Mapping[str, Mapping[str, pulumi.Output[str]]] = field(default_factory=dict)


@dataclass
class Shared:
    """What the agents of a fleet share: built in the platform stack (or the only stack), read by a shard
    stack from its platform through a StackReference."""

    # Tenant namespace name -> its Namespace; in a shard stack they are the platform's (none here).
    namespaces: dict[str, pulumi.Resource] = field(default_factory=dict)
    tenant_namespaces_elsewhere: bool = False
    # PriorityClass name -> what a Deployment naming it must wait for (pods naming a missing class are refused).
    classes: dict[str, pulumi.Resource] = field(default_factory=dict)
    # Image reference -> the image to run (the built image's digest reference).
    images: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    # Image reference -> what a Deployment running it must wait for: the build and its scan gate.
    gates: dict[str, list[pulumi.Resource]] = field(default_factory=dict)


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


def deploy_shared(args: FleetArgs, opts: pulumi.ResourceOptions | None = None) -> Shared:
    """PriorityClasses, tenant namespaces with their policies, and one AgentImage (with its ImageScan) per
    distinct runtime image."""
    fleet, settings = args.fleet, args.settings
    shared = Shared(classes=_priority_classes(opts))
    policies = namespace_objects(fleet)
    for namespace, tenant in sorted(fleet.namespaces().items()):
        if tenant is not None:  # an agent's own namespace is a child of its ElizaAgent
            shared.namespaces[namespace] = k8s.core.v1.Namespace(
                namespace, metadata=namespace_manifest(namespace, tenant)["metadata"], opts=opts
            )
            _namespace_policies(namespace, policies.get(namespace, []), shared.namespaces[namespace], opts)
    images: dict[str, AgentImage] = {}
    if settings.imageBuild == "docker":
        for ref, build in sorted(fleet.images().items()):
            images[ref] = AgentImage(
                f"image-{build.tag}",
                AgentImageArgs(build, args.build_root / "images", settings.registryUsername, args.registry_password),
                opts=opts,
            )
    allowlist = Path(settings.scanAllowlist) if settings.scanAllowlist else None
    for ref, image in images.items():
        shared.images[ref] = image.ref
        shared.gates[ref] = [image]
        if settings.scan:
            tag = ref.rsplit(":", 1)[1]
            shared.gates[ref].append(
                ImageScan(f"scan-{tag}", image.ref, args.build_root / "scan" / f"{tag}.json",
                          settings.scanSeverity, allowlist,
                          pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=image)),
                          cache_dir=settings.scanCacheDir)
            )
    return shared


def deploy_agents(
    args: FleetArgs, shared: Shared, agents: Sequence[Agent], opts: pulumi.ResourceOptions | None = None
) -> dict[str, ElizaAgent]:
    """One ElizaAgent per agent of this stack (the whole fleet, or one shard of it)."""
    policies = namespace_objects(args.fleet)
    deployed: dict[str, ElizaAgent] = {}
    for agent in agents:
        gates = [*shared.gates.get(agent.image_ref, ()), shared.classes[priority_class_name(agent.tier)]]
        deployed[agent.name] = ElizaAgent(
            agent.name,
            ElizaAgentArgs(
                agent=agent,
                secret_values={
                    **{env: args.config_secrets[key] for env, key in config_secret_env(agent).items()},
                    **args.stored_secrets.get(agent.name, {}),
                },
                token_key=args.token_key,
                image=shared.images.get(agent.image_ref),
                namespace=shared.namespaces.get(agent.namespace),
                tenant_namespace_elsewhere=shared.tenant_namespaces_elsewhere,
                depends_on=gates,
                scan=args.settings.scan,
            ),
            opts=opts,
        )
        own = deployed[agent.name].namespace_resource
        if agent.spec.tenant is None and own is not None:
            _namespace_policies(agent.namespace, policies.get(agent.namespace, []), own, opts)
    return deployed
