"""The one root of every problem a user must fix, and where it is.

A user's mistake (an agent file, a stack setting, a migration file, a missing tool, a request body) is a
`UserError`: a message, and where to fix it when that is known, as `Problem`s (file, line, field). The CLI
prints any of them as lines and exits 1 without a traceback (launchpad/cli.py); an HTTP API turns one into a
4xx body (each problem's field as a JSON pointer) without knowing the kinds below it. Anything that is not a
UserError is a bug and keeps its traceback.

Every error class of the core derives from it: FleetError (agent files), SettingsError (stack settings),
MigrationError (database), TrivyError/AllowlistError/ScanGateFailed (scan gate), PulumiError and StackError
(stacks), ToolchainError (runtime), ClusterError (local cluster), ServerError (dev database).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str  # a file as shown, or `api:<agent>` for an agent created through the API (no file, no line)
    line: int  # 1-based; 0 when there is no line (an API request or a row of the database)
    field: str  # dotted path inside the file, e.g. "scaling.maxReplicas" or "plugins[2]"; "" for the file
    message: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{located(self.file, self.line)}: {where}{self.message}"

    @property
    def pointer(self) -> str:
        """The field as a JSON pointer (RFC 6901): "scaling.maxReplicas" -> "/scaling/maxReplicas",
        "plugins[2]" -> "/plugins/2"; "" for the whole document."""
        return json_pointer(self.field)


class UserError(Exception):
    """A problem the user must fix: one message, or several located problems.

    `code` is stable for machines (an API's error code); `lines()` is what a person reads, one per problem."""

    code = "invalid"

    def __init__(self, message: str = "", problems: Iterable[Problem] = ()) -> None:
        self.problems: list[Problem] = sorted(set(problems))
        self.message = message or "\n".join(str(p) for p in self.problems)
        super().__init__(self.message)

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems] if self.problems else self.message.splitlines() or [type(self).__name__]

    def render(self) -> str:
        return "\n".join(self.lines())


class FleetError(UserError):
    """The fleet is invalid. Carries every problem found, not just the first, each once: a problem in the
    defaults file (a stale lockfile, a limit under the floor) is found once per agent that inherits it, and a
    fleet of 1,000 agents must not print it 1,000 times."""

    code = "invalid_fleet"

    def __init__(self, problems: Iterable[Problem]) -> None:
        super().__init__("", problems)


def located(file: str, line: int) -> str:
    """`FILE:LINE`, or `FILE` alone where there is no line (line 0)."""
    return f"{file}:{line}" if line else file


def field_path(loc: tuple[str | int, ...]) -> str:
    """("scaling", "maxReplicas") -> "scaling.maxReplicas"; ("plugins", 2) -> "plugins[2]"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def json_pointer(field: str) -> str:
    """A dotted field path as a JSON pointer; "~" and "/" inside a key are escaped as RFC 6901 says."""
    if not field:
        return ""
    parts: list[str] = []
    for dotted in field.split("."):
        name, *indexes = dotted.split("[")
        if name:
            parts.append(name)
        parts += [i.rstrip("]") for i in indexes]
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
