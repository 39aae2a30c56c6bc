"""Vulnerability scan gate: running Trivy, JSON report parsing, thresholds and allowlist (no Pulumi import).

The component calls `run_scan` after building an image (or `evaluate` on a report it already has); a failed
gate raises nothing by itself: the caller turns `GateResult.failure_message()` into a failed `up`. `run_scan`
also takes an image tar or a root filesystem (`Target`) and a mirrored DB (`cache_dir`, database.py).
"""

from launchpad.scan.allowlist import AllowEntry, AllowlistError, load_allowlist, parse_allowlist
from launchpad.scan.gate import GateResult, evaluate
from launchpad.scan.report import Finding, ReportError, parse_report
from launchpad.scan.severity import SEVERITIES, at_or_above
from launchpad.scan.trivy import Target, TrivyError, TrivyNotFound, find_trivy, run_scan, trivy_command

__all__ = [
    "SEVERITIES",
    "AllowEntry",
    "AllowlistError",
    "Finding",
    "GateResult",
    "ReportError",
    "Target",
    "TrivyError",
    "TrivyNotFound",
    "at_or_above",
    "evaluate",
    "find_trivy",
    "load_allowlist",
    "parse_allowlist",
    "parse_report",
    "run_scan",
    "trivy_command",
]
