"""The node log shipper's objects: its ConfigMap's config is accepted by the real shipper (`validate` of the
OpenTelemetry Collector built by tools/otelcol), it reads only the agents' containers' files, read-only,
from a namespace of its own, and sends to the collector's Service with the token from a Secret."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import yaml

from launchpad.logs.daemonset import PODS_DIR, shipper_manifests
from launchpad.logs.shipper import TOKEN_ENV
from tests.collector.shipper import otelcol_or_skip

IMAGE = "otel/opentelemetry-collector-contrib@sha256:" + "0" * 64


def test_the_shipper_config_is_valid_and_reads_only_agent_containers(tmp_path: Path) -> None:
    namespace, account, configmap, daemonset, _ = shipper_manifests(image=IMAGE, collector_namespace="launchpad-system",
                                                                 token_secret=("collector-token", "token"))  # fmt: skip
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    assert account["automountServiceAccountToken"] is False
    config = yaml.safe_load(configmap["data"]["config.yaml"])
    assert config["receivers"]["file_log"]["include"] == [f"{PODS_DIR}/*/eliza/*.log"]
    exporter = config["exporters"]["otlp_http"]
    assert exporter["endpoint"] == "http://launchpad-collector.launchpad-system.svc:8080"
    assert exporter["headers"] == {"Authorization": f"Bearer ${{env:{TOKEN_ENV}}}"}
    pod = daemonset["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["pods"]["readOnly"] is True and container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["env"] == [{"name": TOKEN_ENV, "valueFrom": {"secretKeyRef": {"name": "collector-token",
                                                                                    "key": "token"}}}]  # fmt: skip
    # the real shipper accepts the config (paths made local: validate checks the storage directory's parent)
    binary = otelcol_or_skip()
    config["extensions"]["file_storage"]["directory"] = str(tmp_path / "state")
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    done = subprocess.run([binary, "validate", f"--config=file:{tmp_path / 'config.yaml'}"], capture_output=True,
                          text=True, env={**os.environ, TOKEN_ENV: "x"}, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
