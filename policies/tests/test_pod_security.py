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
