from policies.kubernetes import container_resources as cr
from policies.tests.harness import DEPLOYMENT, container, deployment, violations


def test_agent_deployment_passes() -> None:
    assert violations(cr.requests_and_limits, DEPLOYMENT, deployment()) == []
    assert violations(cr.agent_memory_floor, DEPLOYMENT, deployment()) == []


def test_missing_requests_and_limits_are_named() -> None:
    props = deployment()
    container(props)["resources"] = {"requests": {"cpu": "100m"}}
    assert violations(cr.requests_and_limits, DEPLOYMENT, props) == [
        "container 'eliza' has no resources.requests.memory, resources.requests.ephemeral-storage, "
        "resources.limits.cpu, resources.limits.memory, resources.limits.ephemeral-storage"
    ]


def test_agent_containers_declare_ephemeral_storage() -> None:
    props = deployment()
    assert container(props)["resources"]["limits"]["ephemeral-storage"] == "2560Mi"  # from agents/defaults.yaml
    del container(props)["resources"]["requests"]["ephemeral-storage"]
    assert violations(cr.requests_and_limits, DEPLOYMENT, props) == [
        "container 'eliza' has no resources.requests.ephemeral-storage"
    ]
    del props["metadata"]["labels"]["launchpad.dev/agent"]  # not an agent: CPU and memory are enough
    assert violations(cr.requests_and_limits, DEPLOYMENT, props) == []


def test_agent_memory_below_the_floor() -> None:
    props = deployment()
    container(props)["resources"]["limits"]["memory"] = "768Mi"
    assert violations(cr.agent_memory_floor, DEPLOYMENT, props) == [
        "container 'eliza' memory limit 768Mi is below the 1Gi an elizaOS agent needs "
        "(up to 676 MB RSS at boot, measured)"
    ]


def test_memory_floor_applies_to_agents_only() -> None:
    props = deployment()
    container(props)["resources"]["limits"]["memory"] = "256Mi"
    del props["metadata"]["labels"]["launchpad.dev/agent"]
    assert violations(cr.agent_memory_floor, DEPLOYMENT, props) == []


def test_jobs_need_requests_and_limits_too() -> None:
    job = {"spec": {"template": {"spec": {"containers": [{"name": "migrate", "image": "x:1"}]}}}}
    assert violations(cr.requests_and_limits, "kubernetes:batch/v1:Job", job) == [
        "container 'migrate' has no resources.requests.cpu, resources.requests.memory, resources.limits.cpu, "
        "resources.limits.memory"
    ]


def test_an_unreadable_memory_limit_is_reported() -> None:
    props = deployment()
    container(props)["resources"]["limits"]["memory"] = "lots"
    assert violations(cr.agent_memory_floor, DEPLOYMENT, props) == [
        "container 'eliza' has an invalid memory limit 'lots'"
    ]


def test_exactly_the_floor_passes() -> None:
    props = deployment()
    container(props)["resources"]["limits"]["memory"] = "1024Mi"
    assert violations(cr.agent_memory_floor, DEPLOYMENT, props) == []
