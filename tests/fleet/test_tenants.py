"""Tenant quotas, LimitRanges and tiers: the loader resolves each namespace's policy from `tenants:` in the
defaults file, and refuses a fleet whose agents cannot fit it, naming the FILE:LINE of the quota or limit and
the agents. Line numbers of DEFAULTS matter: the expectations name them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from launchpad.fleet import FleetError, load_fleet
from launchpad.fleet.tenants import footprint
from launchpad.workloads.agent_objects import agent_manifests
from tests.fleet.fleet_files import BASE, write_fleet

DEFAULTS = """\
tier: low
tenants:
  defaults:
    quota:
      requests: {cpu: "2", memory: 4Gi}
      limits: {cpu: "4", memory: 8Gi}
      pods: 4
    limitRange:
      defaultRequest: {cpu: 250m, memory: 512Mi}
      default: {cpu: "1", memory: 1Gi}
      max: {cpu: "2", memory: 4Gi}
  overrides:
    big:
      quota:
        requests: {memory: 16Gi}
        pods: 20
"""
# A web agent (RollingUpdate: one surge pod) that autoscales to 4, on a shared Postgres (replicas need one): it
# may hold 5 pods during a rollout.
WEB = BASE.replace("  telegram: {mode: polling}", "  web: {}").replace(
    "  TELEGRAM_BOT_TOKEN: {config: tgToken}", "  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}"
).replace(
    "  maxReplicas: 1", "  maxReplicas: 4\n  targetCPU: 70"
) + "database: {host: pg.example.com}\n"


def _agent(name: str, tenant: str | None, text: str = BASE) -> str:
    # Each its own Telegram bot: one bot identity serves one agent (launchpad/fleet/across.py).
    named = text.replace("name: bot", f"name: {name}").replace("{config: tgToken}", f"{{config: {name}TgToken}}")
    return named.replace("owner:", f"tenant: {tenant}\nowner:") if tenant else named


def _load(tmp_path: Path, defaults: str = DEFAULTS, **agents: str):  # type: ignore[no-untyped-def]
    tmp_path.mkdir(parents=True, exist_ok=True)
    return load_fleet(
        [write_fleet(tmp_path, {"defaults.yaml": defaults, **{f"{n}.yaml": t for n, t in agents.items()}})]
    )


def _problems(tmp_path: Path, defaults: str = DEFAULTS, **agents: str) -> list[str]:
    with pytest.raises(FleetError) as caught:
        _load(tmp_path, defaults, **agents)
    return [str(p) for p in caught.value.problems]


def test_each_namespace_gets_its_tenants_policy_with_overrides_merged(tmp_path: Path) -> None:
    fleet = _load(tmp_path, a=_agent("a", "small"), b=_agent("b", "big"), solo=_agent("solo", None))
    small, big, solo = (fleet.tenant_limits[ns] for ns in ("tenant-small", "tenant-big", "agent-solo"))
    assert {k: v.value for k, v in small.quota.items()} == {
        "requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi", "pods": "4"
    }  # fmt: skip
    assert {k: v.value for k, v in big.quota.items()} == {
        "requests.cpu": "2", "requests.memory": "16Gi", "limits.cpu": "4", "limits.memory": "8Gi", "pods": "20"
    }  # fmt: skip
    assert (big.quota["pods"].line, big.quota["pods"].field) == (16, "tenants.overrides.big.quota.pods")
    assert (big.quota["limits.cpu"].line, big.quota["limits.cpu"].field) == (6, "tenants.defaults.quota.limits.cpu")
    # An agent without a tenant is a tenant of one: the defaults, in its own namespace.
    assert solo.tenant is None and solo.quota["pods"].value == "4"
    assert {b: {r: v.value for r, v in rs.items()} for b, rs in solo.limit_range.items()} == {
        "defaultRequest": {"cpu": "250m", "memory": "512Mi"},
        "default": {"cpu": "1", "memory": "1Gi"},
        "max": {"cpu": "2", "memory": "4Gi"},
    }


def test_a_tenant_over_its_quota_is_refused_naming_the_quota_line_and_the_agents(tmp_path: Path) -> None:
    # Two bots (1 pod each: Recreate) and a web agent at 4 replicas + 1 surge pod: 7 pods, 7 x 1792Mi requested.
    problems = _problems(tmp_path, a=_agent("a", "small"), b=_agent("b", "small"), web=_agent("web", "small", WEB))
    assert [p.split(": ", 2)[1] for p in problems] == [
        "tenants.defaults.quota.requests.cpu",
        "tenants.defaults.quota.requests.memory",
        "tenants.defaults.quota.limits.cpu",
        "tenants.defaults.quota.limits.memory",
        "tenants.defaults.quota.pods",
    ]
    memory = problems[1]
    assert memory.endswith(
        "defaults.yaml:5: tenants.defaults.quota.requests.memory: tenant small needs 12.25Gi of requests.memory "
        "with every agent at maxReplicas, plus one surge pod per agent that rolls out with one (web 5 x 1792Mi, "
        "a 1 x 1792Mi, b 1 x 1792Mi), above its quota of 4Gi: raise it (or set "
        "tenants.overrides.small.quota.requests.memory), or lower the agents' resources or scaling.maxReplicas"
    )
    assert "tenant small needs 7 of pods" in problems[4] and "(web 5, a 1, b 1)" in problems[4]


def test_an_override_that_makes_room_is_used_and_its_line_is_named(tmp_path: Path) -> None:
    bots = {n: _agent(n, "big") for n in ("a", "b", "c", "d", "e")}
    # 5 x 1792Mi fit the override's 16Gi of memory requests and its 20 pods; the defaults' cpu does not.
    problems = _problems(tmp_path, **bots)
    assert [p.split(": ", 2)[1] for p in problems] == [
        "tenants.defaults.quota.requests.cpu",
        "tenants.defaults.quota.limits.cpu",
        "tenants.defaults.quota.limits.memory",
    ]
    over = DEFAULTS.replace("        requests: {memory: 16Gi}", "        requests: {memory: 6Gi}")
    problems = _problems(tmp_path / "small", over, **bots)
    assert any(":15: tenants.overrides.big.quota.requests.memory: tenant big needs 8.75Gi" in p for p in problems)


def test_an_agent_without_a_tenant_is_held_to_the_defaults(tmp_path: Path) -> None:
    problems = _problems(tmp_path, solo=_agent("solo", None, WEB))
    assert any(
        "tenants.defaults.quota.pods: namespace agent-solo (of an agent without a tenant) needs 5 of pods" in p
        for p in problems
    )


def test_an_agent_above_the_limit_range_maximum_is_refused(tmp_path: Path) -> None:
    big = _agent("big-bot", "small").replace('limits: {cpu: "1", memory: 2Gi,', 'limits: {cpu: "1", memory: 5Gi,')
    (problem,) = _problems(tmp_path, big=big)
    assert problem.endswith(
        "defaults.yaml:11: tenants.defaults.limitRange.max.memory: agent big-bot (tenant small) asks for limit 5Gi "
        "of memory, above the LimitRange maximum of 4Gi per container: the API server would refuse its pods; "
        "raise the maximum or lower the agent's resources"
    )


def test_an_agent_below_the_limit_range_minimum_is_refused(tmp_path: Path) -> None:
    floor = DEFAULTS.replace(
        '      max: {cpu: "2", memory: 4Gi}', '      max: {cpu: "2", memory: 4Gi}\n      min: {cpu: 200m}'
    )
    small = _agent("a", "small").replace("cpu: 500m", "cpu: 100m")
    (problem,) = _problems(tmp_path, floor, a=small)
    assert problem.endswith(
        "defaults.yaml:12: tenants.defaults.limitRange.min.cpu: agent a (tenant small) asks for request 100m of cpu, "
        "below the LimitRange minimum of 200m per container: the API server would refuse its pods; lower the "
        "minimum or raise the agent's resources"
    )


def test_a_limit_range_the_api_server_would_refuse_is_reported_once(tmp_path: Path) -> None:
    bad = DEFAULTS.replace('default: {cpu: "1", memory: 1Gi}', "default: {cpu: 100m, memory: 1Gi}")
    problems = _problems(tmp_path, bad, a=_agent("a", "small"), b=_agent("b", "other"))
    assert [p.split("defaults.yaml:", 1)[1] for p in problems] == [
        "10: tenants.defaults.limitRange.default.cpu: 100m is below defaultRequest.cpu (250m, "
        "tenants.defaults.limitRange.defaultRequest.cpu); the API server refuses a LimitRange unless "
        "min <= defaultRequest <= default <= max"
    ]


def test_a_fleet_that_fits_loads_and_an_unused_override_is_harmless(tmp_path: Path) -> None:
    """`overrides.big` has no agent: removing a tenant's last agent must not need a defaults change."""
    fleet = _load(tmp_path, a=_agent("a", "small"), b=_agent("b", "small"))
    assert set(fleet.tenant_limits) == {"tenant-small"}


def test_without_a_tenants_section_there_is_no_policy(tmp_path: Path) -> None:
    fleet = _load(tmp_path, "tier: low\n", a=_agent("a", "small"), web=_agent("web", "small", WEB))
    assert fleet.tenant_limits == {}


def test_bad_tenant_settings_are_named(tmp_path: Path) -> None:
    bad = DEFAULTS.replace("      pods: 4", "      pod: 4").replace("    big:", "    Big_Team:")
    problems = _problems(tmp_path, bad, a=_agent("a", "small"))
    assert [p.split("defaults.yaml:", 1)[1].split(" ", 2)[:2] for p in problems] == [
        ["7:", "tenants.defaults.quota.pod:"],
        ["13:", "tenants.overrides.Big_Team:"],
    ]


def test_tier_defaults_to_the_defaults_file_then_standard_and_names_a_priority_class(tmp_path: Path) -> None:
    granted = DEFAULTS.replace("  overrides:\n", "  overrides:\n    small:\n      allowedTiers: [critical, low]\n")
    fleet = _load(tmp_path, granted, a=_agent("a", "small"), b=_agent("b", "small") + "tier: critical\n")
    tiers = {a.name: a.tier for a in fleet.agents}
    assert tiers == {"a": "low", "b": "critical"}
    pod = agent_manifests(fleet.agents[1], {}).deployment["spec"]["template"]["spec"]
    assert pod["priorityClassName"] == "launchpad-critical"
    (plain,) = _load(tmp_path / "plain", "labels: {team: x}\n", a=BASE).agents
    assert plain.tier == "standard"


def test_an_unknown_tier_is_named(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, a=_agent("a", "small") + "tier: gold\n")
    assert ".yaml:22: tier: Input should be 'critical', 'standard' or 'low'" in problem


@pytest.mark.parametrize("text", [BASE, WEB])
def test_the_surge_counted_is_the_one_the_deployment_rolls_out_with(tmp_path: Path, text: str) -> None:
    (agent,) = load_fleet([write_fleet(tmp_path, {"a.yaml": text})]).agents
    strategy = agent_manifests(agent, {}).deployment["spec"]["strategy"]
    surge = strategy["rollingUpdate"]["maxSurge"] if strategy["type"] == "RollingUpdate" else 0
    assert footprint(agent.spec, agent.namespace, agent.single_identity).pods == agent.spec.scaling.max_replicas + surge


def test_validate_refuses_the_tenant_with_file_line_and_exits_1(tmp_path: Path) -> None:
    """As a user runs it: `python -m launchpad validate` in a fleet directory."""
    tight = DEFAULTS.replace("      pods: 4", "      pods: 1")
    write_fleet(tmp_path, {"defaults.yaml": tight, "a.yaml": _agent("a", "acme"), "b.yaml": _agent("b", "acme")})
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "launchpad", "validate", "agents"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "agents/defaults.yaml:7: tenants.defaults.quota.pods: tenant acme needs 2 of pods with every agent at "
        "maxReplicas, plus one surge pod per agent that rolls out with one (a 1, b 1), above its quota of 1: raise "
        "it (or set tenants.overrides.acme.quota.pods), or lower the agents' resources or scaling.maxReplicas",
        "1 problem(s); nothing was deployed",
    ]


def test_ephemeral_storage_is_held_to_the_quota_and_the_limit_range(tmp_path: Path) -> None:
    """Each agent asks for 256Mi and is limited to 2560Mi (fleet_files.BASE): quota keys and LimitRange bounds
    for ephemeral-storage are checked like memory's, in bytes."""
    storage = DEFAULTS.replace(
        '      requests: {cpu: "2", memory: 4Gi}', '      requests: {cpu: "2", memory: 4Gi, ephemeral-storage: 384Mi}'
    ).replace('      max: {cpu: "2", memory: 4Gi}', '      max: {cpu: "2", memory: 4Gi, ephemeral-storage: 2Gi}')
    problems = _problems(tmp_path, storage, a=_agent("a", "small"), b=_agent("b", "small"))
    assert [p.split("defaults.yaml:", 1)[1] for p in problems] == [
        "5: tenants.defaults.quota.requests.ephemeral-storage: tenant small needs 512Mi of "
        "requests.ephemeral-storage with every agent at maxReplicas, plus one surge pod per agent that rolls out "
        "with one (a 1 x 256Mi, b 1 x 256Mi), above its quota of 384Mi: raise it (or set "
        "tenants.overrides.small.quota.requests.ephemeral-storage), or lower the agents' resources or "
        "scaling.maxReplicas",
        *(f"11: tenants.defaults.limitRange.max.ephemeral-storage: agent {a} (tenant small) asks for limit 2560Mi "
          "of ephemeral-storage, above the LimitRange maximum of 2Gi per container: the API server would refuse its "
          "pods; raise the maximum or lower the agent's resources" for a in ("a", "b")),
    ]  # fmt: skip
