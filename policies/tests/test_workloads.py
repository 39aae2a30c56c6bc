from policies.kubernetes import workloads as w


def test_pod_specs_of_every_workload_kind() -> None:
    pod = {"containers": [{"name": "c"}]}
    template = {"spec": {"template": {"spec": pod}}}
    for kind in (w.DEPLOYMENT, w.STATEFUL_SET, w.DAEMON_SET, w.JOB):
        assert w.pod_spec(kind, template) == pod, kind
    assert w.pod_spec(w.CRON_JOB, {"spec": {"jobTemplate": template}}) == pod
    assert w.pod_spec(w.POD, {"spec": pod}) == pod
    assert w.pod_spec("kubernetes:core/v1:Service", template) is None


def test_incomplete_workloads_yield_an_empty_pod() -> None:
    # Previews may see a Deployment whose template is still unknown: check nothing rather than crash.
    assert w.pod_spec(w.DEPLOYMENT, {}) == {}
    assert list(w.containers({})) == []


def test_init_containers_come_first() -> None:
    pod = {"initContainers": [{"name": "init"}], "containers": [{"name": "main"}]}
    assert [w.name_of(c) for c in w.containers(pod)] == ["init", "main"]
    assert w.name_of({}) == "<unnamed>"


def test_agent_name_and_annotations() -> None:
    props = {"metadata": {"labels": {w.AGENT_LABEL: "a"}, "annotations": {w.SCAN_ANNOTATION: "false"}}}
    assert w.agent_name(props) == "a"
    assert w.annotations_of(props) == {"launchpad.dev/scan": "false"}
    assert w.agent_name({}) is None
