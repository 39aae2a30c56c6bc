"""Trivy's severity scale, lowest first, and the threshold arithmetic the gate and the command share."""

from __future__ import annotations

# Trivy's own order (pkg/types: UNKNOWN < LOW < MEDIUM < HIGH < CRITICAL).
SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")


def rank(severity: str) -> int:
    """Position on the scale; raises ValueError naming the valid values for anything else."""
    try:
        return SEVERITIES.index(severity.upper())
    except ValueError:
        raise ValueError(f"unknown severity {severity!r}: expected one of {', '.join(SEVERITIES)}") from None


def at_or_above(threshold: str) -> tuple[str, ...]:
    """Severities that fail the gate at this threshold, highest first: the value of trivy's --severity."""
    return tuple(reversed(SEVERITIES[rank(threshold) :]))
