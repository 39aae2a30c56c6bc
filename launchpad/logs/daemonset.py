"""The node log shipper as the cluster runs it: one pod per node (a DaemonSet) reading the kubelet's container
log files of the agents (/var/log/pods/*/eliza/*.log, read-only) and sending them to the collector's Service
(launchpad/logs/shipper.py says why this source and this shipper). Its offsets and unacknowledged batches live
on the node (/var/lib/launchpad-log-shipper), so a restarted shipper resumes where it stopped.

Reading the node's files takes a hostPath volume, which Pod Security's `baseline` and `restricted` levels
refuse: the shipper gets a namespace of its own at `privileged` (nothing else runs there) and a container that
is otherwise as locked down as the agents' (no privilege escalation, all capabilities dropped, read-only root
filesystem; root only to read root-owned files, as every node log agent must). The image is the OpenTelemetry
Collector contrib distribution at the version tools/otelcol builds (the same file_log, file_storage and
otlp_http components), pinned by digest in the stack settings."""

from __future__ import annotations

from typing import Any

import yaml

from launchpad import naming
from launchpad.contracts import Manifest
from launchpad.controlplane.services import HTTP_PORT, LOG_SHIPPER_NAMESPACE
from launchpad.logs.shipper import TOKEN_ENV, shipper_config
from launchpad.workloads.agent_objects import SCAN_ANNOTATION

NAME = "launchpad-log-shipper"
PODS_DIR = "/var/log/pods"
STATE_DIR = "/var/lib/launchpad-log-shipper"
CONFIG_PATH = "/etc/launchpad-log-shipper/config.yaml"


def _labels() -> dict[str, str]:
    return {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": naming.PART_OF,
            "app.kubernetes.io/managed-by": "pulumi"}  # fmt: skip


def shipper_manifests(
    *, image: str, collector_namespace: str, token_secret: tuple[str, str] | None
) -> list[Manifest]:  # fmt: skip
    """Namespace, ServiceAccount, ConfigMap, DaemonSet and NetworkPolicy. token_secret: (Secret name, key) in the
    shipper's namespace holding the collector's bearer token. The NetworkPolicy lets nothing in (the shipper
    serves nothing) and out only DNS and the collector's port in its namespace."""
    endpoint = f"http://launchpad-collector.{collector_namespace}.svc:{HTTP_PORT}"
    config = shipper_config(pods_dir=PODS_DIR, storage_dir=STATE_DIR, endpoint=endpoint, token=token_secret is not None)
    meta = {"name": NAME, "namespace": LOG_SHIPPER_NAMESPACE, "labels": _labels()}
    # Nothing in the program scans the shipper's image (an upstream image, pinned by digest in the settings): the
    # DaemonSet says so, and the policy pack's agent-image-scanned reports it (advisory in dev, mandatory in prod).
    unscanned = {**meta, "annotations": {SCAN_ANNOTATION: "false"}}
    env: list[dict[str, Any]] = []
    if token_secret is not None:
        ref = {"name": token_secret[0], "key": token_secret[1]}
        env.append({"name": TOKEN_ENV, "valueFrom": {"secretKeyRef": ref}})
    privileged = {f"pod-security.kubernetes.io/{mode}": "privileged" for mode in ("enforce", "audit", "warn")}
    container = {
        "name": "shipper",
        "image": image,
        "args": [f"--config=file:{CONFIG_PATH}"],
        "env": env,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
        "securityContext": {
            "runAsUser": 0, "runAsNonRoot": False, "allowPrivilegeEscalation": False, "privileged": False,
            "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "pods", "mountPath": PODS_DIR, "readOnly": True},
            {"name": "state", "mountPath": STATE_DIR},
            {"name": "config", "mountPath": CONFIG_PATH.rsplit("/", 1)[0], "readOnly": True},
        ],
    }
    return [
        {"apiVersion": "v1", "kind": "Namespace",
         "metadata": {"name": LOG_SHIPPER_NAMESPACE, "labels": {**_labels(), **privileged}}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta, "automountServiceAccountToken": False},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
         "data": {"config.yaml": yaml.safe_dump(config, sort_keys=True)}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": unscanned, "spec": {
            "selector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "10%"}},
            "template": {"metadata": {"labels": _labels()}, "spec": {
                "serviceAccountName": NAME, "automountServiceAccountToken": False, "enableServiceLinks": False,
                "priorityClassName": "system-node-critical",
                "tolerations": [{"operator": "Exists"}],  # every node that can run an agent
                "terminationGracePeriodSeconds": 30,
                "containers": [container],
                "volumes": [
                    {"name": "pods", "hostPath": {"path": PODS_DIR, "type": "Directory"}},
                    {"name": "state", "hostPath": {"path": STATE_DIR, "type": "DirectoryOrCreate"}},
                    {"name": "config", "configMap": {"name": NAME}},
                ]}}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": meta, "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": NAME}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [],
            "egress": [
                {"ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
                {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": collector_namespace}}}],
                 "ports": [{"protocol": "TCP", "port": HTTP_PORT}]},
            ]}},
    ]  # fmt: skip
