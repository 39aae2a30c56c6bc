"""Where each value of a merged agent came from: the agent file or the fleet defaults file."""

from __future__ import annotations

from dataclasses import dataclass, field

from launchpad.source.yaml_source import Loc, SourceDoc


@dataclass
class Provenance:
    agent: SourceDoc
    origins: dict[Loc, tuple[str, int]] = field(default_factory=dict)

    def where(self, loc: Loc) -> tuple[str, int]:
        """(file, line) of the deepest known prefix of `loc`; missing fields point at the agent file."""
        for end in range(len(loc), 0, -1):
            origin = self.origins.get(loc[:end])
            if origin is not None:
                return origin
        return self.agent.path, self.agent.line_of(loc)


def _origins_of(doc: SourceDoc, prefix: Loc) -> dict[Loc, tuple[str, int]]:
    return {loc: (doc.path, line) for loc, line in doc.lines.items() if loc[: len(prefix)] == prefix and loc}


# Sections of the defaults file merged key by key; `image` is replaced whole, because `ref` and `build` are
# alternatives and merging them would produce both; `tier` is a single value. (`tenants` is not an agent's.)
DEEP_MERGED = ("resources", "scaling", "labels")
REPLACED = ("image", "tier")


def _deep_merge(base: object, over: object) -> object:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _deep_merge(base.get(key), value) if key in base else value
        return merged
    return over


def merge_defaults(agent: SourceDoc, defaults: SourceDoc | None) -> tuple[dict[str, object], Provenance]:
    """The agent's data with the defaults merged under it, and where every value came from."""
    data: dict[str, object] = dict(agent.data)
    provenance = Provenance(agent)
    if defaults is not None:
        for key in (*DEEP_MERGED, *REPLACED):
            if key not in defaults.data:
                continue
            if key in REPLACED and key in agent.data:
                continue
            provenance.origins.update(_origins_of(defaults, (key,)))
            data[key] = _deep_merge(defaults.data[key], agent.data[key]) if key in agent.data else defaults.data[key]
    provenance.origins.update(_origins_of(agent, ()))
    return data, provenance
