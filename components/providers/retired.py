"""Providers no program creates any more, kept importable because stack states name them.

dill pickles a dynamic provider into the state by reference (its module path and class name), and the engine
unpickles that reference to read or delete the resource. So a retired provider stays here, and a provider
that moved keeps its old path: components/registry.py, components/image_scan.py and
components/supabase_schema.py re-export the classes states written before 2026-12 name there."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import ResourceProvider


class _RegistrationProvider(ResourceProvider):
    """Retired: the per-agent `AgentRegistration` resources of stacks deployed before components/registry.py.
    Their state names this class (dill pickles it by reference), so it stays importable; the registry rows
    now belong to RegisteredAgents and RegistryMembers, so deleting an old registration leaves its row."""

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        return None
