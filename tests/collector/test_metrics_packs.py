"""A packed agent's metrics: each of the collector's fleet-wide queries (services/collector/metrics/queries.py)
answers one series per packed agent, labelled with that agent, carrying its pack's server's values (one process:
its CPU, its memory against its limit, its restarts and ready replicas) and the agent's own health probe (its own
Service), evaluated by the real promtool over the fleet's recording rules and kube-state-metrics/cAdvisor series
of a pack of two (tests/monitoring/agents.py). The collector then files each series under the agent it names."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from launchpad.monitoring import promtool, rules
from launchpad.monitoring.probes import JOB_NAME
from services.collector.metrics.queries import queries
from tests.monitoring.agents import CADVISOR, FLEET, KSM, LIMIT, PACKED, healthy_fleet, pod, series
from tests.monitoring.conftest import promtool_bin  # noqa: F401 (fixture)

pytestmark = pytest.mark.promtool


def _pack_signals() -> list[dict[str, str]]:
    first = PACKED[0]
    container = {"namespace": first.namespace, "pod": pod(first), "container": "eliza"}
    cadvisor = {**container, "id": "/kubepods/pack", **CADVISOR}
    found = [
        (series("container_cpu_usage_seconds_total", cadvisor), "0+6x40"),  # 0.1 core
        (series("container_memory_working_set_bytes", cadvisor), f"{LIMIT // 2}x40"),
        (series("kube_pod_container_resource_limits", {**container, "resource": "memory", "unit": "byte",
                                                       "node": "node-1", "uid": "uid-pack", **KSM}), f"{LIMIT}x40"),
        (series("kube_pod_container_status_restarts_total", {**container, "uid": "uid-pack", **KSM}), "3x40"),
        (series("kube_deployment_status_replicas_ready", {"namespace": first.namespace, "deployment": first.deployment,
                                                          **KSM}), "1x40"),
    ]  # fmt: skip
    for a in PACKED:  # each packed agent's own Service is probed (its own URL, the pack's /health)
        probe = {"job": JOB_NAME, "instance": f"http://{a.name}.{a.namespace}.svc:3000/health", "agent": a.name,
                 "tenant": a.tenant, "namespace": a.namespace}  # fmt: skip
        found.append((series("probe_success", probe), "1x40" if a is PACKED[0] else "0x40"))
    return [{"series": s, "values": v} for s, v in found]


def test_each_query_answers_each_packed_agent_with_its_packs_values(promtool_bin: str, tmp_path: Path) -> None:  # noqa: F811
    expected = {"cpu_cores": 0.1, "memory_limit_ratio": 0.5, "restarts": 3, "ready_replicas": 1}
    tests = []
    for name, expr in queries().items():
        samples = []
        for a in PACKED:
            value = expected.get(name, 1 if a is PACKED[0] else 0)
            samples.append({"labels": f'{{agent="{a.name}", namespace="{a.namespace}", tenant="{a.tenant}"}}',
                            "value": value})  # fmt: skip
        tests.append({"expr": expr, "eval_time": "10m", "exp_samples": samples})
    rule_file = promtool.write_rules(rules.rule_groups(FLEET, health_probes=True), tmp_path / "rules.yaml")
    test_file = tmp_path / "test.yaml"
    group = {"interval": "1m", "input_series": [*healthy_fleet(), *_pack_signals()], "promql_expr_test": tests}
    test_file.write_text(yaml.safe_dump({"rule_files": [rule_file.name], "evaluation_interval": "1m",
                                         "tests": [group]}, sort_keys=False, width=1000))  # fmt: skip
    result = promtool.run(promtool_bin, "test", "rules", test_file)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
