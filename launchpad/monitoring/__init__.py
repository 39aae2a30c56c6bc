"""Alert rules and dashboards for the fleet, generated from code (no Pulumi import)."""
