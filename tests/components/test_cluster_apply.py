"""The stack transform of components/cluster_apply.py: every Kubernetes object gets patchForce in every stack
that applies to a cluster, the kinds whose readiness waits need running Pods get skipAwait with the `skipAwait` setting,
existing annotations are kept, nothing else changes. The effect on a real API server (a `kubectl scale`
undone by the next up, no 10-minute waits) is shown by tests/e2e/test_kube_local_stack.py."""

from __future__ import annotations

import pulumi

from components.cluster_apply import DEPLOYMENT, PATCH_FORCE, SKIP_AWAIT, WAITS_FOR_PODS, annotator
from launchpad.settings import parse_settings

SERVICE = "kubernetes:core/v1:Service"


def _annotations(type_: str, skip_await: bool, props: dict | None = None) -> dict | None:
    props = props if props is not None else {"metadata": {"name": "a"}}
    result = annotator(skip_await)(pulumi.ResourceTransformArgs(True, type_, "r", props, pulumi.ResourceOptions()))
    return None if result is None else result.props["metadata"].get("annotations")


def test_kubernetes_objects_are_forced_in_every_stack() -> None:
    for type_ in (DEPLOYMENT, SERVICE, "kubernetes:core/v1:Namespace", "kubernetes:monitoring.coreos.com/v1:Probe"):
        assert _annotations(type_, skip_await=False) == {PATCH_FORCE: "true"}


def test_components_providers_and_other_packages_are_left_alone() -> None:
    for type_ in ("agent-launchpad:index:ElizaAgent", "pulumi:providers:kubernetes",
                  "pulumi-python:dynamic:Resource"):  # fmt: skip
        assert _annotations(type_, skip_await=True) is None
    component = pulumi.ResourceTransformArgs(False, "kubernetes:helm.sh/v4:Chart", "c", {}, pulumi.ResourceOptions())
    assert annotator(True)(component) is None


def test_skip_await_marks_deployments_and_services_beside_their_own_annotations() -> None:
    props = {"metadata": {"name": "a", "annotations": {"launchpad.dev/scan": "false"}}, "spec": {"replicas": 1}}
    assert _annotations(DEPLOYMENT, True, props) == {
        "launchpad.dev/scan": "false", PATCH_FORCE: "true", SKIP_AWAIT: "true"
    }  # fmt: skip
    assert _annotations(SERVICE, True, props) == {
        "launchpad.dev/scan": "false", PATCH_FORCE: "true", SKIP_AWAIT: "true"
    }  # fmt: skip
    assert props["metadata"]["annotations"] == {"launchpad.dev/scan": "false"}  # the input is not mutated


def test_other_kinds_keep_their_waits() -> None:
    kept = ("kubernetes:core/v1:Namespace", "kubernetes:core/v1:ConfigMap",
            "kubernetes:monitoring.coreos.com/v1:PrometheusRule")  # fmt: skip
    for type_ in kept:
        assert type_ not in WAITS_FOR_PODS
        assert _annotations(type_, skip_await=True) == {PATCH_FORCE: "true"}


def test_skip_await_is_off_unless_a_stack_turns_it_on() -> None:
    assert parse_settings({}, "prod").skipAwait is False
    assert parse_settings({"skipAwait": "true"}, "local").skipAwait is True
