"""What monitoring needs to know of one agent. Built from the agent spec by the Pulumi program, so the
rule and dashboard generators stay independent of the spec models."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MonitoredAgent:
    name: str
    tenant: str  # never empty: naming.tenant_value()
    namespace: str
    deployment: str
    container: str
    service: str
    port: int
    memory_limit_bytes: int
    cpu_limit_cores: float
    min_replicas: int
    max_replicas: int
    autoscaled: bool  # a HorizontalPodAutoscaler named like the deployment exists
