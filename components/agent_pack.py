"""`agent-launchpad:index:AgentPack`: one elizaOS server for several agents of a tenant (launchpad/fleet/packing.py).
The objects come from `launchpad.workloads.pack_objects`; this component registers the pack's own (ServiceAccount,
Secret, Deployment, NetworkPolicy) as its children. Each agent of the pack keeps its ConfigMap, Secret and Service
in its own ElizaAgent (components/eliza_agent.py, `pack=`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_kubernetes as k8s

from components.secret_digest import digest_annotation
from launchpad.contracts import AGENT_PACK
from launchpad.fleet.resolved import Pack
from launchpad.workloads.auth_token import AUTH_TOKEN_ENV, SALT_ENV, derive_pack_salt, derive_pack_token
from launchpad.workloads.pack_objects import pack_manifests


@dataclass
class AgentPackArgs:
    pack: Pack
    token_key: pulumi.Input[str]  # the stack's `agentTokenKey`: the pack's API token and SECRET_SALT derive from it
    # The pack's own config-sourced secrets (a database URL its agents share), env name -> secret Output.
    secret_values: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    image: pulumi.Input[str] | None = None
    namespace: pulumi.Resource | None = None  # the tenant's namespace (None in a shard: the platform's)
    depends_on: Sequence[pulumi.Resource] = ()  # the image, its scan gate, the PriorityClass
    scan: bool = True
    # Each packed agent's own config-sourced secrets (agent -> env name -> secret Output): the pack's init
    # container reads them, so a changed one rolls the pack (components/secret_digest.py).
    member_secret_values: Mapping[str, Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)
    # The cluster's pod and service CIDRs (stack setting clusterCidrs), kept out of the pack's internet egress.
    cluster_cidrs: Sequence[str] = ()


class AgentPack(pulumi.ComponentResource):
    deployment_name: pulumi.Output[str]

    def __init__(self, name: str, args: AgentPackArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(AGENT_PACK, name, None, opts)
        pack = args.pack
        key = pulumi.Output.secret(args.token_key)
        # Derived inside the secret Output, as an agent's token: never plaintext outside the pack's Secret.
        secret_values: dict[str, pulumi.Input[str]] = {
            AUTH_TOKEN_ENV: key.apply(lambda k: derive_pack_token(k, pack.name)),
            SALT_ENV: key.apply(lambda k: derive_pack_salt(k, pack.name)),
            **{env: pulumi.Output.secret(value) for env, value in args.secret_values.items()},
        }
        image = pulumi.Output.from_input(args.image if args.image is not None else pack.image_ref)
        read = dict(secret_values)
        for agent, values in sorted(args.member_secret_values.items()):
            read.update({f"{agent}/{env}": pulumi.Output.secret(value) for env, value in values.items()})
        annotations = digest_annotation(key, pack.name, read)
        m = pack_manifests(
            pack, secret_values, scan=args.scan, image=image, pod_annotations=annotations,
            cluster_cidrs=args.cluster_cidrs,
        )
        waits = [args.namespace] if args.namespace is not None else []
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=waits)
        k8s.core.v1.ServiceAccount(
            f"{name}-sa", metadata=m.service_account["metadata"], automount_service_account_token=False, opts=in_ns
        )
        k8s.core.v1.Secret(
            f"{name}-secret",
            metadata=m.secret["metadata"],
            type="Opaque",
            string_data=m.secret["stringData"],
            opts=pulumi.ResourceOptions.merge(
                in_ns, pulumi.ResourceOptions(additional_secret_outputs=["stringData", "data"])
            ),
        )
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=m.deployment["metadata"],
            spec=m.deployment["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*waits, *args.depends_on]),
        )
        k8s.networking.v1.NetworkPolicy(
            f"{name}-netpol", metadata=m.network_policy["metadata"], spec=m.network_policy["spec"], opts=in_ns
        )
        self.deployment_name = deployment.urn.apply(lambda _: pack.name)
        self.register_outputs({})
