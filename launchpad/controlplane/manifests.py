"""Every Kubernetes object of the control plane, as manifests: its restricted namespace, and per service a
ServiceAccount, the Secret of its config-sourced secrets, a Deployment (probes, restricted security context,
read-only root filesystem, requests and limits), a Service, a NetworkPolicy and a PodDisruptionBudget; the
API's Ingress when the stack names a host; the deployer's RBAC. Pure, like the agents' (launchpad/workloads):
the component (components/control_plane.py) only turns them into resources.

Secret values never pass through here: a config-sourced secret is a key of `<service>-env`, whose values the
component fills from Pulumi secrets; a `secretKeyRef` points at a Secret the operator keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from launchpad import naming
from launchpad.contracts import DEV_SIGN_IN_DATABASE_URL_ENV, DEV_SIGN_IN_ENV, Manifest
from launchpad.controlplane.services import (
    HTTP_PORT,
    HTTP_PORT_NAME,
    KINDS,
    LIVENESS_PATH,
    READINESS_PATH,
    ServiceKind,
)
from launchpad.credentials import credential_kind, is_credential_name
from launchpad.errors import UserError
from launchpad.images.control_plane import UID
from launchpad.settings import CollectorService, ControlPlaneService, ControlPlaneSettings
from launchpad.workloads.agent_objects import SCAN_ANNOTATION, namespace_manifest

SERVICE_LABEL = "launchpad.dev/service"  # on every object of a control-plane service (the policy pack reads it)
COMPONENT = "control-plane"


def service_name(kind: str) -> str:
    return f"launchpad-{kind}"


def secret_name(kind: str) -> str:
    return f"{service_name(kind)}-env"


@dataclass(frozen=True)
class ServiceManifests:
    kind: str
    service_account: Manifest
    secret: Manifest | None  # None: no secret comes from Pulumi config
    deployment: Manifest
    service: Manifest
    network_policy: Manifest
    pdb: Manifest
    ingress: Manifest | None
    rbac: tuple[Manifest, ...]  # ClusterRole + ClusterRoleBinding (the deployer, the collector)
    config_secrets: dict[str, str]  # env name -> Pulumi config key, for the Secret's values

    def all(self) -> list[Manifest]:
        found = [
            self.service_account,
            self.secret,
            self.deployment,
            self.service,
            self.network_policy,
            self.pdb,
            self.ingress,
            *self.rbac,
        ]
        return [m for m in found if m is not None]


def _labels(kind: str, workload: bool = False) -> dict[str, str]:
    labels = {
        "app.kubernetes.io/name": service_name(kind),
        "app.kubernetes.io/part-of": naming.PART_OF,
        "app.kubernetes.io/managed-by": "pulumi",
        SERVICE_LABEL: kind,
    }
    if workload:
        labels["app.kubernetes.io/component"] = COMPONENT
    return labels


def _selector(kind: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service_name(kind), SERVICE_LABEL: kind}


def _meta(kind: str, namespace: str | None, name: str | None = None, workload: bool = False) -> Manifest:
    meta: Manifest = {"name": name or service_name(kind), "labels": _labels(kind, workload)}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def check(settings: ControlPlaneSettings, stack: str, dev_sign_in: bool = False) -> None:
    """A plain `env` value is not a secret: refuse credential-looking names and values, as in agent files. With
    the dashboard's dev-only sign-in (stack setting devSignIn) the API needs the owner's login for its users."""
    problems = []
    if dev_sign_in and DEV_SIGN_IN_DATABASE_URL_ENV not in settings.api.secrets:
        where = f"Pulumi.{stack}.yaml: {naming.PART_OF}:controlPlane.api.secrets.{DEV_SIGN_IN_DATABASE_URL_ENV}"
        problems.append(f"{where}: devSignIn is set: the API adds its dev users to auth.users through the database "
                        "owner's login; give it (a config secret or a secretKeyRef), or remove devSignIn")
    for kind in KINDS:
        service: ControlPlaneService = getattr(settings, kind)
        for name, value in sorted(service.env.items()):
            where = f"Pulumi.{stack}.yaml: {naming.PART_OF}:controlPlane.{kind}.env.{name}"
            if is_credential_name(name):
                problems.append(f"{where}: looks like a credential: move it to controlPlane.{kind}.secrets")
            elif (found := credential_kind(value)) is not None:
                problems.append(f"{where}: the value looks like a {found} (not shown): move it to secrets")
            elif name in service.secrets:
                problems.append(f"{where}: also given in controlPlane.{kind}.secrets")
    if problems:
        raise UserError("\n".join(problems))


def _derived_env(service: ControlPlaneService) -> dict[str, str]:
    """What a service's own settings mean to its command line (services/collector/cli.py reads these)."""
    if not isinstance(service, CollectorService):
        return {}
    days = service.retentionDays
    env = {
        "LAUNCHPAD_METRICS_INTERVAL": str(service.metricsInterval),
        "LAUNCHPAD_RETENTION_DAYS": f"metrics={days.metrics},logs={days.logs},events={days.events}",
        "LAUNCHPAD_LOG_RATE": str(service.logRate),
        "LAUNCHPAD_LOG_BURST": str(service.logBurst),
    }
    if service.prometheusUrl:
        env["LAUNCHPAD_PROMETHEUS_URL"] = service.prometheusUrl
    return env


def _env(kind: ServiceKind, service: ControlPlaneService, dev_sign_in: bool = False) -> list[dict[str, Any]]:
    plain = {**kind.env, **_derived_env(service), **service.env}
    if dev_sign_in and kind.public:  # the API: the dashboard's dev-only sign-in (stack setting devSignIn)
        plain[DEV_SIGN_IN_ENV] = "true"
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in sorted(plain.items())]
    for name, source in sorted(service.secrets.items()):
        ref = (
            {"name": secret_name(kind.name), "key": name}
            if source.config is not None
            else {"name": source.secretKeyRef.name, "key": source.secretKeyRef.key}  # type: ignore[union-attr]
        )
        env.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
    return env


def _probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": HTTP_PORT_NAME},
        "periodSeconds": period,
        "timeoutSeconds": 5,
        "failureThreshold": failures,
    }


def deployment(
    kind: ServiceKind, service: ControlPlaneService, namespace: str, image: Any, scan: bool, dev_sign_in: bool = False
) -> Manifest:
    annotations = {} if scan else {SCAN_ANNOTATION: "false"}
    container = {
        "name": kind.name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": list(kind.args),
        "ports": [{"name": HTTP_PORT_NAME, "containerPort": HTTP_PORT, "protocol": "TCP"}],
        "env": _env(kind, service, dev_sign_in),
        "resources": {
            "requests": {"cpu": service.requests.cpu, "memory": service.requests.memory},
            "limits": {"cpu": service.limits.cpu, "memory": service.limits.memory},
        },
        "startupProbe": _probe(LIVENESS_PATH, period=2, failures=30),
        "livenessProbe": _probe(LIVENESS_PATH, period=15, failures=4),
        "readinessProbe": _probe(READINESS_PATH, period=10, failures=3),
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": UID,
            "runAsGroup": UID,
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [{"name": v.name, "mountPath": v.path} for v in kind.volumes],
    }
    meta = _meta(kind.name, namespace, workload=True)
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": service.replicas,
            "selector": {"matchLabels": _selector(kind.name)},
            "revisionHistoryLimit": 5,
            "strategy": {"type": "Recreate"}
            if kind.recreate
            else {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": _labels(kind.name, workload=True)},
                "spec": {
                    "serviceAccountName": service_name(kind.name),
                    "automountServiceAccountToken": kind.kube_api,
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": kind.grace_seconds,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": UID,
                        "runAsGroup": UID,
                        "fsGroup": UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [container],
                    "volumes": [{"name": v.name, "emptyDir": {"sizeLimit": v.size}} for v in kind.volumes],
                },
            },
        },
    }


def _network_policy(kind: ServiceKind, namespace: str) -> Manifest:
    egress: list[Manifest] = [
        {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
        {"ports": [{"protocol": "TCP", "port": p} for p in kind.egress_ports]},
    ]
    # Public: the ingress controller's pods, wherever they run. Otherwise nothing comes in (probes are the
    # kubelet's, which NetworkPolicies do not govern).
    ingress = [{"ports": [{"protocol": "TCP", "port": HTTP_PORT}]}] if kind.public else []
    for source in kind.ingress_from:  # e.g. Alertmanager's webhook, the log shippers (the collector)
        ingress.append({
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": source}}}],
            "ports": [{"protocol": "TCP", "port": HTTP_PORT}],
        })  # fmt: skip
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(kind.name, namespace),
        "spec": {
            "podSelector": {"matchLabels": _selector(kind.name)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def _ingress(settings: ControlPlaneSettings, kind: ServiceKind, namespace: str) -> Manifest | None:
    if not (kind.public and settings.host):
        return None
    spec: Manifest = {
        "rules": [
            {
                "host": settings.host,
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": service_name(kind.name), "port": {"name": HTTP_PORT_NAME}}},
                        }
                    ]
                },
            }
        ]
    }
    if settings.ingressClassName:
        spec["ingressClassName"] = settings.ingressClassName
    if settings.tlsSecretName:
        spec["tls"] = [{"hosts": [settings.host], "secretName": settings.tlsSecretName}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _meta(kind.name, namespace),
        "spec": spec,
    }


# What the program creates for a fleet (components/): a deploy worker's `up` creates, changes and deletes it.
DEPLOYER_RULES: list[Manifest] = [
    {
        "apiGroups": [""],
        "resources": [
            "namespaces",
            "serviceaccounts",
            "configmaps",
            "secrets",
            "services",
            "resourcequotas",
            "limitranges",
        ],
        "verbs": ["*"],
    },
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["*"]},
    {"apiGroups": ["autoscaling"], "resources": ["horizontalpodautoscalers"], "verbs": ["*"]},
    {"apiGroups": ["policy"], "resources": ["poddisruptionbudgets"], "verbs": ["*"]},
    {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": ["*"]},
    {"apiGroups": ["scheduling.k8s.io"], "resources": ["priorityclasses"], "verbs": ["*"]},
    {
        "apiGroups": ["monitoring.coreos.com"],
        "resources": ["prometheusrules", "probes", "scrapeconfigs", "servicemonitors", "alertmanagerconfigs"],
        "verbs": ["*"],
    },
    # Readiness waits read what the controllers made.
    {
        "apiGroups": ["", "apps"],
        "resources": ["pods", "replicasets", "events", "endpoints"],
        "verbs": ["get", "list", "watch"],
    },
]


def _rbac(kind: ServiceKind, namespace: str) -> tuple[Manifest, ...]:
    if not kind.kube_api:
        return ()
    name = service_name(kind.name)
    return (
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _meta(kind.name, None),
            # the service's own rules (the collector's read-only watches), else the deployer's below
            "rules": list(kind.rules) or DEPLOYER_RULES,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": _meta(kind.name, None),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
        },
    )


def service_manifests(
    settings: ControlPlaneSettings, kind_name: str, image: Any, scan: bool, dev_sign_in: bool = False
) -> ServiceManifests:
    kind = KINDS[kind_name]
    service: ControlPlaneService = getattr(settings, kind_name)
    namespace = settings.namespace
    config_secrets = {env: s.config for env, s in sorted(service.secrets.items()) if s.config is not None}
    secret = None
    if config_secrets:
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _meta(kind_name, namespace, secret_name(kind_name)),
            "type": "Opaque",
        }
    return ServiceManifests(
        kind=kind_name,
        service_account={
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": _meta(kind_name, namespace),
            "automountServiceAccountToken": kind.kube_api,
        },
        secret=secret,
        deployment=deployment(kind, service, namespace, image, scan, dev_sign_in),
        service={
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": _meta(kind_name, namespace),
            "spec": {
                "type": "ClusterIP",
                "selector": _selector(kind_name),
                "ports": [{"name": HTTP_PORT_NAME, "port": HTTP_PORT, "targetPort": HTTP_PORT_NAME, "protocol": "TCP"}],
            },
        },
        network_policy=_network_policy(kind, namespace),
        pdb={
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": _meta(kind_name, namespace),
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": _selector(kind_name)}},
        },
        ingress=_ingress(settings, kind, namespace),
        rbac=_rbac(kind, namespace),
        config_secrets=config_secrets,
    )


def control_plane_namespace(settings: ControlPlaneSettings) -> Manifest:
    manifest = namespace_manifest(settings.namespace, None)
    manifest["metadata"]["labels"]["app.kubernetes.io/component"] = COMPONENT
    return manifest


def all_services(
    settings: ControlPlaneSettings, image: Any, scan: bool, dev_sign_in: bool = False
) -> list[ServiceManifests]:
    return [service_manifests(settings, kind, image, scan, dev_sign_in) for kind in KINDS]
