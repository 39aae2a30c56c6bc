from policies.kubernetes import autoscalers
from policies.tests.harness import DEPLOYMENT, deployment, violations

HPA = autoscalers.HPA


def test_bounds() -> None:
    assert violations(autoscalers.replica_bounds, HPA, {"spec": {"minReplicas": 2, "maxReplicas": 4}}) == []
    assert violations(autoscalers.replica_bounds, HPA, {"spec": {"minReplicas": 5, "maxReplicas": 4}}) == [
        "minReplicas (5) is above maxReplicas (4)"
    ]


def test_single_identity_hpa_above_one() -> None:
    props = {
        "metadata": {"annotations": {"launchpad.dev/single-identity": "true"}},
        "spec": {"minReplicas": 1, "maxReplicas": 3},
    }
    assert violations(autoscalers.single_identity_one_replica, HPA, props) == [
        "single-identity chat agent scales to 3 replicas; a second replica is a second bot session (double "
        "replies, 409 Conflict): keep maxReplicas at 1"
    ]


def test_single_identity_deployment() -> None:
    props = deployment()  # crypto-trading-bot: discord, single identity, 1 replica
    assert violations(autoscalers.single_identity_one_replica, DEPLOYMENT, props) == []
    props["spec"]["replicas"] = 2
    assert violations(autoscalers.single_identity_one_replica, DEPLOYMENT, props) == [
        "single-identity chat agent runs 2 replicas; a second replica is a second bot session (double replies, "
        "409 Conflict): keep replicas at 1"
    ]


def test_scalable_agents_may_scale() -> None:
    props = {"metadata": {"annotations": {"launchpad.dev/single-identity": "false"}}, "spec": {"maxReplicas": 9}}
    assert violations(autoscalers.single_identity_one_replica, HPA, props) == []
