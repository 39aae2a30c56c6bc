"""Grafana dashboards: JSON files under `monitoring/dashboards/` (edited in Grafana, exported, committed),
filled here with the fleet's name and the alert thresholds, and wrapped in ConfigMaps that Grafana's sidecar
loads (label `grafana_dashboard: "1"`). Two dashboards for the whole fleet, whatever its size: the agent
detail dashboard picks its agent with template variables instead of one copy per agent."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from launchpad import naming
from launchpad.contracts import Manifest
from launchpad.monitoring.grafana_units import UNIT_IDS
from launchpad.monitoring.rules import MEMORY_NEAR_LIMIT

DASHBOARD_DIR = Path(__file__).resolve().parents[2] / "monitoring" / "dashboards"
FLEET_FILE = "fleet-overview.json"
AGENT_FILE = "agent-detail.json"
SIDECAR_LABEL = "grafana_dashboard"
# Read by the sidecar when `folderAnnotation` is set (chart values in values.py): one Grafana folder.
FOLDER_ANNOTATION = "grafana_folder"
FOLDER = "agent-launchpad"
_UID_MAX = 40  # Grafana rejects longer dashboard uids

Dashboard = dict[str, Any]


def load(file: str) -> Dashboard:
    """A fresh copy of a dashboard file: callers fill it in place."""
    data: Dashboard = json.loads(_text(DASHBOARD_DIR / file))
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


def _set(dashboard: Dashboard, name: str, value: str) -> None:
    """Set a constant template variable's value."""
    var = variables(dashboard)[name]  # KeyError: the JSON file lost a variable the code fills
    var["current"] = {"text": value, "value": value, "selected": True}
    var["query"] = value


def panels(dashboard: Dashboard) -> Iterator[dict[str, Any]]:
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows hold their panels


def _units(panel: dict[str, Any]) -> Iterator[Any]:
    """The panel's unit and the unit of each of its overrides."""
    field_config = panel.get("fieldConfig") or {}
    yield (field_config.get("defaults") or {}).get("unit")
    for override in field_config.get("overrides") or []:
        yield from (p.get("value") for p in override.get("properties") or [] if p.get("id") == "unit")


def convention_problems(name: str, dashboard: Dashboard) -> list[str]:
    """Where `dashboard` breaks Grafana's conventions, one line each: a panel without a description (what a
    reader sees on hovering its title) or without a unit, or with a unit that is not a Grafana unit id
    (launchpad.monitoring.grafana_units). Rows only group panels: they have neither."""
    problems = []
    for panel in panels(dashboard):
        if panel.get("type") == "row":
            continue
        where = f"{name}: panel {panel.get('id')} {panel.get('title')!r}"
        if not str(panel.get("description") or "").strip():
            problems.append(f"{where}: no description")
        for unit in _units(panel):
            if unit is None:
                problems.append(f"{where}: no unit (fieldConfig.defaults.unit)")
            elif unit not in UNIT_IDS:
                problems.append(f"{where}: unit {unit!r} is not a Grafana unit id")
    return problems


def fleet_dashboard(fleet: str) -> Dashboard:
    d = load(FLEET_FILE)
    d["uid"] = uid("launchpad", fleet, "fleet")
    d["title"] = f"Agent fleet overview ({fleet})"
    _set(d, "fleet", fleet)
    _set(d, "container", naming.CONTAINER_NAME)
    return d


def agent_dashboard(fleet: str) -> Dashboard:
    """The agent detail dashboard: one for the whole fleet, its `tenant` and `agent` variables list the
    agents Prometheus knows (label_values over the info series the rules record), so adding an agent
    changes nothing here."""
    d = load(AGENT_FILE)
    d["uid"] = uid("launchpad", fleet, "agent")
    d["title"] = f"Agent detail ({fleet})"
    _set(d, "container", naming.CONTAINER_NAME)
    # The line where AgentMemoryNearLimit fires, drawn from the agent's live memory limit.
    _set(d, "memory_near_limit", str(MEMORY_NEAR_LIMIT))
    return d


def _config_map(name: str, namespace: str, fleet: str, dashboard: Dashboard) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {SIDECAR_LABEL: "1", "app.kubernetes.io/part-of": naming.PART_OF, naming.FLEET_LABEL: fleet},
            "annotations": {FOLDER_ANNOTATION: FOLDER},
        },
        "data": {f"{dashboard['uid']}.json": json.dumps(dashboard, separators=(",", ":"), sort_keys=True)},
    }


def fleet_config_map(fleet: str, namespace: str = naming.MONITORING_NAMESPACE) -> Manifest:
    return _config_map(f"launchpad-{fleet}-fleet-dashboard", namespace, fleet, fleet_dashboard(fleet))


def agent_config_map(fleet: str, namespace: str = naming.MONITORING_NAMESPACE) -> Manifest:
    return _config_map(f"launchpad-{fleet}-agent-dashboard", namespace, fleet, agent_dashboard(fleet))
