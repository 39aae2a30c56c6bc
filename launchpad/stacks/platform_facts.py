"""What a shard stack's policies need to know about the objects its platform stack holds, as plain data.

In a sharded fleet (docs/architecture.md, "Stacks and shards") an agent's tenant namespace, the fleet's
alert rules and its dashboards live in the platform stack, and a policy pack sees one stack at a time. So the
platform exports, inside its `platform` output, the few facts the stack policies read from those objects: each
tenant namespace's Pod Security level, each rule's name and expression, and the selectors of the dashboards'
`agent` variable. A shard re-exports them as its own output `platformPolicy` (the policy pack is not given
the StackReference, a read resource, but it is given the stack's outputs), where `policies/platform.py` reads
them. All of it is the same whatever the fleet's size but for one short entry per tenant (~3.7 KB of rules,
~32 bytes a tenant): each shard's state holds it twice."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from launchpad import naming
from launchpad.contracts import Manifest
from launchpad.monitoring.dashboards import SIDECAR_LABEL

# A Grafana query variable `label_values(<selector>, agent)`.
_AGENT_VALUES = re.compile(r"^\s*label_values\((.*),\s*agent\s*\)\s*$", re.S)



def rule_selection(groups: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Each rule's `record` or `alert` name and its `expr`: what the policies read from a PrometheusRule."""
    return [
        {key: str(rule[key]) for key in ("record", "alert", "expr") if rule.get(key)}
        for group in groups
        for rule in group.get("rules") or []
    ]


def dashboard_agent_selectors(data: Mapping[str, Any]) -> list[str]:
    """The selectors of the `agent` variables of the dashboards in a ConfigMap's data."""
    found = []
    for text in data.values():
        try:
            dashboard = json.loads(text)
        except (TypeError, ValueError):
            continue
        if not isinstance(dashboard, Mapping):
            continue
        for var in (dashboard.get("templating") or {}).get("list") or []:
            query = var.get("query")
            query = query.get("query") if isinstance(query, Mapping) else query
            if var.get("name") == "agent" and isinstance(query, str) and (m := _AGENT_VALUES.match(query)):
                found.append(m.group(1))
    return found


def collect_platform_facts(namespaces: Iterable[Manifest], monitoring: Iterable[Manifest]) -> dict[str, Any]:
    """The facts of the platform's tenant Namespaces and monitoring objects (PrometheusRules, dashboard
    ConfigMaps; other kinds are ignored)."""
    rules: list[dict[str, str]] = []
    selectors: list[str] = []
    for m in monitoring:
        if m["kind"] == "PrometheusRule":
            rules += rule_selection(m["spec"].get("groups") or [])
        elif m["kind"] == "ConfigMap" and m["metadata"].get("labels", {}).get(SIDECAR_LABEL) == "1":
            selectors += dashboard_agent_selectors(m.get("data") or {})
    return {
        "namespaces": {
            str(n["metadata"]["name"]): str(n["metadata"].get("labels", {}).get(naming.PSS_ENFORCE_LABEL, ""))
            for n in namespaces
        },
        "rules": rules,
        "agentSelectors": selectors,
    }
