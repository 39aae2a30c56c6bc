"""MonitoredAgent built from real agent files agrees with the workloads' names and limits."""

from __future__ import annotations

from launchpad.spec import load_fleet
from launchpad.views import monitored_agent as monitored
from launchpad.workloads.agent_objects import agent_manifests
from tests.spec.fleet_files import BASE, write_fleet


def test_monitored_agent_matches_the_workload(tmp_path) -> None:
    (agent,) = load_fleet([write_fleet(tmp_path, {"bot.yaml": BASE})]).agents
    m = monitored(agent)
    objects = agent_manifests(agent, {})
    assert m.namespace == objects.deployment["metadata"]["namespace"]
    assert m.deployment == objects.deployment["metadata"]["name"]
    assert m.service == objects.service["metadata"]["name"]
    (container,) = objects.deployment["spec"]["template"]["spec"]["containers"]
    assert m.container == container["name"]
    assert m.port == objects.service["spec"]["ports"][0]["port"]
    assert m.autoscaled == (objects.hpa is not None)
    limit = container["resources"]["limits"]["memory"]
    assert limit.endswith("Gi") and m.memory_limit_bytes == int(float(limit[:-2]) * 2**30)
