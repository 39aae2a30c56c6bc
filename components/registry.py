"""Old path of the registry's providers: stack states written before 2026-12 name these classes here
(components/providers/retired.py says why). The resources live in components/providers/registry.py."""

from components.providers.registry import _RegisteredAgentsProvider as _RegisteredAgentsProvider
from components.providers.registry import _RegistryMembersProvider as _RegistryMembersProvider
