"""The collector's settings: flags of `python -m launchpad collector run`, each with an environment variable
(the Deployment the platform stack renders sets those; the database URL only ever comes from a Secret)."""

from __future__ import annotations

from dataclasses import dataclass, field

from launchpad.db.repository.telemetry.partitions import Retention


@dataclass(frozen=True)
class CollectorConfig:
    database_url: str
    scope: str = "default"  # the fleet (or shard) this instance collects: one leader per scope
    kubeconfig: str | None = None  # None: in the cluster, the pod's service account
    kubernetes: bool = True
    prometheus_url: str | None = None
    metrics_interval: float = 60.0
    rate_window: str = "5m"
    host: str = "0.0.0.0"
    port: int = 8080
    token: str | None = None  # bearer token the webhook and the shipper must present
    retention: Retention = field(default_factory=Retention)
    partitions_ahead_days: int = 7
    log_rate: float = 50.0  # lines per second per agent
    log_burst: float = 500.0
