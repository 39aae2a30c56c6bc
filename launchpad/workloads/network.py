"""Network isolation: every agent namespace denies all traffic by default, and each agent's own NetworkPolicy
opens exactly what it needs:
- in: its HTTP port, from the monitoring namespace (probes, scrapes) and from its own namespace;
- out: DNS to the cluster's DNS pods (kube-system, k8s-app=kube-dns: CoreDNS and kube-dns both carry it),
  HTTPS to the public internet (model APIs, chat platforms), and each endpoint its file declares (ollama's
  `model.endpoint`, its `database:`) as launchpad/fleet/egress.py classified it.
"The public internet" is every address but the private ranges, loopback, link-local (the cloud metadata
service, 169.254.169.254) and the cluster's own pod and service CIDRs when the stack names them
(`clusterCidrs`): so an agent never reaches the metadata service, the API server or another tenant's pods
and databases through it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from launchpad import naming
from launchpad.contracts import Manifest
from launchpad.fleet.egress import PRIVATE_V4, PRIVATE_V6, Destination
from launchpad.fleet.resolved import Agent

DEFAULT_DENY = "launchpad-default-deny"
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
HTTPS = 443


def _excepts(cidr: str, private: Sequence[str], cluster_cidrs: Sequence[str]) -> list[str]:
    version = ipaddress.ip_network(cidr).version
    nets = [ipaddress.ip_network(c, strict=False) for c in (*private, *cluster_cidrs)]
    # Collapsed, so a cluster CIDR inside a private range is not listed twice (the API server accepts overlaps,
    # but a shorter list is what a reviewer reads).
    if version == 4:
        return [str(n) for n in ipaddress.collapse_addresses(n for n in nets if isinstance(n, ipaddress.IPv4Network))]
    return [str(n) for n in ipaddress.collapse_addresses(n for n in nets if isinstance(n, ipaddress.IPv6Network))]


def public_internet(cluster_cidrs: Sequence[str] = ()) -> list[Manifest]:
    """`to` peers for every public address, IPv4 and IPv6."""
    return [
        {"ipBlock": {"cidr": "0.0.0.0/0", "except": _excepts("0.0.0.0/0", PRIVATE_V4, cluster_cidrs)}},
        {"ipBlock": {"cidr": "::/0", "except": _excepts("::/0", PRIVATE_V6, cluster_cidrs)}},
    ]


def _tcp(port: int) -> list[Manifest]:
    return [{"protocol": "TCP", "port": port}]


def _to(destination: Destination, cluster_cidrs: Sequence[str]) -> Manifest:
    if destination.kind == "namespace":
        peers: list[Manifest] = [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": destination.namespace}}}
        ]
    elif destination.kind == "address":
        peers = [{"ipBlock": {"cidr": destination.address}}]
    else:
        peers = public_internet(cluster_cidrs)
    return {"to": peers, "ports": _tcp(destination.port)}


def egress_rules(endpoints: Iterable[Destination], cluster_cidrs: Sequence[str] = ()) -> list[Manifest]:
    dns: Manifest = {
        "to": [
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": DNS_NAMESPACE}},
                "podSelector": {"matchLabels": DNS_POD_LABELS},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }
    internet = {"to": public_internet(cluster_cidrs), "ports": _tcp(HTTPS)}  # model APIs, chat platforms
    rules: list[Manifest] = [dns, internet]
    for destination in endpoints:
        rule = _to(destination, cluster_cidrs)
        if rule not in rules:
            rules.append(rule)
    return rules


def policy_spec(
    selector: dict[str, str], endpoints: Iterable[Destination], cluster_cidrs: Sequence[str] = ()
) -> Manifest:
    """The spec for the pods `selector` matches (an agent's, or a pack's: its agents' endpoints together)."""
    http = _tcp(naming.HTTP_PORT)
    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": naming.MONITORING_NAMESPACE}}}
    return {
        "podSelector": {"matchLabels": selector},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {"from": [monitoring], "ports": http},
            {"from": [{"podSelector": {}}], "ports": http},  # same namespace
        ],
        "egress": egress_rules(endpoints, cluster_cidrs),
    }


def endpoints_of(agents: Iterable[Agent]) -> list[Destination]:
    return [destination for agent in agents for _, destination, _, _ in agent.endpoints]


def network_policy(agent: Agent, metadata: Manifest, cluster_cidrs: Sequence[str] = ()) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata,
        "spec": policy_spec(naming.selector_labels(agent.name), endpoints_of([agent]), cluster_cidrs),
    }


def default_deny(namespace: str, tenant: str | None) -> Manifest:
    """Nothing in or out of any pod of an agent namespace unless a policy of its own opens it: a pod that is
    not an agent (or an agent whose own policy is missing) is isolated, not open."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": DEFAULT_DENY,
            "namespace": namespace,
            "labels": {
                naming.TENANT_LABEL: naming.tenant_value(tenant),
                "app.kubernetes.io/part-of": naming.PART_OF,
                "app.kubernetes.io/managed-by": "pulumi",
            },
        },
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
