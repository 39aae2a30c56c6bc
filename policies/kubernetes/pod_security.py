"""Pod security of every workload (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods): the
Kubernetes `restricted` Pod Security profile, checked before anything reaches a cluster. A container
setting wins over the pod's, as in Kubernetes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from policies.kubernetes.log_shipper import allowed_host_path, is_log_shipper
from policies.kubernetes.workloads import Props, containers, name_of, pod_spec


def _effective(container: Props, pod: Props, key: str) -> Any:
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (pod.get("securityContext") or {}).get(key)


def _per_container(
    check: Callable[[Props, Props], str | None], log_shipper_exempt: bool = False
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    """`log_shipper_exempt`: the node log shipper runs as uid 0 to read the kubelet's root-owned log files, its
    one exception to this rule (policies/kubernetes/log_shipper.py bounds it)."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        pod = pod_spec(args.resource_type, args.props)
        if pod is None or (log_shipper_exempt and is_log_shipper(args.resource_type, args.props)):
            return
        for container in containers(pod):
            message = check(container, pod)
            if message:
                report(f"container '{name_of(container)}' {message}", None)

    return validate


def _run_as_non_root(container: Props, pod: Props) -> str | None:
    if _effective(container, pod, "runAsNonRoot") is not True:
        return "may run as root: set securityContext.runAsNonRoot: true"
    if _effective(container, pod, "runAsUser") == 0:
        return "runs as uid 0: set runAsUser to a non-zero uid"
    return None


def _not_privileged(container: Props, pod: Props) -> str | None:
    return "runs privileged: remove securityContext.privileged" if _effective(container, pod, "privileged") else None


def _no_escalation(container: Props, pod: Props) -> str | None:
    sc = container.get("securityContext") or {}
    if sc.get("allowPrivilegeEscalation") is not False:
        return "allows privilege escalation: set securityContext.allowPrivilegeEscalation: false"
    return None


def _drop_all(container: Props, pod: Props) -> str | None:
    caps = (container.get("securityContext") or {}).get("capabilities") or {}
    if "ALL" not in (caps.get("drop") or []):
        return "keeps Linux capabilities: set securityContext.capabilities.drop: [ALL]"
    if caps.get("add"):
        return f"adds capabilities {', '.join(caps['add'])}: remove capabilities.add"
    return None


def _seccomp(container: Props, pod: Props) -> str | None:
    profile = _effective(container, pod, "seccompProfile") or {}
    if profile.get("type") not in ("RuntimeDefault", "Localhost"):
        return "has no seccomp profile: set securityContext.seccompProfile.type: RuntimeDefault"
    return None


def _read_only_root(container: Props, pod: Props) -> str | None:
    if (container.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
        return "has a writable root filesystem: set readOnlyRootFilesystem: true and mount emptyDirs where it writes"
    return None


def _host_access(args: ResourceValidationArgs, report: ReportViolation) -> None:
    pod = pod_spec(args.resource_type, args.props)
    if pod is None:
        return
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            report(f"pod sets {field}: true, sharing the node's namespace", None)
    shipper = is_log_shipper(args.resource_type, args.props)
    for volume in pod.get("volumes") or []:
        # The node log shipper's own two host paths are its exception (log_shipper.py); any other is reported.
        if "hostPath" in volume and not (shipper and allowed_host_path(args.props, volume)):
            report(f"volume '{volume.get('name')}' mounts a hostPath from the node", None)


def _policy(name: str, description: str, severity: Severity, validate: Any) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(name=name, description=description, severity=severity, validate=validate)


run_as_non_root = _policy(
    "pod-run-as-non-root",
    "Containers run as a non-root user (the node log shipper excepted: it reads root's log files).",
    Severity.HIGH,
    _per_container(_run_as_non_root, log_shipper_exempt=True),
)
no_privileged = _policy(
    "pod-no-privileged", "No container runs privileged.", Severity.CRITICAL, _per_container(_not_privileged)
)
no_privilege_escalation = _policy(
    "pod-no-privilege-escalation",
    "Containers cannot gain more privileges than they start with.",
    Severity.HIGH,
    _per_container(_no_escalation),
)
drop_all_capabilities = _policy(
    "pod-drop-all-capabilities", "Containers drop all Linux capabilities.", Severity.MEDIUM, _per_container(_drop_all)
)
seccomp_runtime_default = _policy(
    "pod-seccomp-runtime-default",
    "Containers run under the runtime's default seccomp profile.",
    Severity.MEDIUM,
    _per_container(_seccomp),
)
read_only_root_filesystem = _policy(
    "pod-read-only-root-filesystem",
    "Containers have a read-only root filesystem.",
    Severity.MEDIUM,
    _per_container(_read_only_root),
)
no_host_access = _policy(
    "pod-no-host-access",
    "Pods share no node namespace and mount no hostPath (the node log shipper: its logs read-only and its state).",
    Severity.CRITICAL,
    _host_access,
)

POLICIES = [
    run_as_non_root,
    no_privileged,
    no_privilege_escalation,
    drop_all_capabilities,
    seccomp_runtime_default,
    read_only_root_filesystem,
    no_host_access,
]
