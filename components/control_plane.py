"""`agent-launchpad:index:ControlPlaneService`: one service of the self-service control plane (the API, the
deploy workers) on Kubernetes, reusable for any service (launchpad/controlplane/services.py lists them). The
objects come from `launchpad.controlplane.manifests`; this component registers them as its children and turns
config-sourced secrets into the service's Secret without their values ever being plaintext, as ElizaAgent
does for agents. `deploy_control_plane` adds the namespace and the image (built and scanned like the agents'
images where the stack builds images; a computed tag elsewhere)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi
import pulumi_docker as docker
import pulumi_kubernetes as k8s

from components.providers.image_scan import ImageScan
from launchpad.contracts import CONTROL_PLANE_SERVICE, Manifest
from launchpad.controlplane.manifests import ServiceManifests, all_services, control_plane_namespace
from launchpad.images.control_plane import ControlPlaneBuild
from launchpad.logs.daemonset import shipper_manifests
from launchpad.settings import StackSettings


def _meta(manifest: Manifest) -> Any:
    return manifest["metadata"]


class ControlPlaneService(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        manifests: ServiceManifests,
        secret_values: Mapping[str, pulumi.Input[str]],
        depends_on: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(CONTROL_PLANE_SERVICE, name, None, opts)
        m = manifests
        child = pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))
        account = k8s.core.v1.ServiceAccount(
            f"{name}-sa",
            metadata=_meta(m.service_account),
            automount_service_account_token=m.service_account["automountServiceAccountToken"],
            opts=child,
        )
        if m.secret is not None:
            k8s.core.v1.Secret(
                f"{name}-env",
                metadata=_meta(m.secret),
                type="Opaque",
                string_data={env: pulumi.Output.secret(secret_values[env]) for env in m.config_secrets},
                opts=pulumi.ResourceOptions.merge(
                    child, pulumi.ResourceOptions(additional_secret_outputs=["stringData", "data"])
                ),
            )
        # Its Pods name the ServiceAccount: the ReplicaSet controller refuses them until it exists (seen on the
        # local cluster as FailedCreate events), so the Deployment waits for it.
        k8s.apps.v1.Deployment(
            f"{name}-deployment",
            metadata=_meta(m.deployment),
            spec=m.deployment["spec"],
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[account])),
        )
        k8s.core.v1.Service(f"{name}-service", metadata=_meta(m.service), spec=m.service["spec"], opts=child)
        k8s.networking.v1.NetworkPolicy(
            f"{name}-netpol", metadata=_meta(m.network_policy), spec=m.network_policy["spec"], opts=child
        )
        k8s.policy.v1.PodDisruptionBudget(f"{name}-pdb", metadata=_meta(m.pdb), spec=m.pdb["spec"], opts=child)
        if m.ingress is not None:
            k8s.networking.v1.Ingress(f"{name}-ingress", metadata=_meta(m.ingress), spec=m.ingress["spec"], opts=child)
        for rbac in m.rbac:
            if rbac["kind"] == "ClusterRole":
                k8s.rbac.v1.ClusterRole(f"{name}-role", metadata=_meta(rbac), rules=rbac["rules"], opts=child)
            else:
                k8s.rbac.v1.ClusterRoleBinding(
                    f"{name}-rolebinding",
                    metadata=_meta(rbac),
                    role_ref=rbac["roleRef"],
                    subjects=rbac["subjects"],
                    opts=child,
                )
        self.register_outputs({})


def control_plane_secret_keys(settings: StackSettings) -> set[str]:
    """The config secrets the control plane reads (StackNeeds asks the stack for them)."""
    plane = settings.controlPlane
    if plane is None:
        return set()
    services = (plane.api, plane.deployer, plane.collector)
    return {s.config for svc in services for s in svc.secrets.values() if s.config is not None}


def deploy_control_plane(
    settings: StackSettings,
    stack: str,
    secrets: Mapping[str, pulumi.Input[str]],
    build_root: Path,
    registry_password: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions | None = None,
) -> list[ControlPlaneService]:
    """The control plane's namespace, image and services, when the stack sets `controlPlane` (checked with the
    stack's needs, launchpad/stacks/needs.py, before any resource)."""
    plane = settings.controlPlane
    if plane is None:
        return []
    build = ControlPlaneBuild.of(Path.cwd(), plane.registry)
    image: pulumi.Input[str] = build.ref
    gates: list[pulumi.Resource] = []
    if settings.imageBuild == "docker":
        built = _build_image(build, build_root, settings.registryUsername, registry_password, opts)
        image = built.repo_digest.apply(lambda digest: digest or build.ref)
        gates.append(built)
        if settings.scan:
            gates.append(
                ImageScan(
                    f"scan-control-plane-{build.tag}",
                    image,
                    build_root / "scan" / f"control-plane-{build.tag}.json",
                    settings.scanSeverity,
                    Path(settings.scanAllowlist) if settings.scanAllowlist else None,
                    pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=built)),
                    cache_dir=settings.scanCacheDir,
                )
            )
    ns = control_plane_namespace(plane)
    namespace = k8s.core.v1.Namespace(f"{plane.namespace}-namespace", metadata=ns["metadata"], opts=opts)
    if plane.logShipper is not None:
        token = plane.logShipper.tokenSecret
        k8s.yaml.v2.ConfigGroup(
            "launchpad-log-shipper",
            objs=shipper_manifests(image=plane.logShipper.image, collector_namespace=plane.namespace,
                                   token_secret=(token.name, token.key) if token else None),
            opts=opts,
        )  # fmt: skip
    return [
        ControlPlaneService(
            m.deployment["metadata"]["name"],
            m,
            {env: secrets[key] for env, key in m.config_secrets.items()},
            depends_on=[namespace, *gates],
            opts=opts,
        )
        for m in all_services(plane, image, settings.scan, settings.devSignIn)
    ]


def _build_image(
    build: ControlPlaneBuild,
    build_root: Path,
    username: str | None,
    password: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions | None,
) -> docker.Image:
    """docker build of the project with the generated Dockerfile, pushed to the control plane's registry."""
    dockerfile = build_root / "control-plane" / build.tag / "Dockerfile"
    dockerfile.parent.mkdir(parents=True, exist_ok=True)
    dockerfile.write_text(build.dockerfile())
    registry = None
    if username is not None and password is not None:
        registry = docker.RegistryArgs(
            server=build.registry.split("/", 1)[0], username=username, password=pulumi.Output.secret(password)
        )
    return docker.Image(
        f"control-plane-image-{build.tag}",
        image_name=build.ref,
        build=docker.DockerBuildArgs(context=str(Path.cwd()), dockerfile=str(dockerfile), platform="linux/amd64"),
        registry=registry,
        opts=opts,
    )
