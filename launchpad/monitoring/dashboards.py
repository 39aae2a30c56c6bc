"""Grafana dashboards: JSON files under `monitoring/dashboards/` (edited in Grafana, exported, committed),
filled here with what only the fleet knows (its agents, namespaces, the memory limit of each agent), and
wrapped in ConfigMaps that Grafana's sidecar loads (label `grafana_dashboard: "1"`)."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from launchpad import naming
from launchpad.monitoring.model import MonitoredAgent
from launchpad.monitoring.rules import MEMORY_NEAR_LIMIT

DASHBOARD_DIR = Path(__file__).resolve().parents[2] / "monitoring" / "dashboards"
FLEET_FILE = "fleet-overview.json"
AGENT_FILE = "agent-detail.json"
SIDECAR_LABEL = "grafana_dashboard"
# Read by the sidecar when `folderAnnotation` is set (chart values in values.py): one Grafana folder.
FOLDER_ANNOTATION = "grafana_folder"
FOLDER = "agent-launchpad"
MEMORY_PANEL = "Memory working set"
_UID_MAX = 40  # Grafana rejects longer dashboard uids

Dashboard = dict[str, Any]
Manifest = dict[str, Any]


def load(file: str, directory: Path = DASHBOARD_DIR) -> Dashboard:
    """A fresh copy of a dashboard file: callers fill it in place. The file is read once; parsing its text
    again is several times faster than deep-copying the parsed tree (one copy per agent)."""
    data: Dashboard = json.loads(_text(directory / file))
    return data


@functools.cache
def _text(path: Path) -> str:
    return path.read_text()


def uid(*parts: str) -> str:
    text = "-".join(parts)
    if len(text) <= _UID_MAX:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{text[: _UID_MAX - 9]}-{digest}"


def variables(dashboard: Dashboard) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}


def _set(dashboard: Dashboard, name: str, value: str, options: Sequence[str] | None = None) -> None:
    """Set a template variable's current value (and, for a custom variable, its choices)."""
    var = variables(dashboard)[name]  # KeyError: the JSON file lost a variable the code fills
    var["current"] = {"text": value, "value": value, "selected": True}
    if var["type"] == "constant":
        var["query"] = value
    if options is not None:
        var["query"] = ",".join(options)
        var["options"] = [{"text": o, "value": o, "selected": o == value} for o in options]


def panels(dashboard: Dashboard) -> Iterator[dict[str, Any]]:
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows hold their panels


def fleet_dashboard(agents: Sequence[MonitoredAgent], fleet: str, directory: Path = DASHBOARD_DIR) -> Dashboard:
    d = load(FLEET_FILE, directory)
    d["uid"] = uid("launchpad", fleet, "fleet")
    d["title"] = f"Agent fleet overview ({fleet})"
    _set(d, "fleet", fleet)
    _set(d, "namespaces", "|".join(sorted({a.namespace for a in agents})))
    _set(d, "agents", "|".join(sorted({a.deployment for a in agents})))
    _set(d, "container", "|".join(sorted({a.container for a in agents})) or naming.CONTAINER_NAME)
    return d


def agent_dashboard(agent: MonitoredAgent, fleet: str, directory: Path = DASHBOARD_DIR) -> Dashboard:
    """The agent detail dashboard of `agent`. It names only its own agent: listing the whole fleet in every
    agent's dashboard would grow the fleet's dashboards with the square of its size (the fleet overview is
    where to pick another agent)."""
    d = load(AGENT_FILE, directory)
    d["uid"] = uid("launchpad", fleet, agent.name)
    d["title"] = f"Agent {agent.name} ({agent.tenant})"
    _set(d, "agent", agent.deployment, [agent.deployment])
    _set(d, "namespace", agent.namespace)
    _set(d, "namespaces", agent.namespace)
    _set(d, "container", agent.container)
    for panel in panels(d):
        if panel.get("title") == MEMORY_PANEL:
            # The line where AgentMemoryNearLimit fires, at this agent's declared limit.
            panel.setdefault("fieldConfig", {}).setdefault("defaults", {})["thresholds"] = {
                "mode": "absolute",
                "steps": [
                    {"color": "green", "value": None},
                    {"color": "red", "value": round(agent.memory_limit_bytes * MEMORY_NEAR_LIMIT)},
                ],
            }
    return d


def _config_map(name: str, namespace: str, labels: dict[str, str], dashboard: Dashboard) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {SIDECAR_LABEL: "1", "app.kubernetes.io/part-of": naming.PART_OF, **labels},
            "annotations": {FOLDER_ANNOTATION: FOLDER},
        },
        # Compact: Grafana does not care, and only the compact form uses json's C encoder (one per agent).
        "data": {f"{dashboard['uid']}.json": json.dumps(dashboard, separators=(",", ":"), sort_keys=True)},
    }


def fleet_config_map(
    agents: Sequence[MonitoredAgent], fleet: str, namespace: str = naming.MONITORING_NAMESPACE
) -> Manifest:
    return _config_map(
        f"launchpad-{fleet}-fleet-dashboard", namespace, {naming.FLEET_LABEL: fleet}, fleet_dashboard(agents, fleet)
    )


def agent_config_map(agent: MonitoredAgent, fleet: str) -> Manifest:
    """In the agent's namespace, labelled with the agent: the policy pack looks for it there."""
    labels = {naming.FLEET_LABEL: fleet, naming.AGENT_LABEL: agent.name, naming.TENANT_LABEL: agent.tenant}
    return _config_map(f"{agent.name}-dashboard", agent.namespace, labels, agent_dashboard(agent, fleet))
