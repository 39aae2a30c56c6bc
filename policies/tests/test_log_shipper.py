"""The node log shipper (launchpad/logs/daemonset.py) under the whole pack: its real objects pass every rule the
other control-plane workloads pass, but for the two it cannot meet, which are excepted explicitly and bounded
(policies/kubernetes/log_shipper.py): its hostPaths (a privileged namespace, alone there) and uid 0. Anything
beyond the exception, or a look-alike elsewhere, is reported; an image nothing scanned is reported as such."""

from __future__ import annotations

import copy
from typing import Any

from launchpad.logs.daemonset import PODS_DIR, shipper_manifests
from policies import stack
from policies.kubernetes import log_shipper, pod_security
from policies.tests.harness import DEV_CONFIG, PROD_CONFIG, evaluate, example_manifests, stack_violations, urn

DAEMON_SET = "kubernetes:apps/v1:DaemonSet"
KINDS = {"Namespace": "kubernetes:core/v1:Namespace", "ServiceAccount": "kubernetes:core/v1:ServiceAccount",
         "ConfigMap": "kubernetes:core/v1:ConfigMap", "DaemonSet": DAEMON_SET,
         "NetworkPolicy": "kubernetes:networking.k8s.io/v1:NetworkPolicy"}  # fmt: skip
IMAGE = "registry.launchpad.internal:5000/otel/opentelemetry-collector-contrib@sha256:" + "1" * 64


def shipper(image: str = IMAGE) -> list[tuple[str, str, dict[str, Any]]]:
    objs = shipper_manifests(image=image, collector_namespace="launchpad-system",
                             token_secret=("collector-token", "token"))  # fmt: skip
    return [(KINDS[m["kind"]], f"shipper-{m['kind'].lower()}", m) for m in objs]


def daemonset(resources: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    (found,) = [props for typ, _, props in resources if typ == DAEMON_SET]
    return found


def test_the_real_shipper_passes_every_rule_but_the_unscanned_image() -> None:
    """Before its exception, pod-run-as-non-root and pod-no-host-access failed it (mandatory in prod), and no
    stack rule looked at it at all (its namespace, a NetworkPolicy, its image's scan)."""
    for config in (PROD_CONFIG, DEV_CONFIG):
        assert evaluate(shipper(), config) == {
            ("agent-image-scanned", "shipper-daemonset",
             "the node log shipper runs an image that was not vulnerability-scanned (stack setting scan: false)"),
        }  # fmt: skip


def test_the_exception_is_bounded() -> None:
    def found(change: Any) -> set[str]:
        resources = copy.deepcopy(shipper())
        change(daemonset(resources))
        return {f"{p}: {m}" for p, _, m in evaluate(resources, PROD_CONFIG) if p != "agent-image-scanned"}

    def pod(ds: dict[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = ds["spec"]["template"]["spec"]
        return spec

    def writable_logs(ds: dict[str, Any]) -> None:
        pod(ds)["containers"][0]["volumeMounts"][0]["readOnly"] = False

    def another_host_path(ds: dict[str, Any]) -> None:
        pod(ds)["volumes"].append({"name": "etc", "hostPath": {"path": "/etc"}})

    def host_network(ds: dict[str, Any]) -> None:
        pod(ds)["hostNetwork"] = True

    def privileged(ds: dict[str, Any]) -> None:
        pod(ds)["containers"][0]["securityContext"]["privileged"] = True

    def tag_only(ds: dict[str, Any]) -> None:
        pod(ds)["containers"][0]["image"] = "registry.launchpad.internal:5000/otel/collector:0.165.0"

    def no_limits(ds: dict[str, Any]) -> None:
        del pod(ds)["containers"][0]["resources"]["limits"]

    assert found(writable_logs) == {
        "pod-no-host-access: volume 'pods' mounts a hostPath from the node",
        f"log-shipper-confined: volume 'pods' mounts hostPath {PODS_DIR}: the log shipper may mount only "
        f"{PODS_DIR} (read-only) and /var/lib/launchpad-log-shipper",
    }
    assert "pod-no-host-access: volume 'etc' mounts a hostPath from the node" in found(another_host_path)
    assert found(host_network) == {"pod-no-host-access: pod sets hostNetwork: true, sharing the node's namespace"}
    assert found(privileged) == {"pod-no-privileged: container 'shipper' runs privileged: remove "
                                 "securityContext.privileged"}  # fmt: skip
    tagged = found(tag_only)
    assert any(m.startswith("log-shipper-confined: container 'shipper' image") for m in tagged), tagged
    assert {m for m in found(no_limits) if m.startswith("container-requests-and-limits")}


def test_a_look_alike_elsewhere_gets_no_exception() -> None:
    resources = shipper()
    ds = copy.deepcopy(daemonset(resources))
    ds["metadata"]["namespace"] = "tenant-acme"
    assert not log_shipper.is_log_shipper(DAEMON_SET, ds)
    messages = [m for p in pod_security.POLICIES for m in _violations(p, ds)]
    assert "container 'shipper' may run as root: set securityContext.runAsNonRoot: true" in messages
    assert "volume 'pods' mounts a hostPath from the node" in messages


def _violations(policy: Any, props: dict[str, Any]) -> list[str]:
    from policies.tests.harness import violations

    return violations(policy, DAEMON_SET, props)


def test_its_namespace_is_privileged_explicitly_and_its_own() -> None:
    resources = shipper()
    assert stack_violations(stack.namespace_isolation, resources) == []
    # a namespace at the restricted level cannot run it; one left unset says nothing: both reported
    for level in ("restricted", None):
        changed = copy.deepcopy(resources)
        labels = changed[0][2]["metadata"]["labels"]
        labels.pop("pod-security.kubernetes.io/enforce")
        if level:
            labels["pod-security.kubernetes.io/enforce"] = level
        assert stack_violations(stack.namespace_isolation, changed) == [(
            urn(DAEMON_SET, "shipper-daemonset"),
            "the node log shipper: namespace launchpad-logs must be this stack's and enforce "
            "pod-security.kubernetes.io/enforce: privileged (its hostPath is refused by baseline and restricted), "
            f"not {level or 'unset'}",
        )]  # fmt: skip
    # no NetworkPolicy: reported as for any workload
    without = [r for r in resources if r[0] != stack.NETWORK_POLICY]
    assert stack_violations(stack.namespace_isolation, without) == [
        (urn(DAEMON_SET, "shipper-daemonset"), "the node log shipper: no NetworkPolicy in namespace launchpad-logs "
         "selects its pods")]  # fmt: skip
    # another workload in its privileged namespace
    intruder = copy.deepcopy(example_manifests("omni-agent")["Deployment"])
    intruder["metadata"]["namespace"] = "launchpad-logs"
    found = stack_violations(stack.namespace_isolation, [*resources, ("kubernetes:apps/v1:Deployment", "x", intruder)])
    assert (urn("kubernetes:apps/v1:Deployment", "x"), "Deployment omni-agent runs in namespace launchpad-logs, whose "
            "privileged Pod Security level is the node log shipper's alone") in found  # fmt: skip
