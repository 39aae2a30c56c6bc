"""What the fleet shares out per tenant: each agent namespace's ResourceQuota and LimitRange (from the
`tenants:` section of the defaults file, launchpad.fleet.tenants), and the PriorityClass of each agent tier
(cluster-scoped: the same few for the whole fleet, launchpad.fleet.tiers). Pure manifests."""

from __future__ import annotations

from launchpad import naming
from launchpad.contracts import Manifest
from launchpad.fleet.resolved import Fleet
from launchpad.fleet.tenants import NamespaceLimits
from launchpad.fleet.tiers import CLASSES, priority_class_name

POLICY_NAME = "launchpad-tenant"  # the ResourceQuota and the LimitRange of an agent namespace


def _meta(namespace: str, limits: NamespaceLimits) -> Manifest:
    return {
        "name": POLICY_NAME,
        "namespace": namespace,
        "labels": {
            naming.TENANT_LABEL: naming.tenant_value(limits.tenant),
            "app.kubernetes.io/part-of": naming.PART_OF,
            "app.kubernetes.io/managed-by": "pulumi",
        },
    }


def resource_quota(namespace: str, limits: NamespaceLimits) -> Manifest | None:
    if not limits.quota:
        return None
    return {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": _meta(namespace, limits),
        "spec": {"hard": {key: value.value for key, value in sorted(limits.quota.items())}},
    }


def limit_range(namespace: str, limits: NamespaceLimits) -> Manifest | None:
    bounds = {bound: {r: v.value for r, v in sorted(values.items())} for bound, values in limits.limit_range.items()}
    bounds = {bound: values for bound, values in sorted(bounds.items()) if values}
    if not bounds:
        return None
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": _meta(namespace, limits),
        "spec": {"limits": [{"type": "Container", **bounds}]},
    }


def namespace_objects(fleet: Fleet) -> dict[str, list[Manifest]]:
    """Namespace -> its ResourceQuota and LimitRange (none without a `tenants:` section)."""
    found: dict[str, list[Manifest]] = {}
    for namespace in sorted(fleet.namespaces()):
        limits = fleet.tenant_limits.get(namespace)
        if limits is not None:
            found[namespace] = [m for m in (resource_quota(namespace, limits), limit_range(namespace, limits)) if m]
    return found


def priority_classes() -> list[Manifest]:
    """Every tier's PriorityClass, whether or not an agent uses it: a fixed set, so moving an agent between
    tiers never creates or deletes a cluster-scoped object."""
    return [
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {
                "name": priority_class_name(tier),
                "labels": {"app.kubernetes.io/part-of": naming.PART_OF, "app.kubernetes.io/managed-by": "pulumi"},
            },
            "value": tier_class.value,
            "preemptionPolicy": tier_class.preemption_policy,
            "globalDefault": False,
            "description": tier_class.description,
        }
        for tier, tier_class in CLASSES.items()
    ]
