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
from components.agent_pack import AgentPack, AgentPackArgs
from components.eliza_agent import ElizaAgent, ElizaAgentArgs
from components.providers.image_scan import ImageScan
from components.providers.incarnations import AgentIncarnations
from launchpad.contracts import Manifest
from launchpad.fleet.resolved import Agent, Fleet, Pack
from launchpad.fleet.tiers import priority_class_name
from launchpad.providers.incarnations import identity
from launchpad.settings import StackSettings
from launchpad.workloads.agent_objects import config_secret_env, namespace_manifest
from launchpad.workloads.network import default_deny
from launchpad.workloads.pack_pod import DATABASE_ENV, agent_config_secrets
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
            deny = default_deny(namespace, tenant)
            created = shared.namespaces[namespace]
            in_ns = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[created]))
            k8s.networking.v1.NetworkPolicy(
                f"{namespace}-default-deny", metadata=deny["metadata"], spec=deny["spec"], opts=in_ns
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
    """One ElizaAgent per agent of this stack (the whole fleet, or one shard of it), and one AgentPack per pack of
    its agents (a pack's agents are always in one stack: launchpad/stacks/assignment.py)."""
    policies = namespace_objects(args.fleet)
    deployed: dict[str, ElizaAgent] = {}
    packs: dict[str, Pack] = {}
    # The token nonces of the agents that run a server of their own (a packed agent's API is its pack's).
    alone = [a for a in agents if args.fleet.pack_of(a.name) is None]
    incarnations = AgentIncarnations(
        "agent-incarnations",
        {a.name: identity(str(a.spec.owner), a.incarnation, a.spec.token_rotation) for a in alone},
        opts,
    ) if alone else None
    member_secrets: dict[str, dict[str, dict[str, pulumi.Input[str]]]] = {}
    for agent in agents:
        pack = args.fleet.pack_of(agent.name)
        if pack is not None:
            packs[pack.name] = pack
        secret_env = config_secret_env(agent)
        if pack is not None:  # its own secrets only: the database URL is the pack's
            secret_env = {env: key for env, key in secret_env.items() if env in agent_config_secrets(agent)}
        # Config values, and the values an API agent's owner posted (opened from the database: never packed).
        secret_values = {env: args.config_secrets[key] for env, key in secret_env.items()}
        secret_values.update(args.stored_secrets.get(agent.name, {}))
        if pack is not None:  # what the pack's pod reads of the agent's own Secret: it rolls the pack too
            member_secrets.setdefault(pack.name, {})[agent.name] = dict(secret_values)
        deployed[agent.name] = ElizaAgent(
            agent.name,
            ElizaAgentArgs(
                agent=agent,
                secret_values=secret_values,
                token_key=args.token_key,
                token_nonce=incarnations.nonce(agent.name) if incarnations is not None and pack is None else "",
                image=shared.images.get(agent.image_ref),
                namespace=shared.namespaces.get(agent.namespace),
                tenant_namespace_elsewhere=shared.tenant_namespaces_elsewhere,
                depends_on=[*shared.gates.get(agent.image_ref, ()), shared.classes[priority_class_name(agent.tier)]],
                scan=args.settings.scan,
                cluster_cidrs=tuple(args.settings.clusterCidrs),
                pack=pack,
            ),
            opts=opts,
        )
        own = deployed[agent.name].namespace_resource
        if agent.spec.tenant is None and own is not None:
            _namespace_policies(agent.namespace, policies.get(agent.namespace, []), own, opts)
    for name, pack in sorted(packs.items()):
        database = pack.database
        secrets = {DATABASE_ENV: args.config_secrets[database.config]} if database and database.config else {}
        AgentPack(
            name,
            AgentPackArgs(
                pack=pack,
                token_key=args.token_key,
                secret_values=secrets,
                image=shared.images.get(pack.image_ref),
                namespace=shared.namespaces.get(pack.namespace),
                depends_on=[*shared.gates.get(pack.image_ref, ()), shared.classes[priority_class_name(pack.tier)]],
                scan=args.settings.scan,
                member_secret_values=member_secrets.get(name, {}),
                cluster_cidrs=tuple(args.settings.clusterCidrs),
            ),
            opts=opts,
        )
    return deployed
