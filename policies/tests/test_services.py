from policies.kubernetes import services
from policies.tests.harness import example_manifests, violations


def test_cluster_ip_passes() -> None:
    assert violations(services.no_external_exposure, services.SERVICE, example_manifests()["Service"]) == []


def test_load_balancer_refused_unless_allowed() -> None:
    props = {"spec": {"type": "LoadBalancer"}}
    assert violations(services.no_external_exposure, services.SERVICE, props, {}) == [
        "Service type LoadBalancer exposes it outside the cluster; set allowLoadBalancer in the policy config "
        "to permit it"
    ]
    assert violations(services.no_external_exposure, services.SERVICE, props, {"allowLoadBalancer": True}) == []


def test_node_port_refused_unless_allowed() -> None:
    props = {"spec": {"type": "NodePort"}}
    assert violations(services.no_external_exposure, services.SERVICE, props, {"allowLoadBalancer": True}) == [
        "Service type NodePort exposes it outside the cluster; set allowNodePort in the policy config to permit it"
    ]
    assert violations(services.no_external_exposure, services.SERVICE, props, {"allowNodePort": True}) == []
