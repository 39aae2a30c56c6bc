"""The health ScrapeConfig: one object for the whole fleet, and its relabelling turns every agent Service
Prometheus discovers into a blackbox probe of the agent's /health with the agent's labels.

The relabelling is applied here as Prometheus applies `replace` and `keep` (model/relabel: source label
values joined by `;`, the regex fully anchored, `$1` expanded) to the target Prometheus' service discovery
makes of a real agent Service (discovery/kubernetes/service.go: `__address__` is
`<service>.<namespace>.svc:<port>`, each label `__meta_kubernetes_service_label_<sanitized key>`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from launchpad.fleet import load_fleet
from launchpad.monitoring import probes, selectors
from launchpad.monitoring.settings import parse_monitoring
from launchpad.workloads.agent_objects import agent_manifests

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = parse_monitoring({"blackbox": {"enabled": True}}, "dev")


def _discovered(service: dict[str, Any]) -> list[dict[str, str]]:
    meta = service["metadata"]
    common = {
        "__meta_kubernetes_namespace": meta["namespace"],
        "__meta_kubernetes_service_name": meta["name"],
        **{f"__meta_kubernetes_service_label_{selectors.sanitize(k)}": v for k, v in meta["labels"].items()},
    }
    return [
        {
            **common,
            "__address__": f"{meta['name']}.{meta['namespace']}.svc:{port['port']}",
            "__meta_kubernetes_service_port_name": port.get("name", ""),
        }
        for port in service["spec"]["ports"]
    ]


def _relabel(labels: dict[str, str], configs: list[dict[str, Any]]) -> dict[str, str] | None:
    labels = dict(labels)
    for c in configs:
        value = c.get("separator", ";").join(labels.get(s, "") for s in c.get("sourceLabels", []))
        match = re.fullmatch(c.get("regex", "(.*)"), value)
        if c["action"] == "keep":
            if not match:
                return None
        elif c["action"] == "replace" and match:
            labels[c["targetLabel"]] = match.expand(c.get("replacement", "$1").replace("$1", r"\1"))
    return labels


def test_every_example_agent_becomes_one_probe_of_its_health_endpoint() -> None:
    config = probes.scrape_config(SETTINGS, "dev")
    spec = config["spec"]
    assert spec["kubernetesSDConfigs"] == [
        {"role": "Service", "selectors": [{"role": "Service", "label": "launchpad.dev/agent"}]}
    ]
    for agent in load_fleet([ROOT / "agents"]).agents:
        service = agent_manifests(agent, {}).service
        targets = [t for t in (_relabel(d, spec["relabelings"]) for d in _discovered(service)) if t is not None]
        url = f"http://{agent.name}.{agent.namespace}.svc:3000/health"
        (target,) = targets
        # Prometheus drops the __meta_* labels after relabelling.
        assert {k: v for k, v in target.items() if not k.startswith("__meta_")} == {
            "__address__": SETTINGS.blackbox.proberUrl,
            "__param_target": url,
            "instance": url,
            "agent": agent.name,
            "tenant": agent.spec.tenant or "default",
            "namespace": agent.namespace,
        }


def test_a_service_port_other_than_http_is_not_probed() -> None:
    (agent, *_) = load_fleet([ROOT / "agents"]).agents
    service = agent_manifests(agent, {}).service
    service["spec"]["ports"].append({"name": "metrics", "port": 9090})
    spec = probes.scrape_config(SETTINGS, "dev")["spec"]
    kept = [t for t in (_relabel(d, spec["relabelings"]) for d in _discovered(service)) if t is not None]
    assert [t["__param_target"] for t in kept] == [f"http://{agent.name}.{agent.namespace}.svc:3000/health"]


def test_the_scrape_config_asks_the_exporter_for_the_configured_module() -> None:
    settings = parse_monitoring({"blackbox": {"enabled": True, "module": "http_2xx_tls", "interval": "1m"}}, "prod")
    config = probes.scrape_config(settings, "prod")
    assert config["apiVersion"] == "monitoring.coreos.com/v1alpha1"
    assert config["metadata"]["name"] == "launchpad-prod-agent-health"
    assert config["spec"]["jobName"] == probes.JOB_NAME
    assert config["spec"]["metricsPath"] == "/probe"
    assert config["spec"]["params"] == {"module": ["http_2xx_tls"]}
    assert config["spec"]["scrapeInterval"] == "1m"
