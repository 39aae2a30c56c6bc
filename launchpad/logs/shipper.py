"""The agents' log shipper: an OpenTelemetry Collector (tools/otelcol) on every node, reading the container
log files the kubelet's runtime writes and sending them to the collector service over OTLP/HTTP.

Why this source and this shipper (docs/architecture.md, "Logs"): the runtime's files hold every line the
agent's container printed, stdout and stderr, JSON or not, a crash's last words included, with the runtime's
nanosecond timestamps; they need nothing of the agent (no token, no API, no rate limit) and survive the
agent's restarts. elizaOS' own `GET /api/server/logs` keeps ~50 calls in memory (a chatty agent overwrites
them between two polls), loses them on restart and is rate-limited to ~1 request/0.9 s per client; the
Kubernetes log API streams one pod per request through the API server (1,000 streams for 1,000 agents) and
`follow` stops at rotation. A node agent is one process per node, whatever the number of agents.
Fluent Bit and Vector cannot be installed here; the OpenTelemetry Collector builds from Go modules, and it is
well kept (a CNCF project): its `file_log` receiver parses the runtime format and the pod from the path,
remembers its offsets in `file_storage`, and its `otlp_http` exporter keeps unacknowledged batches in a
persistent queue and retries them without end. So a collector restart, or a shipper restart, loses no line:
what was not acknowledged (the collector acknowledges after commit) is sent again, and the collector stores
each line once (ids derived from where the line was read)."""

from __future__ import annotations

from typing import Any

from launchpad import naming

TOKEN_ENV = "LAUNCHPAD_COLLECTOR_TOKEN"


def shipper_config(
    *, pods_dir: str, storage_dir: str, endpoint: str, token: bool, poll_interval: str = "1s",
) -> dict[str, Any]:  # fmt: skip
    """The collector config of the node shipper: agent containers' files under `pods_dir` (the kubelet's
    /var/log/pods) to `endpoint` (the collector service's base URL). With `token`, the bearer token is read
    from the environment variable TOKEN_ENV (a Secret), never written in the config.

    `poll_interval`: each poll looks at every agent container's file of the node, so its cost is per file, not
    per line. Measured with 1,000 files (benchmarks/shipper.py): 500 lines/s in all cost 35% of a core polled
    every 250 ms and 9% every second; 6,000 lines/s cost 0.077 and 0.034 CPU-s per 1,000 lines. A line
    reaches the collector up to a second later; most agents are idle most of the time, and their node should
    not pay for polling them four times a second."""
    exporter: dict[str, Any] = {
        "endpoint": endpoint,
        # Binary protobuf: the cheapest encoding to make here and to read in the collector
        # (services/collector/logs/otlp.py: a sixth of JSON's CPU per line there).
        "encoding": "proto",
        "compression": "none",
        "timeout": "30s",
        # Retry for as long as it takes (0: no deadline): lines wait in the persistent queue, not in memory.
        "retry_on_failure": {
            "enabled": True, "initial_interval": "250ms", "max_interval": "5s", "max_elapsed_time": "0s",
        },
        # Persistent (file_storage), counted in log records, batched: one request carries up to 5,000 lines (a
        # node's 1,000 files each give a line or two per poll; one request each would be acknowledged one
        # commit at a time), after at most 200 ms.
        "sending_queue": {
            "enabled": True, "storage": "file_storage", "sizer": "items", "queue_size": 500_000, "num_consumers": 4,
            "batch": {"flush_timeout": "200ms", "sizer": "items", "min_size": 2000, "max_size": 5000},
        },
    }
    if token:
        exporter["headers"] = {"Authorization": f"Bearer ${{env:{TOKEN_ENV}}}"}
    return {
        "extensions": {"file_storage": {"directory": storage_dir, "create_directory": True}},
        "receivers": {
            "file_log": {
                # Only the agents' own container: other containers of the node are not the collector's to store.
                "include": [f"{pods_dir}/*/{naming.CONTAINER_NAME}/*.log"],
                "include_file_path": True,
                "include_file_name": False,
                "include_file_record_offset": True,
                "start_at": "beginning",
                "poll_interval": poll_interval,
                "storage": "file_storage",
                "operators": [{"type": "container", "format": "containerd", "add_metadata_from_filepath": True}],
            }
        },
        "exporters": {"otlp_http": exporter},
        "service": {
            "extensions": ["file_storage"],
            "pipelines": {"logs": {"receivers": ["file_log"], "exporters": ["otlp_http"]}},
            # No metrics endpoint of its own (it would bind :8888); its logs go to stderr.
            "telemetry": {"metrics": {"level": "none"}, "logs": {"level": "warn"}},
        },
    }
