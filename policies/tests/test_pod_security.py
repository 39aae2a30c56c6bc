import pytest

from policies.kubernetes import pod_security as ps
from policies.tests.harness import DEPLOYMENT, container, deployment, violations

JOB = "kubernetes:batch/v1:Job"


@pytest.mark.parametrize("policy", ps.POLICIES, ids=lambda p: p.name)
def test_the_agent_deployment_passes(policy) -> None:
    assert violations(policy, DEPLOYMENT, deployment()) == []


def test_root_is_refused() -> None:
    props = deployment()
    container(props)["securityContext"]["runAsNonRoot"] = False
    props["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] = False
    assert violations(ps.run_as_non_root, DEPLOYMENT, props) == [
        "container 'eliza' may run as root: set securityContext.runAsNonRoot: true"
    ]


def test_pod_level_non_root_covers_the_container() -> None:
    props = deployment()
    del container(props)["securityContext"]["runAsNonRoot"]
    assert violations(ps.run_as_non_root, DEPLOYMENT, props) == []


def test_privileged_is_refused() -> None:
    props = deployment()
    container(props)["securityContext"]["privileged"] = True
    assert violations(ps.no_privileged, DEPLOYMENT, props) == [
        "container 'eliza' runs privileged: remove securityContext.privileged"
    ]


def test_privilege_escalation_is_refused_in_init_containers_too() -> None:
    props = deployment()
    props["spec"]["template"]["spec"]["initContainers"] = [{"name": "init", "securityContext": {}}]
    assert violations(ps.no_privilege_escalation, DEPLOYMENT, props) == [
        "container 'init' allows privilege escalation: set securityContext.allowPrivilegeEscalation: false"
    ]


def test_capabilities_must_all_be_dropped() -> None:
    props = deployment()
    container(props)["securityContext"]["capabilities"] = {"drop": ["ALL"], "add": ["NET_ADMIN"]}
    assert violations(ps.drop_all_capabilities, DEPLOYMENT, props) == [
        "container 'eliza' adds capabilities NET_ADMIN: remove capabilities.add"
    ]
    container(props)["securityContext"]["capabilities"] = {}
    assert violations(ps.drop_all_capabilities, DEPLOYMENT, props) == [
        "container 'eliza' keeps Linux capabilities: set securityContext.capabilities.drop: [ALL]"
    ]


def test_seccomp_profile_is_required() -> None:
    props = deployment()
    del container(props)["securityContext"]["seccompProfile"]
    del props["spec"]["template"]["spec"]["securityContext"]["seccompProfile"]
    assert violations(ps.seccomp_runtime_default, DEPLOYMENT, props) == [
        "container 'eliza' has no seccomp profile: set securityContext.seccompProfile.type: RuntimeDefault"
    ]


def test_writable_root_filesystem_is_refused() -> None:
    props = deployment()
    container(props)["securityContext"]["readOnlyRootFilesystem"] = False
    assert violations(ps.read_only_root_filesystem, DEPLOYMENT, props) == [
        "container 'eliza' has a writable root filesystem: set readOnlyRootFilesystem: true and mount emptyDirs "
        "where it writes"
    ]


def test_host_namespaces_and_paths_are_refused_in_jobs() -> None:
    job = {
        "spec": {
            "template": {
                "spec": {
                    "hostPID": True,
                    "containers": [],
                    "volumes": [{"name": "docker", "hostPath": {"path": "/var/run"}}],
                }
            }
        }
    }
    assert violations(ps.no_host_access, JOB, job) == [
        "pod sets hostPID: true, sharing the node's namespace",
        "volume 'docker' mounts a hostPath from the node",
    ]


def test_other_kinds_are_not_checked() -> None:
    assert violations(ps.no_privileged, "kubernetes:core/v1:Service", {"spec": {}}) == []


def _restricted_pod() -> dict:
    """The agent's pod spec: restricted, as a template other workload kinds can carry."""
    return deployment()["spec"]["template"]


@pytest.mark.parametrize("kind", ["kubernetes:apps/v1:StatefulSet", JOB], ids=["StatefulSet", "Job"])
@pytest.mark.parametrize("policy", ps.POLICIES, ids=lambda p: p.name)
def test_restricted_statefulsets_and_jobs_pass(kind: str, policy) -> None:
    assert violations(policy, kind, {"spec": {"template": _restricted_pod()}}) == []


def test_a_statefulset_running_as_root_is_refused() -> None:
    template = _restricted_pod()
    template["spec"]["containers"][0]["securityContext"]["runAsUser"] = 0
    assert violations(ps.run_as_non_root, "kubernetes:apps/v1:StatefulSet", {"spec": {"template": template}}) == [
        "container 'eliza' runs as uid 0: set runAsUser to a non-zero uid"
    ]


def test_a_container_setting_overrides_the_pod_fallback() -> None:
    # Pod says non-root, the container says otherwise: Kubernetes applies the container's value.
    template = _restricted_pod()
    template["spec"]["securityContext"]["runAsNonRoot"] = True
    template["spec"]["containers"][0]["securityContext"]["runAsNonRoot"] = False
    assert violations(ps.run_as_non_root, JOB, {"spec": {"template": template}}) == [
        "container 'eliza' may run as root: set securityContext.runAsNonRoot: true"
    ]


def test_pod_level_seccomp_covers_the_container() -> None:
    props = deployment()
    del container(props)["securityContext"]["seccompProfile"]
    props["spec"]["template"]["spec"]["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    assert violations(ps.seccomp_runtime_default, DEPLOYMENT, props) == []


def test_unconfined_seccomp_is_refused() -> None:
    props = deployment()
    container(props)["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    assert violations(ps.seccomp_runtime_default, DEPLOYMENT, props) == [
        "container 'eliza' has no seccomp profile: set securityContext.seccompProfile.type: RuntimeDefault"
    ]


def test_host_network_is_refused_in_deployments() -> None:
    props = deployment()
    props["spec"]["template"]["spec"]["hostNetwork"] = True
    assert violations(ps.no_host_access, DEPLOYMENT, props) == [
        "pod sets hostNetwork: true, sharing the node's namespace"
    ]


def test_cron_job_templates_are_checked() -> None:
    template = _restricted_pod()
    template["spec"]["containers"][0]["securityContext"]["privileged"] = True
    cron = {"spec": {"jobTemplate": {"spec": {"template": template}}}}
    assert violations(ps.no_privileged, "kubernetes:batch/v1:CronJob", cron) == [
        "container 'eliza' runs privileged: remove securityContext.privileged"
    ]
