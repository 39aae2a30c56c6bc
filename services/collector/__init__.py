"""The collector: the live data loop from the running agents to their owners (issue 21).

One active instance per fleet (a Postgres advisory lock, launchpad/db/repository/telemetry/leader.py) that:
- watches every agent's Deployment and Pods, and every pack's (several agents in one server), one list+watch
  each for the whole fleet, into agent_health and agent_events (status/; a packed agent's from its pack's);
- queries Prometheus once per metric for the whole fleet each interval into agent_metrics (metrics/);
- receives Alertmanager's webhook into system_alerts (alerts/);
- receives the agents' log lines from the node shipper (OpenTelemetry Collector, OTLP/HTTP) into agent_logs,
  redacted and bounded per agent, a pack's to the member each names (logs/packs.py), once the fleet is listed;
- keeps the time-series partitions ahead of the clock and drops them past retention (maintenance.py).
It imports the core only; every query is in launchpad/db/repository/telemetry/."""
