"""Tenants share clusters fairly: every agent namespace gets a ResourceQuota and a LimitRange from the
`tenants:` section of `agents/defaults.yaml` (`defaults` for every tenant, `overrides.<tenant>` merged over
them key by key; an override for a tenant without agents is unused, so removing a tenant's last agent needs
no other change). An agent without a tenant lives in a namespace of its own and is a tenant of one: its
namespace gets the defaults, and it cannot be overridden (give it a tenant to give it more).

The fleet is checked against them before anything is deployed, because the API server would refuse the
pods one by one at run time (a ReplicaSet stuck on `exceeded quota` or `maximum memory usage per Container`):
- the quota holds every agent of the namespace at `maxReplicas`, plus one pod per agent that rolls out with
  a surge (RollingUpdate, maxSurge 1: launchpad.workloads.agent_objects), for each key the quota sets;
- every agent's container fits the LimitRange's `min`/`max`, and the LimitRange itself is one the API server
  accepts (min <= defaultRequest <= default <= max).
Each problem points at the FILE:LINE of the quota or limit in the defaults file and names the agents."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from launchpad.errors import Problem, field_path
from launchpad.fleet.models import RESOURCES, AgentSpec, ResourceAmounts, TenantsSpec
from launchpad.fleet.quantity import format_bytes, parse_quantity
from launchpad.fleet.tiers import DEFAULT_ALLOWED_TIERS, Tier
from launchpad.source.yaml_source import Loc

Where = Callable[[Loc], tuple[str, int]]  # a path in the defaults file -> (file, line)
# LimitRange bounds, in the order the API server requires them to be (ValidateLimitRange).
LIMIT_ORDER = ("min", "defaultRequest", "default", "max")


@dataclass(frozen=True)
class Sourced:
    """A value of the tenants section and where it is written."""

    value: str
    file: str
    line: int
    field: str  # dotted path in the defaults file, e.g. tenants.overrides.trading.quota.pods


@dataclass(frozen=True)
class NamespaceLimits:
    tenant: str | None  # None: an agent's own namespace
    quota: Mapping[str, Sourced]  # ResourceQuota `spec.hard` key -> value
    limit_range: Mapping[str, Mapping[str, Sourced]]  # LimitRange bound (min, max, ...) -> resource -> value


@dataclass(frozen=True)
class AgentFootprint:
    """What one agent can hold in its namespace at once, for the quota and LimitRange checks."""

    name: str
    tenant: str | None
    namespace: str
    requests: Mapping[str, str]  # cpu/memory/ephemeral-storage -> quantity text
    limits: Mapping[str, str]
    pods: int  # maxReplicas, plus one during a rolling update with surge


def footprint(spec: AgentSpec, namespace: str, single_identity: bool) -> AgentFootprint:
    """A single-identity agent rolls out with Recreate (its old pod stops first); any other with a surge of
    one pod (launchpad.workloads.agent_objects.deployment)."""
    def amounts(given: ResourceAmounts) -> dict[str, str]:
        return {resource: getattr(given, attr) or "0" for resource, attr in RESOURCES.items()}

    return AgentFootprint(
        name=spec.name,
        tenant=spec.tenant,
        namespace=namespace,
        requests=amounts(spec.resources.requests),
        limits=amounts(spec.resources.limits),
        pods=spec.scaling.max_replicas + (0 if single_identity else 1),
    )


def _flat(data: Mapping[str, Any], prefix: Loc = ()) -> dict[Loc, Any]:
    found: dict[Loc, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            found.update(_flat(value, (*prefix, key)))
        else:
            found[(*prefix, key)] = value
    return found


def resolve(spec: TenantsSpec, tenant: str | None, where: Where) -> NamespaceLimits:
    """The defaults with the tenant's overrides merged over them, each value with its FILE:LINE."""
    # path inside the section -> (where that value is in the file, value)
    sections = {"quota", "limit_range"}  # what the namespace's objects hold (allowedTiers is the agents')
    defaults = _flat(spec.defaults.model_dump(by_alias=True, exclude_none=True, include=sections))
    merged: dict[Loc, tuple[Loc, Any]] = {path: (("tenants", "defaults"), v) for path, v in defaults.items()}
    if tenant is not None and tenant in spec.overrides:
        override = _flat(spec.overrides[tenant].model_dump(by_alias=True, exclude_none=True, include=sections))
        merged.update({path: (("tenants", "overrides", tenant), v) for path, v in override.items()})
    quota: dict[str, Sourced] = {}
    limits: dict[str, dict[str, Sourced]] = {}
    for path, (origin, value) in merged.items():
        loc: Loc = (*origin, *path)
        file, line = where(loc)
        sourced = Sourced(str(value), file, line, field_path(loc))
        if path[0] == "quota":
            quota[".".join(str(p) for p in path[1:])] = sourced
        else:  # ("limitRange", bound, resource)
            limits.setdefault(str(path[1]), {})[str(path[2])] = sourced
    return NamespaceLimits(tenant, quota, limits)


def allowed_tiers(spec: TenantsSpec | None, tenant: str | None) -> tuple[tuple[Tier, ...], Loc | None]:
    """The tiers `tenant`'s agents may run at, and where the defaults file says so (None: the built-in
    default, standard and low). An agent without a tenant gets the defaults."""
    if spec is not None:
        if tenant is not None and tenant in spec.overrides and spec.overrides[tenant].allowed_tiers is not None:
            return tuple(spec.overrides[tenant].allowed_tiers or ()), ("tenants", "overrides", tenant, "allowedTiers")
        if spec.defaults.allowed_tiers is not None:
            return tuple(spec.defaults.allowed_tiers), ("tenants", "defaults", "allowedTiers")
    return DEFAULT_ALLOWED_TIERS, None


def _amount(resource: str, value: Decimal) -> str:
    if resource.endswith(("memory", "ephemeral-storage")):
        return format_bytes(value)
    if resource.endswith("cpu"):
        return f"{value * 1000:.0f}m" if value < 1 else f"{value.normalize():f}"
    return f"{value:.0f}"


def _who(limits: NamespaceLimits, namespace: str) -> str:
    return f"tenant {limits.tenant}" if limits.tenant else f"namespace {namespace} (of an agent without a tenant)"


def _agent(a: AgentFootprint) -> str:
    return f"agent {a.name} ({f'tenant {a.tenant}' if a.tenant else 'no tenant'})"


def _check_quota(namespace: str, limits: NamespaceLimits, agents: list[AgentFootprint]) -> list[Problem]:
    problems = []
    for key, limit in limits.quota.items():
        kind, _, resource = key.partition(".")
        parts: list[tuple[str, Decimal]] = []  # (agent's share as text, amount)
        for a in agents:
            if key == "pods":
                parts.append((f"{a.name} {a.pods}", Decimal(a.pods)))
            else:
                each = (a.requests if kind == "requests" else a.limits)[resource]
                parts.append((f"{a.name} {a.pods} x {each}", a.pods * parse_quantity(each)))
        need = sum((amount for _, amount in parts), Decimal(0))
        allowed = parse_quantity(limit.value)
        if need > allowed:
            shares = ", ".join(text for text, _ in sorted(parts, key=lambda p: -p[1]))
            tenant_key = f"tenants.overrides.{limits.tenant}.quota.{key}" if limits.tenant else None
            fix = "raise it" + (f" (or set {tenant_key})" if tenant_key and tenant_key != limit.field else "")
            message = (
                f"{_who(limits, namespace)} needs {_amount(key, need)} of {key} with every agent at maxReplicas, "
                f"plus one surge pod per agent that rolls out with one ({shares}), above its quota of "
                f"{limit.value}: {fix}, or lower the agents' resources or scaling.maxReplicas"
            )
            problems.append(Problem(limit.file, limit.line, limit.field, message))
    return problems


def _check_limit_range(limits: NamespaceLimits, agents: list[AgentFootprint]) -> list[Problem]:
    problems = []
    for resource in RESOURCES:
        ranges = limits.limit_range
        bounds = [(b, ranges[b][resource]) for b in LIMIT_ORDER if resource in ranges.get(b, {})]
        for (low_name, low), (_, high) in itertools.pairwise(bounds):
            if parse_quantity(low.value) > parse_quantity(high.value):
                problems.append(
                    Problem(high.file, high.line, high.field,
                            f"{high.value} is below {low_name}.{resource} ({low.value}, {low.field}); the API server "
                            f"refuses a LimitRange unless min <= defaultRequest <= default <= max")
                )  # fmt: skip
        lowest = limits.limit_range.get("min", {}).get(resource)
        highest = limits.limit_range.get("max", {}).get(resource)
        for a in agents:
            amounts = {"request": a.requests[resource], "limit": a.limits[resource]}
            if highest is not None:
                over = [f"{k} {v}" for k, v in amounts.items() if parse_quantity(v) > parse_quantity(highest.value)]
                if over:
                    problems.append(
                        Problem(highest.file, highest.line, highest.field,
                                f"{_agent(a)} asks for {' and '.join(over)} of "
                                f"{resource}, above the LimitRange maximum of {highest.value} per container: "
                                "the API server would refuse its pods; raise the maximum or lower the agent's "
                                "resources")
                    )  # fmt: skip
            if lowest is not None:
                under = [f"{k} {v}" for k, v in amounts.items() if parse_quantity(v) < parse_quantity(lowest.value)]
                if under:
                    problems.append(
                        Problem(lowest.file, lowest.line, lowest.field,
                                f"{_agent(a)} asks for {' and '.join(under)} of "
                                f"{resource}, below the LimitRange minimum of {lowest.value} per container: the "
                                "API server would refuse its pods; lower the minimum or raise the agent's resources")
                    )  # fmt: skip
    return problems


def check_tenants(all_limits: Mapping[str, NamespaceLimits], agents: Iterable[AgentFootprint]) -> list[Problem]:
    """Every namespace's agents against its quota and LimitRange. A problem of the shared defaults is
    reported once, not once per namespace."""
    by_namespace: dict[str, list[AgentFootprint]] = {}
    for a in agents:
        by_namespace.setdefault(a.namespace, []).append(a)
    found: set[Problem] = set()
    for namespace, members in sorted(by_namespace.items()):
        limits = all_limits.get(namespace)
        if limits is not None:
            found.update(_check_quota(namespace, limits, members))
            found.update(_check_limit_range(limits, members))
    return sorted(found)
