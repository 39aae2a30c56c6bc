"""A pack (several agents in one server) under the prod policy pack: its Deployment (with its init container), its
ServiceAccount, Secret and NetworkPolicy, and each agent's ConfigMap, Secret and Service, as AgentPack and
ElizaAgent render them, beside the tenant namespace and the fleet's rules and dashboards: nothing to report. Then
the checks that must see a pack: its NetworkPolicy, its init container's security, its agents' join to it for
the alerts and dashboards."""

from __future__ import annotations

import copy
from typing import Any

from launchpad import naming
from launchpad.fleet import load_fleet
from launchpad.runtime.pack_boot import clones_pack
from launchpad.workloads.agent_objects import namespace_manifest
from launchpad.workloads.pack_objects import pack_manifests, packed_agent_manifests
from launchpad.workloads.pack_pod import agent_config_secrets, pack_secret_keys
from policies.tests.harness import PROD_CONFIG, ROOT, evaluate
from policies.tests.test_seeded_fleet import PINNED, _monitoring

KINDS = {
    "Namespace": "kubernetes:core/v1:Namespace",
    "Deployment": "kubernetes:apps/v1:Deployment",
    "Service": "kubernetes:core/v1:Service",
    "NetworkPolicy": "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "ConfigMap": "kubernetes:core/v1:ConfigMap",
    "Secret": "kubernetes:core/v1:Secret",
    "ServiceAccount": "kubernetes:core/v1:ServiceAccount",
}
Resources = list[tuple[str, str, dict[str, Any]]]


def _pack_resources(agent: str = "crypto-trading-bot", size: int = 3) -> Resources:
    (found,) = [a for a in load_fleet([ROOT / "agents"]).agents if a.name == agent]
    pack = clones_pack(found, size)
    objects = pack_manifests(pack, dict.fromkeys(pack_secret_keys(pack), "x"), image=PINNED).all()
    for member in pack.agents:
        objects += packed_agent_manifests(member, pack, dict.fromkeys(agent_config_secrets(member), "x")).all()
    resources = [(KINDS["Namespace"], "ns", namespace_manifest(pack.namespace, pack.tenant))]
    resources += [(KINDS[m["kind"]], f"{m['kind']}-{m['metadata']['name']}", copy.deepcopy(m)) for m in objects]
    return resources + _monitoring()


def _props(resources: Resources, kind: str, name: str | None = None) -> dict[str, Any]:
    (found,) = [p for t, _, p in resources if t == KINDS[kind] and (name is None or p["metadata"]["name"] == name)]
    return found


def _deployment(resources: Resources) -> dict[str, Any]:
    return _props(resources, "Deployment")


def test_a_pack_passes_the_prod_pack() -> None:
    resources = _pack_resources()
    assert evaluate(resources, PROD_CONFIG) == set()
    pod = _deployment(resources)["spec"]["template"]["spec"]
    assert [c["image"] for c in [*pod["initContainers"], *pod["containers"]]] == [PINNED, PINNED]


def test_a_pack_without_its_network_policy_is_reported() -> None:
    resources = [r for r in _pack_resources() if r[0] != KINDS["NetworkPolicy"]]
    pack = _deployment(resources)["metadata"]["name"]
    assert ("agent-namespace-isolation", f"Deployment-{pack}",
            f"pack {pack}: no NetworkPolicy in namespace tenant-pack-boot selects its pods") in evaluate(
        resources, PROD_CONFIG)  # fmt: skip


def test_a_privileged_init_container_is_reported() -> None:
    resources = _pack_resources()
    init = _deployment(resources)["spec"]["template"]["spec"]["initContainers"][0]
    init["securityContext"]["privileged"] = True
    pack = _deployment(resources)["metadata"]["name"]
    assert evaluate(resources, PROD_CONFIG) == {
        ("pod-no-privileged", f"Deployment-{pack}", "container 'characters' runs privileged: remove "
         "securityContext.privileged")
    }  # fmt: skip


def test_a_packed_agent_whose_service_does_not_name_its_pack_has_no_alerts() -> None:
    """Its Service is how the rules join it to its pack's pod: without the pack label it has no workload at all
    for the alerts; with another pack's name it has no Deployment in the stack."""
    resources = _pack_resources()
    service = _props(resources, "Service", "crypto-trading-bot-0")
    service["metadata"]["labels"][naming.PACK_LABEL] = "pack-00000000-b"
    found = {(p, m) for p, _, m in evaluate(resources, PROD_CONFIG)}
    assert ("agent-observability", "agent crypto-trading-bot-0: its pack pack-00000000-b has no Deployment in this "
            "stack") in found  # fmt: skip


def test_rules_that_do_not_join_packed_agents_miss_them() -> None:
    resources = _pack_resources()
    for _, _, props in resources:
        if props.get("kind") == "PrometheusRule":
            for rule in props["spec"]["groups"][0]["rules"]:
                rule["expr"] = rule["expr"].replace('kube_service_labels{label_launchpad_dev_agent!="", ',
                                                    'kube_service_labels{label_launchpad_dev_agent="nobody", ')
    messages = [m for p, _, m in evaluate(resources, PROD_CONFIG) if p == "agent-observability"]
    pack = _deployment(resources)["metadata"]["name"]
    for member in ("crypto-trading-bot-0", "crypto-trading-bot-1", "crypto-trading-bot-2"):
        assert any(m.startswith(f"agent {member}: the fleet's rule launchpad:agent_pod:info does not join it to its "
                                f"pack's Pod {pack}-*") for m in messages), messages  # fmt: skip
        assert f"agent {member} is not selected by any dashboard (a ConfigMap labelled grafana_dashboard=1 whose " \
               "`agent` variable lists the label_values of an info series the fleet's rules record for it)" in messages
