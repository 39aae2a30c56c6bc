"""Helpers to check rules and dashboard queries with the real `promtool` (Prometheus' own parser), so CI
fails on a PromQL mistake instead of Prometheus silently rejecting a rule group at run time."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from launchpad.monitoring.dashboards import Dashboard, panels, variables

# Grafana's built-in interval variables, replaced by plausible values: only the syntax matters to promtool.
BUILTINS = {"__rate_interval": "5m", "__interval": "1m", "__range": "1h", "__range_s": "3600", "__interval_ms": "60000"}
# Grafana's variable syntaxes: $name, ${name}, ${name:format}, [[name]].
_VARIABLE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")
# A query variable `label_values(<selector>, <label>)`: the selector is PromQL.
_LABEL_VALUES = re.compile(r"^\s*label_values\((.*),\s*\w+\s*\)\s*$", re.S)
_QUERY_RESULT = re.compile(r"^\s*query_result\((.*)\)\s*$", re.S)


def find() -> str | None:
    """The promtool binary: $PROMTOOL, else the one on PATH."""
    return os.environ.get("PROMTOOL") or shutil.which("promtool")


def run(promtool: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *map(str, args)], capture_output=True, text=True, timeout=120, check=False)


def write_rules(spec: Mapping[str, Any], path: Path) -> Path:
    """A PrometheusRule's spec is a Prometheus rule file as is (`groups:`)."""
    path.write_text(yaml.safe_dump(dict(spec), sort_keys=False, width=1000))
    return path


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """Replace Grafana template variables with their values. Regex back-references such as `$1` (in
    label_replace) are Grafana's business too: it leaves unknown names alone, and so do we for numbers;
    any other unknown name raises, so a typo in a variable fails the check."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        if name in values:
            return values[name]
        if name in BUILTINS:
            return BUILTINS[name]
        if name.isdigit():
            return match.group(0)
        raise ValueError(f"unknown dashboard variable ${name} in: {expr}")

    return _VARIABLE.sub(replace, expr)


def variable_values(dashboard: Dashboard) -> dict[str, str]:
    """Each template variable's current value (what the dashboard opens with)."""
    found: dict[str, str] = {}
    for name, var in variables(dashboard).items():
        current = var.get("current") or {}
        value = current.get("value")
        if isinstance(value, list):
            value = "|".join(value)
        found[name] = str(value) if value is not None else ""
    return found


def _variable_query(var: Mapping[str, Any]) -> str | None:
    if var.get("type") != "query":
        return None
    query = var.get("query")
    text = query.get("query") if isinstance(query, Mapping) else query
    if not isinstance(text, str):
        return None
    for pattern in (_LABEL_VALUES, _QUERY_RESULT):
        match = pattern.match(text)
        if match:
            return match.group(1)
    return None


def queries(dashboard: Dashboard) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every panel target and query variable, variables substituted."""
    values = variable_values(dashboard)
    title = dashboard.get("title", "?")
    for panel in panels(dashboard):
        for target in panel.get("targets", []):
            if target.get("expr"):
                where = f"{title} / panel {panel.get('title')!r} / {target.get('refId', '?')}"
                yield where, substitute(target["expr"], values)
    for name, var in variables(dashboard).items():
        expr = _variable_query(var)
        if expr is not None:
            yield f"{title} / variable {name}", substitute(expr, values)


def as_recording_rules(found: list[tuple[str, str]]) -> dict[str, Any]:
    """Queries as recording rules, so `promtool check rules` parses them. The rule index maps promtool's
    message back to the panel."""
    return {
        "groups": [
            {
                "name": "dashboard-queries",
                "rules": [{"record": f"dashboard:query_{i}", "expr": expr} for i, (_, expr) in enumerate(found)],
            }
        ]
    }
