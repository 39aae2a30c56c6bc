"""Where an agent may connect to, beside DNS and the model APIs on the public internet: the endpoints its file
declares (ollama's `model.endpoint`, the `database:` its POSTGRES_URL points at), each classified once here so
validation and the NetworkPolicy (launchpad/workloads/network.py) agree.

An endpoint's host is one of:
- a Service of the cluster, `<service>.<namespace>.svc[.cluster.local]`: egress to that namespace's pods on
  the port. Never another agent namespace of the fleet (another tenant), nor the cluster's own namespaces
  (kube-system, default: the API server), which are not an agent's to reach.
- an IP address: egress to that address alone. Never a link-local address (169.254.169.254 is the cloud
  metadata service, which hands out the node's credentials), loopback, unspecified or multicast.
- any other host name: somewhere on the public internet, which NetworkPolicies cannot name: egress to every
  public address on the port (private ranges, link-local and the cluster's CIDRs excluded). A database on a
  private network is reached by its address."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

# <service>.<namespace>.svc, optionally followed by the cluster domain.
_SERVICE_HOST = re.compile(
    r"(?P<service>[a-z0-9]([-a-z0-9]*[a-z0-9])?)\.(?P<namespace>[a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.[a-z0-9.-]+)?\.?"
)
# Namespaces that belong to the cluster, whatever the fleet.
CLUSTER_NAMESPACES = frozenset({"kube-system", "kube-public", "kube-node-lease", "default"})
# Addresses an agent never reaches on the public internet rule: private (RFC 1918, shared CGNAT, unique local),
# loopback, link-local (the metadata service) and "this network". The cluster's own CIDRs are added per stack.
PRIVATE_V4 = ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
              "192.168.0.0/16")  # fmt: skip
PRIVATE_V6 = ("::1/128", "fc00::/7", "fe80::/10")


@dataclass(frozen=True)
class Destination:
    kind: Literal["namespace", "address", "internet"]
    port: int
    namespace: str = ""  # kind namespace
    address: str = ""  # kind address: a /32 or /128 CIDR


def classify(host: str, port: int) -> Destination | str:
    """Where `host:port` is, or why an agent may not go there (a message without the value's secrets: hosts
    are not secret)."""
    host = host.strip("[]").lower()
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        if ip.is_link_local or ip.is_loopback or ip.is_unspecified or ip.is_multicast:
            return (
                f"{host} is a link-local, loopback, unspecified or multicast address (169.254.169.254 is the cloud "
                "metadata service): an agent never connects there"
            )
        return Destination("address", port, address=f"{ip}/{ip.max_prefixlen}")
    service = _SERVICE_HOST.fullmatch(host)
    if service:
        return Destination("namespace", port, namespace=service["namespace"])
    if "." not in host or host.endswith((".local", ".internal", ".cluster")):
        return (
            f"{host} is not a public host name, a Service name (<service>.<namespace>.svc) or an IP address: "
            "egress is opened by address, so name the Service or give the address"
        )
    return Destination("internet", port)


def namespace_problem(destination: Destination, own_namespace: str, fleet_namespaces: set[str]) -> str | None:
    """An in-cluster destination the agent may not reach: another agent namespace of the fleet (another
    tenant's agents and databases), or the cluster's own."""
    ns = destination.namespace
    if destination.kind != "namespace" or ns == own_namespace:
        return None
    if ns in CLUSTER_NAMESPACES:
        return f"namespace {ns} is the cluster's own (the API server, DNS): an agent is never opened to it"
    if ns in fleet_namespaces or ns.startswith(("tenant-", "agent-")):
        return (
            f"namespace {ns} holds other agents of the fleet (another tenant): an agent reaches its own namespace "
            f"({own_namespace}) and shared services outside the agents' namespaces only"
        )
    return None


def endpoint_destination(url: str) -> Destination | str:
    """ollama's `model.endpoint` (an http(s) URL, checked by the model) as a destination."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return classify(parts.hostname or "", port)
