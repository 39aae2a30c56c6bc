"""Problems found in agent files. Every problem names the file, the line and the field, so a platform
engineer can jump straight to it; a fleet with any problem is rejected whole."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str  # dotted path inside the file, e.g. "scaling.maxReplicas" or "plugins[2]"; "" for the file
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class FleetError(Exception):
    """The fleet is invalid. Carries every problem found, not just the first, each once: a problem in the
    defaults file (a stale lockfile, a limit under the floor) is found once per agent that inherits it, and a
    fleet of 1,000 agents must not print it 1,000 times."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def field_path(loc: tuple[str | int, ...]) -> str:
    """("scaling", "maxReplicas") -> "scaling.maxReplicas"; ("plugins", 2) -> "plugins[2]"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
