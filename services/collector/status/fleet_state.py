"""The collector's picture of the fleet's workloads: every agent Deployment and Pod, by agent, and every pack's
(several agents in one elizaOS server, launchpad/fleet/packing.py). Kept current by the watch events; answers
"what is agent X's health now" for the agents an event touched.

A pack's Deployment and pod carry `launchpad.dev/pack`, never an agent (a pod is several agents); its Deployment
names its agents (MEMBERS_ANNOTATION) and their characters (CHARACTERS_ANNOTATION). A packed agent's health is
its pack's: one process serves all of them, so the pack's pod running, pending or crash-looping is each member
running, pending or crash-looping, and the reason says which pack. An agent that has a Deployment of its own is
read from it, pack or not (a move out of a pack is released before the new Deployment starts, so both never
run; while they are both listed, the agent's own is the newer truth)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from launchpad import naming
from launchpad.workloads.pack_objects import CHARACTERS_ANNOTATION, MEMBERS_ANNOTATION
from services.collector.status.health import Health, derive

Obj = dict[str, Any]
AgentKey = tuple[str, str]  # (namespace, agent name)
PackKey = tuple[str, str]  # (namespace, pack name)


@dataclass(frozen=True)
class Character:
    name: str  # the character's name: elizaOS logs a runtime's lines under it
    id: str | None  # the character's own `id`, if its file sets one


@dataclass(frozen=True)
class PackInfo:
    """What the log ingest needs of a pack, replaced whole on every change (read from other threads)."""

    namespace: str
    name: str
    members: tuple[str, ...]  # agent names
    characters: dict[str, Character] = field(default_factory=dict)  # agent -> its character
    deployment: Obj = field(default_factory=dict)


def agent_key(obj: Obj) -> AgentKey | None:
    meta = obj.get("metadata") or {}
    agent = (meta.get("labels") or {}).get(naming.AGENT_LABEL)
    return (str(meta.get("namespace", "")), str(agent)) if agent else None


def pack_key(obj: Obj) -> PackKey | None:
    """A pack's own object (not a packed agent's, which carries its agent label too)."""
    meta = obj.get("metadata") or {}
    labels = meta.get("labels") or {}
    pack = labels.get(naming.PACK_LABEL)
    if not pack or labels.get(naming.AGENT_LABEL):
        return None
    return str(meta.get("namespace", "")), str(pack)


def _characters(annotations: dict[str, Any]) -> dict[str, Character]:
    try:
        found = json.loads(annotations.get(CHARACTERS_ANNOTATION) or "{}")
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    out = {}
    for agent, character in found.items():
        if isinstance(character, dict) and character.get("name"):
            ident = character.get("id")
            out[str(agent)] = Character(str(character["name"]), str(ident) if ident else None)
    return out


def pack_info(deployment: Obj) -> PackInfo:
    meta = deployment.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    members = tuple(a for a in str(annotations.get(MEMBERS_ANNOTATION, "")).split(",") if a)
    namespace, name = str(meta.get("namespace", "")), str((meta.get("labels") or {}).get(naming.PACK_LABEL, ""))
    return PackInfo(namespace, name, members, _characters(annotations), deployment)


class FleetState:
    def __init__(self) -> None:
        self.deployments: dict[AgentKey, Obj] = {}
        self.pods: dict[AgentKey, dict[str, Obj]] = {}
        self.packs: dict[PackKey, PackInfo] = {}  # from each pack's Deployment
        self.pack_pods: dict[PackKey, dict[str, Obj]] = {}
        self._pack_of: dict[AgentKey, PackKey] = {}  # packed agent -> its pack
        # (namespace, pod) -> the agent ("agent", key) or the pack ("pack", key) it runs
        self._pod_owner: dict[tuple[str, str], tuple[str, tuple[str, str]]] = {}

    # -- events ----------------------------------------------------------------------------------------

    def _members(self, key: PackKey) -> set[AgentKey]:
        info = self.packs.get(key)
        return {(key[0], agent) for agent in info.members} if info else set()

    def _set_pack(self, key: PackKey, deployment: Obj | None) -> set[AgentKey]:
        before = self._members(key)
        if deployment is None:
            self.packs.pop(key, None)
        else:
            self.packs[key] = pack_info(deployment)
        after = self._members(key)
        for agent in before - after:
            if self._pack_of.get(agent) == key:
                del self._pack_of[agent]
        for agent in after:
            self._pack_of[agent] = key
        return before | after

    def apply(self, kind: str, event_type: str, obj: Obj) -> set[AgentKey]:
        """Apply one watch event (kind: deployments, pods, or pack-deployments, pack-pods: the packs' watches);
        the agents whose health it may change."""
        key, pack = agent_key(obj), pack_key(obj)
        meta = obj.get("metadata") or {}
        if kind.removeprefix("pack-") == "deployments":
            if key is not None:
                if event_type == "DELETED":
                    self.deployments.pop(key, None)
                else:
                    self.deployments[key] = obj
                return {key}
            if pack is not None:
                return self._set_pack(pack, None if event_type == "DELETED" else obj)
            return set()
        pod_id = (str(meta.get("namespace", "")), str(meta.get("name", "")))
        touched: set[AgentKey] = set()
        previous = self._pod_owner.pop(pod_id, None)
        if previous is not None:  # a relabelled pod leaves its old agent or pack
            what, owner = previous
            if what == "agent":
                self.pods.get(owner, {}).pop(pod_id[1], None)
                touched.add(owner)
            else:
                self.pack_pods.get(owner, {}).pop(pod_id[1], None)
                touched |= self._members(owner)
        if event_type != "DELETED":
            if key is not None:
                self.pods.setdefault(key, {})[pod_id[1]] = obj
                self._pod_owner[pod_id] = ("agent", key)
                touched.add(key)
            elif pack is not None:
                self.pack_pods.setdefault(pack, {})[pod_id[1]] = obj
                self._pod_owner[pod_id] = ("pack", pack)
                touched |= self._members(pack)
        return touched

    def replace(self, kind: str, items: list[Obj]) -> set[AgentKey]:
        """Replace every object of `kind` (one watch's) with a fresh listing; the agents whose objects may have
        changed."""
        if kind == "deployments":
            before = set(self.deployments)
            self.deployments = {}
        elif kind == "pack-deployments":
            before = set(self._pack_of)
            self.packs, self._pack_of = {}, {}
        elif kind == "pods":
            before = set(self.pods)
            self.pods = {}
            self._pod_owner = {k: v for k, v in self._pod_owner.items() if v[0] != "agent"}
        else:
            before = {a for p in self.pack_pods for a in self._members(p)}
            self.pack_pods = {}
            self._pod_owner = {k: v for k, v in self._pod_owner.items() if v[0] != "pack"}
        touched = set(before)
        for obj in items:
            touched |= self.apply(kind, "ADDED", obj)
        return touched

    # -- reads -----------------------------------------------------------------------------------------

    def agent_of_pod(self, namespace: str, pod: str) -> AgentKey | None:
        found = self._pod_owner.get((namespace, pod))
        return found[1] if found is not None and found[0] == "agent" else None

    def pack_of_pod(self, namespace: str, pod: str) -> PackInfo | None:
        """The pack whose server a pod runs; a pod the watch has not seen yet by its name (`<pack>-<hash>-<id>`)."""
        found = self._pod_owner.get((namespace, pod))
        if found is not None:
            return self.packs.get(found[1]) if found[0] == "pack" else None
        parts = pod.rsplit("-", 2)
        return self.packs.get((namespace, parts[0])) if len(parts) == 3 else None

    def pack_of(self, key: AgentKey) -> PackInfo | None:
        pack = self._pack_of.get(key)
        return self.packs.get(pack) if pack is not None else None

    def deployment_of(self, namespace: str, agent: str) -> Obj | None:
        """The Deployment that runs the agent: its own, or its pack's."""
        own = self.deployments.get((namespace, agent))
        if own is not None:
            return own
        info = self.pack_of((namespace, agent))
        return info.deployment if info is not None else None

    def health(self, key: AgentKey) -> Health:
        own_pods = self.pods.get(key, {})
        pack = self._pack_of.get(key)
        if key in self.deployments or own_pods or pack is None or pack not in self.packs:
            return derive(self.deployments.get(key), list(own_pods.values()))
        found = derive(self.packs[pack].deployment, list(self.pack_pods.get(pack, {}).values()))
        return Health(found.health, found.replicas_desired, found.replicas_ready, found.restarts,
                      f"pack {pack[1]}: {found.reason}")  # fmt: skip

    def agents(self) -> set[AgentKey]:
        return set(self.deployments) | {k for k, pods in self.pods.items() if pods} | set(self._pack_of)
