"""Isolation between tenants (issue 18): each agent's egress is what it needs and nothing else, every agent
namespace denies by default, and the platform, not the agent file, decides who runs at `critical`.

Before: egress rules had no destination (TCP 443, 5432 and 53 open to any address, other tenants' databases and
the API server included), an ollama endpoint on port 80 opened port 80 to every address (169.254.169.254
included), tenant namespaces had no default deny, and any agent file could set `tier: critical`."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import pytest

from launchpad.fleet import FleetError, load_fleet
from launchpad.workloads.agent_objects import agent_manifests
from launchpad.workloads.render import render_fleet
from tests.fleet.fleet_files import BASE, write_fleet

OLLAMA = BASE.replace("provider: openai", "provider: ollama\n  endpoint: {endpoint}").replace(
    "  OPENAI_API_KEY: {config: openaiKey}\n", ""
)
METADATA = ipaddress.ip_address("169.254.169.254")


def _agent(tmp_path: Path, text: str, defaults: str | None = None):  # type: ignore[no-untyped-def]
    files = {"bot.yaml": text, **({"defaults.yaml": defaults} if defaults else {})}
    tmp_path.mkdir(parents=True, exist_ok=True)
    (agent,) = load_fleet([write_fleet(tmp_path, files)]).agents
    return agent


def _problems(tmp_path: Path, text: str, defaults: str | None = None) -> list[str]:
    with pytest.raises(FleetError) as caught:
        _agent(tmp_path, text, defaults)
    return [str(p).split("/agents/", 1)[-1] for p in caught.value.problems]


def _reaches(rules: list[dict[str, Any]], address: str, port: int) -> bool:
    """Whether an egress rule list lets a pod connect to address:port (ipBlock rules only: what an address is)."""
    ip = ipaddress.ip_address(address)
    for rule in rules:
        if not any(p["port"] == port for p in rule["ports"]):
            continue
        for peer in rule.get("to", [{"ipBlock": {"cidr": "0.0.0.0/0"}}, {"ipBlock": {"cidr": "::/0"}}]):
            block = peer.get("ipBlock")
            if block is None or ip.version != ipaddress.ip_network(block["cidr"]).version:
                continue
            if ip in ipaddress.ip_network(block["cidr"]) and not any(
                ip in ipaddress.ip_network(e) for e in block.get("except", [])
            ):
                return True
    return False


def test_egress_is_dns_to_the_cluster_dns_and_https_to_public_addresses_only(tmp_path: Path) -> None:
    rules = agent_manifests(_agent(tmp_path, BASE), {}).network_policy["spec"]["egress"]
    dns, _ = rules
    assert dns["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ]
    assert _reaches(rules, "104.18.6.192", 443) and _reaches(rules, "2606:4700::6812:6c0", 443)  # api.openai.com
    for private in ("169.254.169.254", "10.96.0.1", "172.20.3.4", "192.168.1.10", "100.64.0.7", "127.0.0.1", "fd00:ec2::254"):
        assert not _reaches(rules, private, 443), private
    assert not _reaches(rules, "104.18.6.192", 5432)  # no database declared: none reached
    assert not _reaches(rules, "8.8.8.8", 53)  # DNS through the cluster's DNS only


def test_the_stacks_cluster_cidrs_are_kept_out_of_the_internet(tmp_path: Path) -> None:
    agent = _agent(tmp_path, BASE)
    rules = agent_manifests(agent, {}, cluster_cidrs=("203.0.113.0/24", "2001:db8::/48")).network_policy
    egress = rules["spec"]["egress"]
    assert not _reaches(egress, "203.0.113.9", 443) and not _reaches(egress, "2001:db8::5", 443)
    assert _reaches(egress, "198.51.100.9", 443)


@pytest.mark.parametrize(
    ("endpoint", "peer", "port"),
    [
        ("http://ollama.models.svc:11434/api", {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "models"}}}, 11434),
        ("http://10.20.30.40/api", {"ipBlock": {"cidr": "10.20.30.40/32"}}, 80),
    ],
    ids=["service", "address"],
)
def test_ollama_is_reached_where_it_is_and_nowhere_else(tmp_path: Path, endpoint: str, peer: dict, port: int) -> None:
    rules = agent_manifests(_agent(tmp_path, OLLAMA.replace("{endpoint}", endpoint)), {}).network_policy
    (ollama,) = [r for r in rules["spec"]["egress"] if r["ports"] == [{"protocol": "TCP", "port": port}]]
    assert ollama["to"] == [peer]
    assert not _reaches(rules["spec"]["egress"], str(METADATA), port)


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local, loopback, unspecified or multicast address"),
        ("http://[fe80::1]:11434/api", "fe80::1 is a link-local"),
        ("http://127.0.0.1:11434/api", "127.0.0.1 is a link-local, loopback"),
        ("http://ollama.tenant-other.svc:11434/api", "namespace tenant-other holds other agents of the fleet (another tenant)"),
        ("http://kubernetes.default.svc:443/api", "namespace default is the cluster's own"),
        ("http://ollama:11434/api", "ollama is not a public host name, a Service name"),
    ],
    ids=["metadata", "link-local-v6", "loopback", "other-tenant", "api-server", "bare-name"],
)
def test_an_endpoint_an_agent_may_not_reach_is_refused(tmp_path: Path, endpoint: str, message: str) -> None:
    (problem,) = _problems(tmp_path, OLLAMA.replace("{endpoint}", endpoint))
    assert problem.startswith("bot.yaml:10: model.endpoint: ") and message in problem, problem


def test_the_database_is_the_one_declared_in_the_agents_own_namespace(tmp_path: Path) -> None:
    text = BASE.replace("owner:", "tenant: acme\nowner:").replace(
        "  OPENAI_API_KEY: {config: openaiKey}\n", "  OPENAI_API_KEY: {config: openaiKey}\n  POSTGRES_URL: {config: pg}\n"
    )
    rules = agent_manifests(_agent(tmp_path, text + "database: {host: pg.tenant-acme.svc}\n"), {}).network_policy
    (database,) = [r for r in rules["spec"]["egress"] if r["ports"] == [{"protocol": "TCP", "port": 5432}]]
    assert database["to"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "tenant-acme"}}}]
    (problem,) = _problems(tmp_path / "other", text + "database: {host: pg.tenant-other.svc, port: 5432}\n")
    assert problem.startswith("bot.yaml:23: database.host: namespace tenant-other holds other agents of the fleet")
    (problem,) = _problems(tmp_path / "none", text)
    assert problem.startswith("bot.yaml:20: secrets.POSTGRES_URL: say where POSTGRES_URL points")


def test_every_agent_namespace_denies_by_default(tmp_path: Path) -> None:
    tenant = BASE.replace("owner:", "tenant: acme\nowner:")
    solo = BASE.replace("name: bot", "name: solo").replace("{config: tgToken}", "{config: soloTgToken}")
    fleet = load_fleet([write_fleet(tmp_path, {"a.yaml": tenant, "solo.yaml": solo})])
    render_fleet(fleet, tmp_path / "out")
    import yaml

    denies = [
        m for f in (tmp_path / "out").rglob("*.yaml") for m in yaml.safe_load_all(f.read_text())
        if m["kind"] == "NetworkPolicy" and m["metadata"]["name"] == "launchpad-default-deny"
    ]  # fmt: skip
    assert sorted(m["metadata"]["namespace"] for m in denies) == ["agent-solo", "tenant-acme"]
    for deny in denies:
        assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


TIERED = """\
tenants:
  defaults:
    quota: {pods: 10}
  overrides:
    ops:
      allowedTiers: [critical, standard]
"""


def test_only_the_platform_grants_the_critical_tier(tmp_path: Path) -> None:
    critical = BASE.replace("owner:", "tenant: acme\nowner:") + "tier: critical\n"
    (problem,) = _problems(tmp_path / "a", critical, TIERED)
    assert problem == (
        "bot.yaml:22: tier: tenant acme may run at standard, low (the default), not critical: the platform grants it "
        "in defaults.yaml (tenants.overrides.acme.allowedTiers)"
    )
    granted = _agent(tmp_path / "b", critical.replace("tenant: acme", "tenant: ops"), TIERED)
    assert agent_manifests(granted, {}).deployment["spec"]["template"]["spec"]["priorityClassName"] == "launchpad-critical"
    (problem,) = _problems(tmp_path / "c", critical.replace("tenant: acme", "tenant: ops").replace("critical", "low"), TIERED)
    assert "tenant ops may run at critical, standard (tenants.overrides.ops.allowedTiers), not low" in problem
    # The defaults file's own tier is held to the same grant.
    (problem,) = _problems(tmp_path / "d", BASE, "tier: critical\n")
    assert problem.startswith("defaults.yaml:1: tier: an agent without a tenant may run at standard, low")
