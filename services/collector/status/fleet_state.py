"""The collector's picture of the fleet's workloads: every agent Deployment and Pod, by agent. Kept current
by the watch events; answers "what is agent X's health now" for the agents an event touched."""

from __future__ import annotations

from typing import Any

from launchpad import naming
from services.collector.status.health import Health, derive

Obj = dict[str, Any]
AgentKey = tuple[str, str]  # (namespace, agent name)


def agent_key(obj: Obj) -> AgentKey | None:
    meta = obj.get("metadata") or {}
    agent = (meta.get("labels") or {}).get(naming.AGENT_LABEL)
    return (str(meta.get("namespace", "")), str(agent)) if agent else None


class FleetState:
    def __init__(self) -> None:
        self.deployments: dict[AgentKey, Obj] = {}
        self.pods: dict[AgentKey, dict[str, Obj]] = {}
        self._pod_agent: dict[tuple[str, str], AgentKey] = {}  # (namespace, pod) -> its agent

    def apply(self, kind: str, event_type: str, obj: Obj) -> set[AgentKey]:
        """Apply one watch event; the agents whose health it may change."""
        key = agent_key(obj)
        meta = obj.get("metadata") or {}
        if kind == "deployments":
            if key is None:
                return set()
            if event_type == "DELETED":
                self.deployments.pop(key, None)
            else:
                self.deployments[key] = obj
            return {key}
        pod_id = (str(meta.get("namespace", "")), str(meta.get("name", "")))
        touched = set()
        previous = self._pod_agent.pop(pod_id, None)
        if previous is not None:  # a relabelled pod leaves its old agent
            self.pods.get(previous, {}).pop(pod_id[1], None)
            touched.add(previous)
        if key is not None and event_type != "DELETED":
            self.pods.setdefault(key, {})[pod_id[1]] = obj
            self._pod_agent[pod_id] = key
            touched.add(key)
        return touched

    def replace(self, kind: str, items: list[Obj]) -> set[AgentKey]:
        """Replace every object of `kind` with a fresh listing; the agents whose objects may have changed."""
        before = set(self.deployments) if kind == "deployments" else set(self.pods)
        if kind == "deployments":
            self.deployments = {}
        else:
            self.pods, self._pod_agent = {}, {}
        touched = set(before)
        for obj in items:
            touched |= self.apply(kind, "ADDED", obj)
        return touched

    def agent_of_pod(self, namespace: str, pod: str) -> AgentKey | None:
        return self._pod_agent.get((namespace, pod))

    def health(self, key: AgentKey) -> Health:
        return derive(self.deployments.get(key), list(self.pods.get(key, {}).values()))

    def agents(self) -> set[AgentKey]:
        return set(self.deployments) | {k for k, pods in self.pods.items() if pods}
