"""Every monitoring object of a fleet, as manifests: what MonitoringStack registers. None of them depends on
the fleet's agents (they select agents by their labels), so the set and every object's size are the same for
one agent or thousands, and a fleet split across stacks needs them once, in the stack that holds the
monitoring."""

from __future__ import annotations

from launchpad.contracts import Manifest
from launchpad.monitoring import alertmanager, dashboards, probes, rules
from launchpad.monitoring.settings import MonitoringSettings


def fleet_objects(settings: MonitoringSettings, fleet: str) -> dict[str, Manifest]:
    """Resource name suffix -> manifest. The AlertmanagerConfig's receiver URLs live in a Secret the
    component writes from Pulumi secrets (alertmanager.secret_metadata), not here."""
    s = settings
    found: dict[str, Manifest] = {
        "rules": rules.prometheus_rule(
            fleet, s.namespace, s.ruleLabels, s.restartStormPods, health_probes=s.blackbox.enabled
        ),
    }
    found["fleet-dashboard"] = dashboards.fleet_config_map(fleet, s.namespace)
    found["agent-dashboard"] = dashboards.agent_config_map(fleet, s.namespace)
    if s.blackbox.enabled:
        found["agent-health"] = probes.scrape_config(s, fleet)
    if s.receivers:
        found["alertmanager-config"] = alertmanager.alertmanager_config(s, fleet)
    return found
