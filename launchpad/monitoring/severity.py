"""Alert severities: what the rules label alerts with and what the stack settings route by.

Its own module because both the rules (launchpad/monitoring/rules.py) and the settings that configure probes
and receivers (settings.py, which probes.py reads) need it: kept in rules.py, settings imported rules, which
imports probes, which reads settings."""

from __future__ import annotations

from typing import Literal, get_args

# `critical` pages (an agent is not answering, or is about to be killed); `warning` goes to a channel.
Severity = Literal["critical", "warning"]
CRITICAL: Severity = "critical"
WARNING: Severity = "warning"
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
