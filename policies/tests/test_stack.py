from launchpad.monitoring import dashboards, rules
from policies import observability, stack
from policies.tests.harness import DEPLOYMENT, example_manifests, stack_violations, urn

NS = "kubernetes:core/v1:Namespace"


def _fleet(**drop: bool) -> list[tuple[str, str, dict]]:
    m = example_manifests("omni-agent")  # an agent with a namespace of its own
    resources = [
        (NS, "ns", m["Namespace"]),
        (DEPLOYMENT, "omni", m["Deployment"]),
        (stack.NETWORK_POLICY, "netpol", m["NetworkPolicy"]),
        (observability.PROMETHEUS_RULE, "rules", rules.prometheus_rule("dev", "monitoring")),
        (observability.CONFIG_MAP, "dash", dashboards.agent_config_map("dev")),
    ]
    return [r for r in resources if not drop.get(r[1])]


def test_a_complete_agent_passes() -> None:
    assert stack_violations(stack.namespace_isolation, _fleet()) == []
    assert stack_violations(stack.observability, _fleet()) == []


def test_missing_network_policy_and_unrestricted_namespace() -> None:
    resources = _fleet(netpol=True)
    resources[0][2]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "baseline"
    assert stack_violations(stack.namespace_isolation, resources) == [
        (
            urn(DEPLOYMENT, "omni"),
            "agent omni-agent: namespace agent-omni-agent does not enforce the restricted "
            "Pod Security profile (pod-security.kubernetes.io/enforce: restricted)",
        ),
        (urn(DEPLOYMENT, "omni"), "agent omni-agent: no NetworkPolicy in namespace agent-omni-agent selects its pods"),
    ]


def test_unmanaged_namespace() -> None:
    assert stack_violations(stack.namespace_isolation, _fleet(ns=True)) == [
        (
            urn(DEPLOYMENT, "omni"),
            "agent omni-agent: namespace agent-omni-agent is not managed by this stack, so its "
            "Pod Security level cannot be checked",
        )
    ]


def test_missing_alerts_and_dashboard() -> None:
    assert stack_violations(stack.observability, _fleet(rules=True, dash=True)) == [
        (
            urn(DEPLOYMENT, "omni"),
            "agent omni-agent is not selected by any alert rule: no PrometheusRule in this stack records the "
            "agents' info series (launchpad:agent_pod:info, ...: the rules of MonitoringStack)",
        ),
        (
            urn(DEPLOYMENT, "omni"),
            "agent omni-agent is not selected by any dashboard (a ConfigMap labelled grafana_dashboard=1 whose "
            "`agent` variable lists the label_values of an info series the fleet's rules record for it)",
        ),
    ]


def test_an_unscanned_agent_image_is_reported() -> None:
    assert stack_violations(stack.images_scanned, _fleet()) == []
    resources = _fleet()
    resources[1][2]["metadata"]["annotations"]["launchpad.dev/scan"] = "false"
    assert stack_violations(stack.images_scanned, resources) == [
        (
            urn(DEPLOYMENT, "omni"),
            "agent omni-agent runs an image that was not vulnerability-scanned (stack setting scan: false)",
        )
    ]


def test_stack_policies_ignore_non_agent_deployments() -> None:
    other = {"metadata": {"name": "x", "namespace": "default", "annotations": {"launchpad.dev/scan": "false"}}}
    resources = [(DEPLOYMENT, "other", other)]
    for policy in stack.POLICIES:
        assert stack_violations(policy, resources) == [], policy.name


def _control_plane(**drop: bool) -> list[tuple[str, str, dict]]:
    from launchpad.controlplane.manifests import control_plane_namespace, service_manifests
    from launchpad.settings import ControlPlaneSettings

    plane = ControlPlaneSettings(registry="ghcr.io/agent-launchpad")
    api = service_manifests(
        plane, "api", "ghcr.io/agent-launchpad/launchpad-control-plane:0123456789abcdef", scan=False
    )
    resources = [
        (NS, "ns", control_plane_namespace(plane)),
        (DEPLOYMENT, "api", api.deployment),
        (stack.NETWORK_POLICY, "netpol", api.network_policy),
    ]
    return [r for r in resources if not drop.get(r[1])]


def test_control_plane_services_are_held_to_the_agents_rules() -> None:
    assert stack_violations(stack.namespace_isolation, _control_plane()) == []
    resources = _control_plane(netpol=True)
    resources[0][2]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = "privileged"
    assert stack_violations(stack.namespace_isolation, resources) == [
        (
            urn(DEPLOYMENT, "api"),
            "control-plane service api: namespace launchpad-system does not enforce the restricted "
            "Pod Security profile (pod-security.kubernetes.io/enforce: restricted)",
        ),
        (
            urn(DEPLOYMENT, "api"),
            "control-plane service api: no NetworkPolicy in namespace launchpad-system selects its pods",
        ),
    ]
    # scan: false marks the service's Deployment as it marks an agent's.
    assert stack_violations(stack.images_scanned, _control_plane()) == [
        (
            urn(DEPLOYMENT, "api"),
            "control-plane service api runs an image that was not vulnerability-scanned (stack setting scan: false)",
        )
    ]


def test_every_control_plane_object_passes_the_whole_pack_under_prod() -> None:
    """The same pack, prod config: pod security, resources, images, secrets, services and isolation hold for
    every object of every service; only what the stack decides is reported (an image not by digest)."""
    import json
    from pathlib import Path

    from launchpad.controlplane.manifests import all_services, control_plane_namespace
    from launchpad.settings import ControlPlaneSettings
    from policies.tests.harness import evaluate

    plane = ControlPlaneSettings(registry="registry.launchpad.internal:5000/control", host="launchpad.example.com")
    image = "registry.launchpad.internal:5000/control/launchpad-control-plane:0123456789abcdef"
    resources: list[tuple[str, str, dict]] = [(NS, "ns", control_plane_namespace(plane))]
    for service in all_services(plane, image, scan=True):
        for m in service.all():
            group = m["apiVersion"].rsplit("/", 1)[0] if "/" in m["apiVersion"] else "core"
            version = m["apiVersion"].rsplit("/", 1)[-1]
            resources.append((f"kubernetes:{group}/{version}:{m['kind']}", f"{service.kind}-{m['kind']}", m))
    config = json.loads((Path(__file__).resolve().parents[1] / "config" / "prod.json").read_text())
    found = evaluate(resources, config)
    assert {(policy, name) for policy, name, _ in found} == {
        ("image-digest-pinned", "api-Deployment"),
        ("image-digest-pinned", "deployer-Deployment"),
        ("image-digest-pinned", "collector-Deployment"),
    }, found
