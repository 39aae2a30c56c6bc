"""A seeded-bad fleet: every agent complete (namespace, policies, the fleet's alerts and dashboards selecting
it, digest-pinned image) except for the rules it breaks on purpose. The prod pack must report exactly those,
nothing more."""

from __future__ import annotations

from typing import Any

from launchpad.monitoring import dashboards, rules
from policies.tests.harness import PROD_CONFIG, container, evaluate, example_manifests

NS, DEP, SVC = "kubernetes:core/v1:Namespace", "kubernetes:apps/v1:Deployment", "kubernetes:core/v1:Service"
CM, NETPOL = "kubernetes:core/v1:ConfigMap", "kubernetes:networking.k8s.io/v1:NetworkPolicy"
HPA, RULE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
JOB = "kubernetes:batch/v1:Job"
PINNED = "registry.launchpad.internal:5000/agents/eliza-runtime@sha256:" + "b" * 64
Resources = list[tuple[str, str, dict[str, Any]]]


def _agent(agent: str) -> dict[str, dict[str, Any]]:
    """An agent's objects as ElizaAgent renders them, plus what the fleet adds: its namespace (tenant
    namespaces are shared, so ElizaAgent does not render them); image pinned as prod."""
    m = example_manifests(agent)
    ns = m["Deployment"]["metadata"]["namespace"]
    restricted = {"pod-security.kubernetes.io/enforce": "restricted"}
    m.setdefault("Namespace", {"metadata": {"name": ns, "labels": restricted}})
    container(m["Deployment"])["image"] = PINNED
    return m


def _resources(agent: str, m: dict[str, dict[str, Any]]) -> Resources:
    kinds = {"Namespace": NS, "Deployment": DEP, "Service": SVC, "NetworkPolicy": NETPOL, "ConfigMap": CM,
             "HorizontalPodAutoscaler": HPA}  # fmt: skip
    return [(kinds[k], f"{agent}-{k.lower()}", props) for k, props in m.items() if k in kinds]


def _monitoring() -> Resources:
    """The fleet's monitoring objects: the same for any agents."""
    return [
        (RULE, "fleet-rules", rules.prometheus_rule("prod", "monitoring")),
        (CM, "fleet-dashboard", dashboards.fleet_config_map("prod")),
        (CM, "agent-dashboard", dashboards.agent_config_map("prod")),
    ]


def seeded_fleet() -> Resources:
    # root: runs as root, privileged, mounts the node's filesystem.
    root = _agent("crypto-trading-bot")
    pod = root["Deployment"]["spec"]["template"]["spec"]
    pod["securityContext"]["runAsNonRoot"] = False
    container(root["Deployment"])["securityContext"].update({"runAsNonRoot": False, "privileged": True})
    pod["volumes"].append({"name": "host", "hostPath": {"path": "/"}})

    # leaky: a literal bot token, an API key from a ConfigMap, :latest, too little memory, a namespace without
    # the restricted profile.
    leaky = _agent("support-assistant")
    eliza = container(leaky["Deployment"])
    eliza["env"] = [e for e in eliza["env"] if e["name"] != "TELEGRAM_BOT_TOKEN"]
    eliza["env"].append({"name": "TELEGRAM_BOT_TOKEN", "value": "do-not-commit"})
    from_config_map = {"configMapKeyRef": {"name": "keys", "key": "openai"}}
    eliza["env"].append({"name": "OPENAI_API_KEY", "valueFrom": from_config_map})
    eliza["image"] = "registry.launchpad.internal:5000/agents/eliza-runtime:latest"
    eliza["resources"]["limits"]["memory"] = "768Mi"
    leaky["Namespace"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "baseline"

    # omni: exposed, scaled past its single bot identity, a token in its character ConfigMap, a plugin
    # nobody approved, not scanned, no NetworkPolicy, pods the fleet's alerts cannot see (no agent label).
    omni = _agent("omni-agent")
    omni["Service"]["spec"]["type"] = "LoadBalancer"
    omni["Deployment"]["spec"]["replicas"] = 3
    omni["HorizontalPodAutoscaler"] = {
        "metadata": {"name": "omni-agent", "annotations": {"launchpad.dev/single-identity": "true"}},
        "spec": {"minReplicas": 5, "maxReplicas": 4},
    }
    omni["ConfigMap"]["data"]["token.txt"] = "sk-abcdefghijklmnopqrstuvwxyz012345"
    annotations = omni["Deployment"]["metadata"]["annotations"]
    annotations["launchpad.dev/plugins"] += ",@evil/plugin-miner@0.1.0"
    annotations["launchpad.dev/scan"] = "false"
    del omni["NetworkPolicy"]
    del omni["Deployment"]["spec"]["template"]["metadata"]["labels"]["launchpad.dev/agent"]

    # Not an agent: a migration Job pulling from Docker Hub, no requests or limits (restricted otherwise).
    restricted_container = example_manifests()["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    migrate = {"name": "migrate", "image": "postgres:18.1", "securityContext": restricted_container["securityContext"]}
    job_pod = {"containers": [migrate]}
    job = (JOB, "db-migrate", {"metadata": {"name": "db-migrate"}, "spec": {"template": {"spec": job_pod}}})

    return [
        *_resources("root", root),
        *_resources("leaky", leaky),
        *_resources("omni", omni),
        *_monitoring(),
        job,
    ]


EXPECTED = {
    (
        "pod-run-as-non-root",
        "root-deployment",
        "container 'eliza' may run as root: set securityContext.runAsNonRoot: true",
    ),
    ("pod-no-privileged", "root-deployment", "container 'eliza' runs privileged: remove securityContext.privileged"),
    ("pod-no-host-access", "root-deployment", "volume 'host' mounts a hostPath from the node"),
    (
        "env-no-credential-literals",
        "leaky-deployment",
        "container 'eliza' env TELEGRAM_BOT_TOKEN holds a literal credential (value not shown): "
        "use valueFrom.secretKeyRef",
    ),
    (
        "env-secret-key-ref-only",
        "leaky-deployment",
        "container 'eliza' env OPENAI_API_KEY comes from configMapKeyRef, not a Secret: use secretKeyRef",
    ),
    (
        "image-tag-pinned",
        "leaky-deployment",
        "container 'eliza' image registry.launchpad.internal:5000/agents/eliza-runtime:latest is :latest: pin a "
        "version tag or a digest",
    ),
    (
        "image-digest-pinned",
        "leaky-deployment",
        "container 'eliza' image registry.launchpad.internal:5000/agents/eliza-runtime:latest is not pinned by "
        "digest (@sha256:...)",
    ),
    (
        "agent-memory-floor",
        "leaky-deployment",
        "container 'eliza' memory limit 768Mi is below the 1Gi an elizaOS agent needs "
        "(up to 676 MB RSS at boot, measured)",
    ),
    (
        "agent-namespace-isolation",
        "leaky-deployment",
        "agent support-assistant: namespace tenant-support does not enforce the restricted Pod Security profile "
        "(pod-security.kubernetes.io/enforce: restricted)",
    ),
    (
        "service-no-external-exposure",
        "omni-service",
        "Service type LoadBalancer exposes it outside the cluster; set allowLoadBalancer in the policy config to "
        "permit it",
    ),
    (
        "single-identity-one-replica",
        "omni-deployment",
        "single-identity chat agent runs 3 replicas; a second replica is a second bot session (double replies, "
        "409 Conflict): keep replicas at 1",
    ),
    (
        "single-identity-one-replica",
        "omni-horizontalpodautoscaler",
        "single-identity chat agent scales to 4 replicas; a second replica is a second bot session (double "
        "replies, 409 Conflict): keep maxReplicas at 1",
    ),
    ("hpa-replica-bounds", "omni-horizontalpodautoscaler", "minReplicas (5) is above maxReplicas (4)"),
    (
        "configmap-no-secret-data",
        "omni-configmap",
        "key 'token.txt' is named like a credential: keep it in a Secret",
    ),
    (
        "agent-plugin-allowlist",
        "omni-deployment",
        "plugin @evil/plugin-miner@0.1.0 is not in the allowed plugins of the policy config",
    ),
    (
        "agent-image-scanned",
        "omni-deployment",
        "agent omni-agent runs an image that was not vulnerability-scanned (stack setting scan: false)",
    ),
    (
        "agent-namespace-isolation",
        "omni-deployment",
        "agent omni-agent: no NetworkPolicy in namespace agent-omni-agent selects its pods",
    ),
    (
        "agent-observability",
        "omni-deployment",
        "agent omni-agent: its Pod omni-agent-* is not selected by the fleet's rule launchpad:agent_pod:info "
        "(kube-state-metrics would export kube_pod_labels with {'label_launchpad_dev_tenant': 'default', "
        "'namespace': 'agent-omni-agent', 'pod': 'omni-agent-*'}); label it launchpad.dev/agent=omni-agent",
    ),
    (
        "container-requests-and-limits",
        "db-migrate",
        "container 'migrate' has no resources.requests.cpu, resources.requests.memory, resources.limits.cpu, "
        "resources.limits.memory",
    ),
    (
        "image-registry-allowed",
        "db-migrate",
        "container 'migrate' image postgres:18.1 is not from an allowed registry (registry.launchpad.internal:5000)",
    ),
    (
        "image-digest-pinned",
        "db-migrate",
        "container 'migrate' image postgres:18.1 is not pinned by digest (@sha256:...)",
    ),
}


def test_a_seeded_bad_fleet_yields_exactly_the_expected_violations() -> None:
    found = evaluate(seeded_fleet(), PROD_CONFIG)
    assert found - EXPECTED == set(), "unexpected violations"
    assert EXPECTED - found == set(), "missed violations"


def test_the_same_fleet_unseeded_is_clean() -> None:
    # Guards the test itself: the baseline every agent starts from passes, so each violation above is seeded.
    agents = {"root": "crypto-trading-bot", "leaky": "support-assistant", "omni": "omni-agent"}
    clean = [r for short, agent in agents.items() for r in _resources(short, _agent(agent))]
    assert evaluate([*clean, *_monitoring()], PROD_CONFIG) == set()
