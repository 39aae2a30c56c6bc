"""The node log shipper (launchpad/logs/daemonset.py): the one workload held to the control plane's rules with an
explicit, bounded exception, instead of none.

Why an exception at all: the shipper reads the kubelet's container log files on every node, /var/log/pods, and
keeps its offsets there too; a hostPath volume is refused by Pod Security's `baseline` and `restricted` levels
alike, so its namespace must enforce `privileged`, and the files are root's (0640), so it runs as uid 0. What
the exception allows, and nothing more (everything else is the other workloads' rules, applied as to them):
- only the DaemonSet named `launchpad-log-shipper` in namespace `launchpad-logs` (LOG_SHIPPER_NAMESPACE), with
  one container, is the shipper; a look-alike anywhere else gets no exception;
- its hostPaths: /var/log/pods mounted read-only in every container, and its own state directory; no other
  hostPath, no host network, PID or IPC (pod-no-host-access);
- uid 0, but never privileged, no privilege escalation, every capability dropped, RuntimeDefault seccomp and a
  read-only root filesystem (the pod-* policies, unchanged for it);
- requests and limits (container-requests-and-limits), an image from an allowed registry and pinned by digest
  in every stack (it runs as root on every node: `log-shipper-confined`, not only prod's image-digest-pinned);
- its namespace enforces `privileged` and holds no other workload, and a NetworkPolicy selects its pods
  (agent-namespace-isolation, policies/stack.py); an image nothing scanned is reported like any other
  (agent-image-scanned reads its `launchpad.dev/scan: "false"`)."""

from __future__ import annotations

import re

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from launchpad.controlplane.services import LOG_SHIPPER_NAMESPACE
from launchpad.logs.daemonset import NAME, PODS_DIR, STATE_DIR
from policies.kubernetes.workloads import DAEMON_SET, Props, containers, labels, name_of, pod_spec

# hostPath -> whether every container must mount it read-only
HOST_PATHS = {PODS_DIR: True, STATE_DIR: False}
NAMESPACE_LEVEL = "privileged"  # what its namespace must enforce (hostPath: refused by baseline and restricted)
_DIGEST = re.compile(r"@sha256:[a-f0-9]{64}\Z")


def is_log_shipper(resource_type: str, props: Props) -> bool:
    meta = props.get("metadata") or {}
    return (
        resource_type == DAEMON_SET
        and meta.get("name") == NAME
        and meta.get("namespace") == LOG_SHIPPER_NAMESPACE
        and labels(props).get("app.kubernetes.io/name") == NAME
    )


def allowed_host_path(props: Props, volume: Props) -> bool:
    """A hostPath volume of the shipper that the exception covers (its path, read-only where it must be)."""
    path = str((volume.get("hostPath") or {}).get("path", "")).rstrip("/")
    if path not in HOST_PATHS:
        return False
    pod = pod_spec(DAEMON_SET, props) or {}
    for container in containers(pod):
        for mount in container.get("volumeMounts") or []:
            if mount.get("name") == volume.get("name") and HOST_PATHS[path] and mount.get("readOnly") is not True:
                return False
    return True


def _confined(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_log_shipper(args.resource_type, args.props):
        return
    pod = pod_spec(args.resource_type, args.props) or {}
    found = list(containers(pod))
    if len(found) != 1:
        report(f"the log shipper runs {len(found)} containers: its exception covers one", None)
    for container in found:
        image = str(container.get("image") or "")
        if not _DIGEST.search(image):
            report(f"container '{name_of(container)}' image {image} is not pinned by digest: the log shipper runs "
                   "as root on every node", None)  # fmt: skip
    for volume in pod.get("volumes") or []:
        if "hostPath" in volume and not allowed_host_path(args.props, volume):
            path = (volume.get("hostPath") or {}).get("path")
            report(f"volume '{volume.get('name')}' mounts hostPath {path}: the log shipper may mount only "
                   f"{PODS_DIR} (read-only) and {STATE_DIR}", None)  # fmt: skip


confined = ResourceValidationPolicy(
    name="log-shipper-confined",
    description="The node log shipper's exception (hostPath, uid 0, a privileged namespace) stays what it is: "
    "its own two host paths, the logs read-only, one container, an image pinned by digest.",
    severity=Severity.CRITICAL,
    validate=_confined,
)

POLICIES = [confined]
