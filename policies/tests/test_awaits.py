from policies.kubernetes import awaits
from policies.tests.harness import DEPLOYMENT, PROD_CONFIG, evaluate, example_manifests, violations

SERVICE = "kubernetes:core/v1:Service"
MESSAGE = (
    'pulumi.com/skipAwait is "true": `pulumi up` will not wait for this object to become ready and reports success '
    "even if it never runs; only for a cluster without a kubelet (the local stack): remove agent-launchpad:skipAwait "
    "from this stack's config"
)


def _skipping(kind: str) -> dict:
    manifest = example_manifests()[kind]
    manifest["metadata"].setdefault("annotations", {})[awaits.SKIP_AWAIT] = "true"
    return manifest


def test_objects_that_keep_their_waits_pass() -> None:
    for kind, manifest in example_manifests().items():
        assert violations(awaits.readiness_waits, f"kubernetes:x/v1:{kind}", manifest) == [], kind


def test_a_skipped_wait_is_refused_on_any_kubernetes_object() -> None:
    assert violations(awaits.readiness_waits, DEPLOYMENT, _skipping("Deployment")) == [MESSAGE]
    assert violations(awaits.readiness_waits, SERVICE, _skipping("Service")) == [MESSAGE]


def test_false_and_other_providers_are_left_alone() -> None:
    manifest = _skipping("Deployment")
    assert violations(awaits.readiness_waits, "pulumi-python:dynamic:Resource", manifest) == []
    manifest["metadata"]["annotations"][awaits.SKIP_AWAIT] = "false"
    assert violations(awaits.readiness_waits, DEPLOYMENT, manifest) == []


def test_prod_blocks_it() -> None:
    found = evaluate([(DEPLOYMENT, "agent", _skipping("Deployment"))], PROD_CONFIG)
    assert ("kubernetes-readiness-waits", "agent", MESSAGE) in found
    assert PROD_CONFIG["all"] == {"enforcementLevel": "mandatory"}
    assert "kubernetes-readiness-waits" not in PROD_CONFIG  # nothing weakens it there
