"""The control plane's services as the cluster runs them: what each one's container runs and needs. One entry
per service (services/<name>/); the collector adds its own. Ports, probe paths and arguments are the
services' own command lines (`python -m launchpad api serve ...`, `python -m launchpad deployer run ...`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HTTP_PORT = 8080
HTTP_PORT_NAME = "http"
# Every service answers these (probes): alive, and ready to serve (its database reachable).
LIVENESS_PATH = "/healthz"
READINESS_PATH = "/readyz"
DATABASE_URL_ENV = "LAUNCHPAD_DATABASE_URL"  # every service reads its database from here


@dataclass(frozen=True)
class Volume:
    name: str
    path: str
    size: str


@dataclass(frozen=True)
class ServiceKind:
    name: str
    args: tuple[str, ...]  # after the image's entrypoint, `python -m launchpad`
    public: bool = False  # the Ingress routes the stack's host to it
    kube_api: bool = False  # talks to the Kubernetes API (its service account token is mounted, RBAC below)
    volumes: tuple[Volume, ...] = (Volume("tmp", "/tmp", "256Mi"),)
    env: dict[str, str] = field(default_factory=dict)
    # Seconds a stopping pod gets: the deployer finishes its `up` in progress (SIGTERM: no new claim).
    grace_seconds: int = 30
    # Outbound: DNS always; then these TCP ports.
    egress_ports: tuple[int, ...] = (5432, 443)
    # Old pods stop before new ones start: a deploy worker must never run an older program (and fleet) beside
    # a newer one, or its `up` would undo what the newer one applied.
    recreate: bool = False
    # RBAC of a service that talks to the Kubernetes API: the rules of its ClusterRole.
    rules: tuple[dict[str, Any], ...] = ()
    # Inbound from pods of these namespaces (by name), besides the ingress controller for a public service.
    ingress_from: tuple[str, ...] = ()


DEPLOYER_HOME = "/var/lib/launchpad-deployer"
LOG_SHIPPER_NAMESPACE = "launchpad-logs"  # the node log shippers (launchpad/logs/daemonset.py) post from here

# The collector reads, for the whole fleet, one list+watch each: the agents' Deployments and Pods (status), and
# the Secrets their containers read (their values are redacted from the agents' logs; kept in memory only).
# Secrets cannot be narrowed to the agents' by RBAC (no label selectors in rules): it is the one broad grant.
COLLECTOR_RULES: tuple[dict[str, Any], ...] = (
    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["pods", "secrets"], "verbs": ["get", "list", "watch"]},
)

KINDS: dict[str, ServiceKind] = {
    "api": ServiceKind(
        "api",
        ("api", "serve", "--host", "0.0.0.0", "--port", str(HTTP_PORT)),
        public=True,
    ),
    "deployer": ServiceKind(
        "deployer",
        ("deployer", "run", "--project", "/app", "--health-port", str(HTTP_PORT)),
        kube_api=True,
        volumes=(Volume("tmp", "/tmp", "1Gi"), Volume("home", DEPLOYER_HOME, "2Gi")),
        env={"LAUNCHPAD_DEPLOYER_HOME": DEPLOYER_HOME},
        grace_seconds=900,
        # the Kubernetes API (443 through the service, 6443 on the endpoints), the state backend (443)
        egress_ports=(5432, 443, 6443),
        recreate=True,
    ),
    "collector": ServiceKind(
        "collector",
        ("collector", "run", "--listen", f"0.0.0.0:{HTTP_PORT}"),
        kube_api=True,
        rules=COLLECTOR_RULES,
        # the database, the Kubernetes API (443/6443), Prometheus (9090)
        egress_ports=(5432, 443, 6443, 9090),
        # Alertmanager's webhook (the monitoring namespace) and the node log shippers
        ingress_from=("monitoring", LOG_SHIPPER_NAMESPACE),
    ),
}
