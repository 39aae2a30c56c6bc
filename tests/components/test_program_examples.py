"""The Pulumi program over the three example agents, under Pulumi's mocks: which resources each agent
gets, with what security context, probes, resources, labels and secrets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.pulumi_mocks import MOCKS, install, is_secret, run_program, stack_config, unwrap

install()

from components import program  # noqa: E402 - mocks first
from launchpad.monitoring import rules  # noqa: E402
from launchpad.workloads.auth_token import AUTH_TOKEN_ENV, derive_token  # noqa: E402
from tests.components.example_config import ROOT, TEST_SECRET_PREFIX, example_secrets  # noqa: E402

K8S = "kubernetes:"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
EXAMPLES = ("crypto-trading-bot", "support-assistant", "omni-agent")


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory) -> list:
    render = tmp_path_factory.mktemp("render")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with stack_config({"renderDir": str(render), "imageBuild": "skip", "scan": "false"}, example_secrets()):
            run_program(program.run)
    finally:
        os.chdir(cwd)
    return list(MOCKS.resources)


def _of(resources: list, typ: str) -> list:
    return [r for r in resources if r.typ == typ]


def _deployment(resources: list, agent: str):
    return next(r for r in _of(resources, DEPLOYMENT) if r.name == f"{agent}-deployment")


def test_each_example_gets_its_full_set_of_objects(resources: list) -> None:
    counts: dict[str, int] = {}
    for r in resources:
        counts[r.typ] = counts.get(r.typ, 0) + 1
    assert counts == {
        "agent-launchpad:index:ElizaAgent": 3,
        "pulumi:providers:kubernetes": 1,
        "kubernetes:core/v1:Namespace": 3,  # tenant-trading, tenant-support, agent-omni-agent
        "kubernetes:core/v1:ServiceAccount": 3,
        "kubernetes:core/v1:ConfigMap": 5,  # 3 characters; the fleet overview and agent dashboards
        "kubernetes:core/v1:Secret": 3,
        DEPLOYMENT: 3,
        "kubernetes:core/v1:Service": 3,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": 3,
        # Every example is a single-identity chat bot at one replica: no HPA, no PDB.
        "agent-launchpad:index:MonitoringStack": 1,
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule": 1,
        # A quota and a LimitRange per agent namespace; one PriorityClass per tier, whatever the fleet.
        "kubernetes:core/v1:ResourceQuota": 3,
        "kubernetes:core/v1:LimitRange": 3,
        "kubernetes:scheduling.k8s.io/v1:PriorityClass": 3,
    }


def test_render_provider_points_at_the_configured_directory(resources: list) -> None:
    (provider,) = _of(resources, "pulumi:providers:kubernetes")
    assert provider.inputs["renderYamlToDirectory"].endswith("render0")


@pytest.mark.parametrize("agent", EXAMPLES)
def test_pod_runs_restricted(resources: list, agent: str) -> None:
    pod = _deployment(resources, agent).inputs["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    (container,) = pod["containers"]
    sc = container["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["privileged"] is False
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert sc["runAsNonRoot"] is True
    writable = {m["mountPath"] for m in container["volumeMounts"] if not m.get("readOnly")}
    assert writable == {"/tmp", "/app/.eliza"}
    assert {v["name"]: ("emptyDir" in v) for v in pod["volumes"]} == {"character": False, "tmp": True, "data": True}


@pytest.mark.parametrize("agent", EXAMPLES)
def test_probes_and_port(resources: list, agent: str) -> None:
    (container,) = _deployment(resources, agent).inputs["spec"]["template"]["spec"]["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 3000, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    startup = container["startupProbe"]
    assert startup["httpGet"]["path"] == "/healthz"
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120  # slow cold boot is tolerated


def test_resources_come_from_agent_and_defaults(resources: list) -> None:
    limits = {
        a: _deployment(resources, a).inputs["spec"]["template"]["spec"]["containers"][0]["resources"] for a in EXAMPLES
    }
    assert limits["crypto-trading-bot"] == {
        "requests": {"cpu": "500m", "memory": "640Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    # support-assistant overrides only requests.memory (it runs on a shared Postgres); the rest comes from
    # agents/defaults.yaml
    assert limits["support-assistant"] == {
        "requests": {"cpu": "500m", "memory": "352Mi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    assert limits["omni-agent"]["requests"] == {"cpu": "1", "memory": "640Mi"}


@pytest.mark.parametrize("agent", EXAMPLES)
def test_single_identity_bots_use_recreate_and_one_replica(resources: list, agent: str) -> None:
    spec = _deployment(resources, agent).inputs["spec"]
    assert spec["strategy"] == {"type": "Recreate"}
    assert spec["replicas"] == 1


@pytest.mark.parametrize("agent", EXAMPLES)
def test_labels_on_every_object_of_the_agent(resources: list, agent: str) -> None:
    own = [
        r
        for r in resources
        if r.typ.startswith(K8S) and r.name.startswith(f"{agent}-") and r.typ != "kubernetes:core/v1:Namespace"
    ]
    assert len(own) >= 6
    for r in own:
        labels = r.inputs["metadata"]["labels"]
        assert labels["app.kubernetes.io/instance"] == agent, r.name
        assert labels["app.kubernetes.io/part-of"] == "agent-launchpad"
        assert labels["app.kubernetes.io/managed-by"] == "pulumi"
        assert labels["launchpad.dev/agent"] == agent


def test_namespaces_enforce_restricted_pod_security(resources: list) -> None:
    namespaces = _of(resources, "kubernetes:core/v1:Namespace")
    assert {n.inputs["metadata"]["name"] for n in namespaces} == {
        "tenant-trading",
        "tenant-support",
        "agent-omni-agent",
    }
    for n in namespaces:
        assert n.inputs["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("agent", EXAMPLES)
def test_secret_values_are_pulumi_secrets_and_never_in_configmaps(resources: list, agent: str) -> None:
    secret = next(r for r in _of(resources, "kubernetes:core/v1:Secret") if r.name == f"{agent}-env")
    assert is_secret(secret.inputs["stringData"]), "the Secret's data must travel as a Pulumi secret"
    values = unwrap(secret.inputs["stringData"])
    # Config secrets, and the API token derived from the stack's token key (auth_token.py), never the key itself.
    token = values.pop(AUTH_TOKEN_ENV)
    assert token == derive_token(f"{TEST_SECRET_PREFIX}agentTokenKey", agent) and TEST_SECRET_PREFIX not in token
    assert values and all(v.startswith(TEST_SECRET_PREFIX) for v in values.values())
    values[AUTH_TOKEN_ENV] = token
    config_map = next(r for r in _of(resources, "kubernetes:core/v1:ConfigMap") if r.name == f"{agent}-character")
    assert TEST_SECRET_PREFIX not in json.dumps(config_map.inputs)
    container = _deployment(resources, agent).inputs["spec"]["template"]["spec"]["containers"][0]
    assert TEST_SECRET_PREFIX not in json.dumps(container) and token not in json.dumps(container)
    from_secret = {e["name"] for e in container["env"] if "valueFrom" in e}
    assert set(values) <= from_secret


def test_platform_plugins_are_added_and_loaded_by_the_character(resources: list) -> None:
    config_map = next(
        r for r in _of(resources, "kubernetes:core/v1:ConfigMap") if r.name == "support-assistant-character"
    )
    character = json.loads(config_map.inputs["data"]["character.json"])
    # support-assistant declares no plugins: anthropic's (text) then openai's (embeddings), telegram's, and
    # plugin-knowledge for its `knowledge:` are added, plus the base ones.
    assert character["plugins"] == [
        "@elizaos/plugin-sql",
        "@elizaos/plugin-bootstrap",
        "@elizaos/plugin-anthropic",
        "@elizaos/plugin-openai",
        "@elizaos/plugin-telegram",
        "@elizaos/plugin-knowledge",
    ]


def test_network_policy_limits_ingress_to_monitoring_and_same_namespace(resources: list) -> None:
    policy = next(
        r for r in _of(resources, "kubernetes:networking.k8s.io/v1:NetworkPolicy") if r.name == "omni-agent-netpol"
    )
    sources = [rule["from"][0] for rule in policy.inputs["spec"]["ingress"]]
    assert sources == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
        {"podSelector": {}},
    ]
    egress_ports = sorted(p["port"] for rule in policy.inputs["spec"]["egress"] for p in rule["ports"])
    assert egress_ports == [53, 53, 443, 5432]


def test_children_inherit_the_render_provider_through_their_parent(resources: list) -> None:
    # The render provider is given to each ElizaAgent only; a child reaches it only through parent=self.
    (provider,) = _of(resources, "pulumi:providers:kubernetes")
    children = [r for r in resources if r.typ.startswith(K8S) and r.typ != "pulumi:providers:kubernetes"]
    # agents' objects, quotas, LimitRanges and PriorityClasses, then the rules and the two dashboards
    assert len(children) == 21 + 3 + 3 + 3 + 3
    for r in children:
        assert r.provider and r.provider.split("::")[-2] == provider.name, (r.name, r.provider)


def test_render_dir_is_absolute(resources: list) -> None:
    (provider,) = _of(resources, "pulumi:providers:kubernetes")
    assert Path(provider.inputs["renderYamlToDirectory"]).is_absolute()


def test_the_fleets_monitoring_objects_name_no_agent(resources: list) -> None:
    """One rule set and two dashboards for the fleet, selecting agents by label (the policy pack checks they
    select each agent: policies/tests/test_observability.py)."""
    (rule,) = _of(resources, "kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    assert rule.inputs["spec"] == rules.rule_groups("dev")
    dashboards = [
        r.inputs["metadata"]["name"]
        for r in _of(resources, "kubernetes:core/v1:ConfigMap")
        if r.inputs["metadata"].get("labels", {}).get("grafana_dashboard") == "1"
    ]
    assert dashboards == ["launchpad-dev-fleet-dashboard", "launchpad-dev-agent-dashboard"]


def test_every_object_named_after_an_agent_is_one_of_its_parts(resources: list) -> None:
    """The deployer tells whose an engine event is by `<agent>-<part>` (services/deployer/attribution.py): every
    Kubernetes object the program names after an agent must end in one of the parts the contract lists."""
    from launchpad.contracts import ELIZA_AGENT_PARTS

    named = [
        (agent, r.name.removeprefix(f"{agent}-"))
        for r in resources
        if r.typ.startswith(K8S) and r.typ != "pulumi:providers:kubernetes"
        for agent in EXAMPLES
        if r.name.startswith(f"{agent}-")
    ]
    assert len(named) >= 6 * len(EXAMPLES)  # namespace or not, sa, character, env, deployment, service, netpol
    assert {part for _, part in named} <= set(ELIZA_AGENT_PARTS), named
