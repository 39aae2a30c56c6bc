"""What the collector (services/collector) writes and the control plane reads back: observed health and its
transitions, metrics, logs, alerts, the time-series partitions, the collector's own state and leader lock.
The only SQL over these tables (docs/architecture.md, "Layers and imports")."""
