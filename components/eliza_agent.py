"""`agent-launchpad:index:ElizaAgent`: everything one elizaOS agent needs on Kubernetes. The objects come
from `launchpad.workloads.agent_objects`; this component only registers them with Pulumi, as its children,
and turns the config-sourced secrets into a Kubernetes Secret without their values ever being plaintext."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.secret_digest import digest_annotation
from launchpad.contracts import ELIZA_AGENT, Manifest
from launchpad.fleet.resolved import Agent, Pack
from launchpad.workloads.agent_objects import agent_manifests
from launchpad.workloads.auth_token import AUTH_TOKEN_ENV, derive_token
from launchpad.workloads.pack_objects import packed_agent_manifests


@dataclass
class ElizaAgentArgs:
    agent: Agent
    # The stack's `agentTokenKey` secret: the agent's API token is derived from it (launchpad/workloads/auth_token.py).
    token_key: pulumi.Input[str]
    # The agent's incarnation nonce (components/providers/incarnations.py), the token's other input.
    token_nonce: pulumi.Input[str]
    # Env name -> value of each secret that comes from Pulumi config (Outputs, marked secret).
    secret_values: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # The image to run: the built image's digest when built, else the agent's pinned reference.
    image: pulumi.Input[str] | None = None
    # The tenant's shared namespace; None: the agent gets a namespace of its own, as a child.
    namespace: pulumi.Resource | None = None
    # A shard stack: the tenant's namespace is the platform stack's, created before this stack runs, so
    # nothing here waits for it (an edge per object to a resource of another stack orders nothing).
    tenant_namespace_elsewhere: bool = False
    # What the Deployment must wait for besides the namespace: the image build, its scan gate, the agent's
    # PriorityClass (pods naming a missing class are refused).
    depends_on: Sequence[pulumi.Resource] = ()
    scan: bool = True
    # The cluster's pod and service CIDRs (stack setting clusterCidrs), kept out of the agent's internet egress.
    cluster_cidrs: Sequence[str] = ()
    # The pack whose server runs the agent (components/agent_pack.py): then the agent keeps its ConfigMap, its own
    # Secret and its Service here, and runs in the pack's Deployment (no token of its own: the server's is the pack's).
    pack: Pack | None = None


def _meta(manifest: Manifest) -> Any:
    return manifest["metadata"]


class ElizaAgent(pulumi.ComponentResource):
    namespace: pulumi.Output[str]
    namespace_resource: pulumi.Resource | None
    deployment_name: pulumi.Output[str]
    service_dns: pulumi.Output[str]
    image: pulumi.Output[str]

    def __init__(self, name: str, args: ElizaAgentArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(ELIZA_AGENT, name, None, opts)
        agent = args.agent
        if args.pack is not None:
            self._packed(name, args, args.pack)
            return
        key = pulumi.Output.secret(args.token_key)
        secret_values = {env: pulumi.Output.secret(value) for env, value in args.secret_values.items()}
        # Derived inside the secret Output: the token never exists in plaintext outside the agent's Secret.
        secret_values[AUTH_TOKEN_ENV] = pulumi.Output.all(key, args.token_nonce).apply(
            lambda pair: derive_token(pair[0], agent.name, pair[1])
        )
        # Every value the pods read from the Secret: a changed one rolls them (components/secret_digest.py).
        annotations = digest_annotation(key, agent.name, secret_values)
        image = pulumi.Output.from_input(args.image if args.image is not None else agent.image_ref)
        m = agent_manifests(
            agent, secret_values, scan=args.scan, image=image, pod_annotations=annotations,
            cluster_cidrs=args.cluster_cidrs,
        )
        child = pulumi.ResourceOptions(parent=self)

        if m.namespace is not None:
            self.namespace_resource = k8s.core.v1.Namespace(
                f"{name}-namespace", metadata=_meta(m.namespace), opts=child
            )
        elif args.namespace is not None or args.tenant_namespace_elsewhere:
            self.namespace_resource = args.namespace
        else:
            raise ValueError(f"agent {agent.name} of tenant {agent.spec.tenant} needs its tenant's namespace")
        waits = [self.namespace_resource] if self.namespace_resource is not None else []
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=waits)
        if m.default_deny is not None:  # the agent's own namespace: isolated before anything runs in it
            k8s.networking.v1.NetworkPolicy(
                f"{name}-default-deny", metadata=_meta(m.default_deny), spec=m.default_deny["spec"], opts=in_ns
            )

        k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=_meta(m.service_account), automount_service_account_token=False, opts=in_ns
        )
        k8s.core.v1.ConfigMap(f"{name}-character", metadata=_meta(m.config_map), data=m.config_map["data"], opts=in_ns)
        if m.secret is not None:  # always: it holds the API token
            k8s.core.v1.Secret(
                f"{name}-env",
                metadata=_meta(m.secret),
                type="Opaque",
                string_data=m.secret["stringData"],
                opts=pulumi.ResourceOptions.merge(
                    in_ns, pulumi.ResourceOptions(additional_secret_outputs=["stringData", "data"])
                ),
            )
        # No explicit dependency on the ConfigMap/Secret: the kubelet waits for them to mount, and fewer
        # edges keep large fleets fast to evaluate (benchmarks/program_eval.py).
        # The image build and its scan gate come before the pods that run the image.
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=_meta(m.deployment),
            spec=m.deployment["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*waits, *args.depends_on]),
        )
        service = k8s.core.v1.Service(f"{name}-service", metadata=_meta(m.service), spec=m.service["spec"], opts=in_ns)
        if m.hpa is not None:
            k8s.autoscaling.v2.HorizontalPodAutoscaler(
                f"{name}-hpa",
                metadata=_meta(m.hpa),
                spec=m.hpa["spec"],
                opts=pulumi.ResourceOptions(parent=self, depends_on=[deployment]),
            )
        if m.pdb is not None:
            k8s.policy.v1.PodDisruptionBudget(f"{name}-pdb", metadata=_meta(m.pdb), spec=m.pdb["spec"], opts=in_ns)
        k8s.networking.v1.NetworkPolicy(
            f"{name}-netpol", metadata=_meta(m.network_policy), spec=m.network_policy["spec"], opts=in_ns
        )
        self.namespace = pulumi.Output.from_input(agent.namespace)
        # Names are fixed by the agent; deriving them from the URNs makes the outputs wait for the objects.
        self.deployment_name = deployment.urn.apply(lambda _: agent.name)
        self.service_dns = service.urn.apply(lambda _: f"{agent.name}.{agent.namespace}.svc.cluster.local")
        self.image = image
        # The attributes above are for the program; the state keeps nothing of them. Outputs registered
        # here would be stored with the component and rewritten with every checkpoint, for values the
        # program recomputes from the agent file on every run.
        self.register_outputs({})

    def _packed(self, name: str, args: ElizaAgentArgs, pack: Pack) -> None:
        """A packed agent's own objects; its pod is its pack's."""
        agent = args.agent
        if args.namespace is None and not args.tenant_namespace_elsewhere:
            raise ValueError(f"packed agent {agent.name} of tenant {agent.spec.tenant} needs its tenant's namespace")
        self.namespace_resource = args.namespace
        waits = [args.namespace] if args.namespace is not None else []
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=waits)
        secret_values = {env: pulumi.Output.secret(value) for env, value in args.secret_values.items()}
        m = packed_agent_manifests(agent, pack, secret_values)
        k8s.core.v1.ConfigMap(f"{name}-character", metadata=_meta(m.config_map), data=m.config_map["data"], opts=in_ns)
        if m.secret is not None:
            k8s.core.v1.Secret(
                f"{name}-env",
                metadata=_meta(m.secret),
                type="Opaque",
                string_data=m.secret["stringData"],
                opts=pulumi.ResourceOptions.merge(
                    in_ns, pulumi.ResourceOptions(additional_secret_outputs=["stringData", "data"])
                ),
            )
        service = k8s.core.v1.Service(f"{name}-service", metadata=_meta(m.service), spec=m.service["spec"], opts=in_ns)
        self.namespace = pulumi.Output.from_input(agent.namespace)
        self.deployment_name = service.urn.apply(lambda _: pack.name)
        self.service_dns = service.urn.apply(lambda _: f"{agent.name}.{agent.namespace}.svc.cluster.local")
        self.image = pulumi.Output.from_input(args.image if args.image is not None else agent.image_ref)
        self.register_outputs({})
