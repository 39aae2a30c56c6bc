from policies.kubernetes import container_resources as cr
from policies.tests.harness import DEPLOYMENT, container, deployment, violations


def test_agent_deployment_passes() -> None:
    assert violations(cr.requests_and_limits, DEPLOYMENT, deployment()) == []
    assert violations(cr.agent_memory_floor, DEPLOYMENT, deployment()) == []


def test_missing_requests_and_limits_are_named() -> None:
    props = deployment()
    container(props)["resources"] = {"requests": {"cpu": "100m"}}
    assert violations(cr.requests_and_limits, DEPLOYMENT, props) == [
        "container 'eliza' has no resources.requests.memory, resources.limits.cpu, resources.limits.memory"
    ]


def test_agent_memory_below_the_floor() -> None:
    props = deployment()
    container(props)["resources"]["limits"]["memory"] = "1Gi"
    assert violations(cr.agent_memory_floor, DEPLOYMENT, props) == [
        "container 'eliza' memory limit 1Gi is below the 2Gi an elizaOS agent needs (~2.1 GB RSS at boot)"
    ]


def test_memory_floor_applies_to_agents_only() -> None:
    props = deployment()
    container(props)["resources"]["limits"]["memory"] = "256Mi"
    del props["metadata"]["labels"]["launchpad.dev/agent"]
    assert violations(cr.agent_memory_floor, DEPLOYMENT, props) == []
