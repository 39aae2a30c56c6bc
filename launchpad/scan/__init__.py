"""Vulnerability scan gate: Trivy JSON report parsing, thresholds and allowlist (no Pulumi import)."""
