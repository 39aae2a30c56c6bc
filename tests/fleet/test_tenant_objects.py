"""The manifests tenants get (ResourceQuota, LimitRange per agent namespace; a PriorityClass per tier) from
the example fleet's defaults, and where `render` writes them."""

from __future__ import annotations

from pathlib import Path

import yaml

from launchpad.fleet import load_fleet
from launchpad.fleet.tiers import CLASSES, TIERS
from launchpad.workloads.render import render_fleet
from launchpad.workloads.tenant_objects import namespace_objects, priority_classes

ROOT = Path(__file__).resolve().parents[2]


def _by_kind(manifests: list[dict]) -> dict[str, dict]:
    return {m["kind"]: m for m in manifests}


def test_every_example_namespace_gets_a_quota_and_a_limit_range() -> None:
    objects = namespace_objects(load_fleet([ROOT / "agents"]))
    assert set(objects) == {"tenant-trading", "tenant-support", "agent-omni-agent"}
    support = _by_kind(objects["tenant-support"])
    assert support["ResourceQuota"]["metadata"] == {
        "name": "launchpad-tenant",
        "namespace": "tenant-support",
        "labels": {
            "launchpad.dev/tenant": "support",
            "app.kubernetes.io/part-of": "agent-launchpad",
            "app.kubernetes.io/managed-by": "pulumi",
        },
    }
    # The support override (requests, limits.memory and limits.ephemeral-storage, pods) merged over the defaults.
    assert support["ResourceQuota"]["spec"] == {
        "hard": {
            "limits.cpu": "24",
            "limits.ephemeral-storage": "160Gi",
            "limits.memory": "64Gi",
            "pods": "60",
            "requests.cpu": "16",
            "requests.ephemeral-storage": "16Gi",
            "requests.memory": "40Gi",
        }
    }
    assert support["LimitRange"]["spec"] == {
        "limits": [
            {
                "type": "Container",
                "min": {"cpu": "100m", "ephemeral-storage": "72Mi", "memory": "256Mi"},
                "default": {"cpu": "1", "ephemeral-storage": "2560Mi", "memory": "1Gi"},
                "defaultRequest": {"cpu": "250m", "ephemeral-storage": "256Mi", "memory": "512Mi"},
                "max": {"cpu": "4", "ephemeral-storage": "4Gi", "memory": "8Gi"},
            }
        ]
    }
    own = _by_kind(objects["agent-omni-agent"])
    assert own["ResourceQuota"]["metadata"]["labels"]["launchpad.dev/tenant"] == "default"
    assert own["ResourceQuota"]["spec"]["hard"]["pods"] == "30"  # the defaults


def test_one_priority_class_per_tier_highest_first() -> None:
    classes = priority_classes()
    assert [c["metadata"]["name"] for c in classes] == [f"launchpad-{t}" for t in TIERS]
    values = [c["value"] for c in classes]
    assert values == sorted(values, reverse=True) and values[-1] > 0 and values[0] <= 1_000_000_000
    assert {c["metadata"]["name"]: c["preemptionPolicy"] for c in classes} == {
        "launchpad-critical": "PreemptLowerPriority",
        "launchpad-standard": "PreemptLowerPriority",
        "launchpad-low": "Never",
    }
    assert not any(c["globalDefault"] for c in classes)  # pods outside the fleet keep the cluster's default
    assert len(CLASSES) == len(classes)


def test_render_writes_them_beside_their_namespaces(tmp_path: Path) -> None:
    render_fleet(load_fleet([ROOT / "agents"]), tmp_path)

    def kinds(path: str) -> list[str]:
        return [m["kind"] for m in yaml.safe_load_all((tmp_path / path).read_text())]

    assert kinds("cluster/priority-classes.yaml") == ["PriorityClass"] * 3
    assert kinds("namespaces/tenant-trading.yaml") == ["Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange"]
    omni = kinds("agents/omni-agent.yaml")
    assert omni[:2] == ["Namespace", "NetworkPolicy"] and omni[-2:] == ["ResourceQuota", "LimitRange"]
    deployment = next(m for m in yaml.safe_load_all((tmp_path / "agents/omni-agent.yaml").read_text())
                      if m["kind"] == "Deployment")  # fmt: skip
    assert deployment["spec"]["template"]["spec"]["priorityClassName"] == "launchpad-standard"
