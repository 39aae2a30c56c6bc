"""Scale is correctness: no object the program makes may grow with the fleet toward etcd's 1.5 MiB object
limit (the fleet-wide PrometheusRule used to hold a rule per agent and was refused by a real API server at
314 agents), and adding an agent must not change any fleet-wide monitoring object.

The sizes are measured on the manifests the components register, built by the same functions, for fleets of
10 and 1,000 agents: per-agent objects are the same size whatever the fleet, and fleet-wide ones are the
same objects."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.pulumi_mocks import MOCKS, install, run_program, stack_config

install()

from components import program  # noqa: E402 - mocks first
from launchpad.fleet import load_fleet  # noqa: E402
from launchpad.monitoring.objects import fleet_objects  # noqa: E402
from launchpad.monitoring.settings import MonitoringSettings, parse_monitoring  # noqa: E402
from launchpad.workloads.agent_objects import agent_manifests, config_secret_env, tenant_namespace_manifests  # noqa: E402
from launchpad.workloads.tenant_objects import namespace_objects, priority_classes  # noqa: E402
from tests.components.example_config import ROOT, example_secrets  # noqa: E402
from tests.fleet.fleet_files import write_locks  # noqa: E402

ETCD_LIMIT = 1_572_864  # etcd's default --max-request-bytes (1.5 MiB): the API server refuses larger objects
BOUND = 64 * 1024  # what we hold every object to: well under the limit, whatever the fleet
# Everything monitoring can make: health scrape and Alertmanager routing on.
MONITORING = {"blackbox": {"enabled": True}, "receivers": {"critical": {"urlSecret": "alertUrl"}}}

AGENT = """\
name: {name}
owner: 7d3c1e52-8a4b-4c1e-9f2a-{i:012d}
tenant: team-{tenant:03d}
character: {{name: Agent {i}, bio: Agent number {i} of a large fleet.}}
platforms:
  telegram: {{mode: polling}}
model: {{provider: openai}}
secrets:
  TELEGRAM_BOT_TOKEN: {{config: tg{i}}}
  OPENAI_API_KEY: {{config: openai}}
"""


def _write_fleet(folder: Path, count: int) -> Path:
    """`count` agents, ten to a tenant, with the example defaults (but the overrides of the example tenants);
    names of one length, so each agent's objects are the same size whichever fleet it is in."""
    folder.mkdir(parents=True)
    defaults = yaml.safe_load((ROOT / "agents" / "defaults.yaml").read_text())
    del defaults["tenants"]["overrides"]
    (folder / "defaults.yaml").write_text(yaml.safe_dump(defaults))
    for i in range(count):
        (folder / f"agent-{i:04d}.yaml").write_text(AGENT.format(name=f"agent-{i:04d}", i=i, tenant=i // 10))
    write_locks(folder)  # the example defaults build images: one plugin set, one lockfile
    return folder


def _size(manifest: dict[str, Any]) -> int:
    return len(json.dumps(manifest, separators=(",", ":")))


def _objects(folder: Path, settings: MonitoringSettings) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """(every Kubernetes object of the fleet, the monitoring ones by name), as the components build them."""
    fleet = load_fleet([folder])
    found = [m for a in fleet.agents for m in agent_manifests(a, dict.fromkeys(config_secret_env(a), "x")).all()]
    found += tenant_namespace_manifests(fleet.namespaces())
    found += [m for manifests in namespace_objects(fleet).values() for m in manifests] + priority_classes()
    monitoring = fleet_objects(settings, "prod")
    return [*found, *monitoring.values()], monitoring


@pytest.fixture(scope="module")
def fleets(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[list[dict[str, Any]], dict[str, Any]]]:
    settings = parse_monitoring(MONITORING, "prod")
    root = tmp_path_factory.mktemp("fleets")
    return {n: _objects(_write_fleet(root / str(n), n), settings) for n in (10, 1000)}


def test_the_largest_object_is_the_same_at_10_and_1000_agents(fleets: dict) -> None:
    small, large = (max(fleets[n][0], key=_size) for n in (10, 1000))
    print(f"largest object: {large['kind']} {large['metadata']['name']}, {_size(large)} bytes at 1,000 agents")
    assert _size(large) == _size(small)
    assert _size(large) < BOUND < ETCD_LIMIT
    assert len(fleets[1000][0]) > 6000  # the whole fleet was built, with its 100 tenants' quotas and LimitRanges
    assert sum(m["kind"] == "ResourceQuota" for m in fleets[1000][0]) == 100


def test_monitoring_objects_are_identical_at_10_and_1000_agents(fleets: dict) -> None:
    assert fleets[10][1] == fleets[1000][1]
    kinds = {"rules", "fleet-dashboard", "agent-dashboard", "agent-health", "alertmanager-config"}
    assert set(fleets[1000][1]) == kinds


def _declared(agents_dir: Path) -> dict[str, dict[str, Any]]:
    """The program's monitoring resources (name -> inputs) for the fleet in `agents_dir`, under mocks."""
    plain = {"renderDir": str(agents_dir.parent / "render"), "imageBuild": "skip", "agentsDir": str(agents_dir),
             "monitoring": MONITORING}  # fmt: skip
    secrets = {**example_secrets(agents_dir), "alertUrl": "https://hooks.example.com/x"}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with stack_config(plain, secrets):
            run_program(program.run)
    finally:
        os.chdir(cwd)
    return {r.name: r.inputs for r in MOCKS.resources if r.name.startswith("monitoring")}


def test_adding_an_agent_changes_no_monitoring_object(tmp_path: Path) -> None:
    before = tmp_path / "before" / "agents"
    shutil.copytree(ROOT / "agents", before)
    after = tmp_path / "after" / "agents"
    shutil.copytree(ROOT / "agents", after)
    text = (after / "crypto-trading-bot.yaml").read_text()
    # A bot of its own: one bot identity serves one agent (launchpad/fleet/across.py).
    new = text.replace("name: crypto-trading-bot", "name: new-bot").replace("cryptoDiscord", "newDiscord")
    (after / "new-bot.yaml").write_text(new)
    first, second = _declared(before), _declared(after)
    assert set(first) == {
        "monitoring",
        "monitoring-rules",
        "monitoring-fleet-dashboard",
        "monitoring-agent-dashboard",
        "monitoring-agent-health",
        "monitoring-alert-receivers",
        "monitoring-alertmanager-config",
    }
    assert first == second
