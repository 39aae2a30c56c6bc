"""Agents created through the control-plane API, as the loader reads them: the agent exactly as an agent file
would hold it (`spec`, camelCase), from its row in the database (launchpad/db/repository/api_agents.py) or
from a request the API is validating. They go through the same loader and rules as a file in git, into the
same Fleet; their problems name `api:<name>` as the file and the field as a JSON pointer, with no line.

What only a file in the platform's repository may do, an API agent may not: read a file from the repository
(`characterFile`), read the platform's secrets (`secrets: {config: ...}` or `{secretKeyRef: ...}`: its values
are the ones its owner posted, `stored: true`), choose its image, tenant or PriorityClass tier (the platform
decides those: the fleet defaults apply)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from launchpad.errors import Problem, field_path
from launchpad.fleet.models import AgentSpec
from launchpad.source.yaml_source import Loc, SourceDoc

API_FILE_PREFIX = "api:"
# Keys of an agent file an API agent may not set, and why (the request cannot produce them either).
PLATFORM_ONLY = {
    "characterFile": "reads a file from the platform's repository: give the character inline (`character`)",
    "image": "the image is the platform's (agents/defaults.yaml): it is built from the plugins",
    "tenant": "tenants are assigned by the platform team, in git",
    "tier": "the PriorityClass tier is the platform's to choose (agents/defaults.yaml)",
    "labels": "labels are set by the platform",
    "env": "give settings in `environment`, which the control plane keeps sealed with the secrets",
}


@dataclass(frozen=True)
class ApiAgent:
    """One agent from the API: its spec, and what the control plane adds to it."""

    name: str
    spec: dict[str, Any]
    paused: bool = False
    restarted_at: str | None = None  # ISO timestamp of the last restart asked, or None
    # Its row's id: the agent's incarnation (launchpad/fleet/resolved.Agent). An agent deleted and created again
    # under the same name is a new row, so it draws a new token nonce and the old token stops working.
    row_id: str = ""


def api_file(name: str) -> str:
    """How problems name an API agent: there is no file, and no line."""
    return f"{API_FILE_PREFIX}{name}"


def source_doc(agent: ApiAgent) -> SourceDoc:
    # Every path's line is 0 ("no line"): SourceDoc.line_of falls back to the root's.
    return SourceDoc(api_file(agent.name), agent.spec, {(): 0})


def api_rules(spec: AgentSpec, data: dict[str, Any], file: str) -> list[Problem]:
    """What an API agent may not do that an agent file may (module docstring)."""
    problems = [Problem(file, 0, key, f"not available to agents created through the API: {why}")
                for key, why in PLATFORM_ONLY.items() if key in data]
    for env, source in spec.secrets.items():
        if not source.stored:
            loc: Loc = ("secrets", env)
            problems.append(Problem(
                file, 0, field_path(loc),
                "an agent created through the API reads only the values its owner posted (`environment`), "
                "never the platform's config secrets or Kubernetes Secrets",
            ))
    return problems


def file_rules(spec: AgentSpec, where: Any) -> list[Problem]:
    """`stored` secrets are the API's: an agent file names where its values live instead."""
    problems = []
    for env, source in spec.secrets.items():
        if source.stored:
            file, line = where(("secrets", env))
            problems.append(Problem(
                file, line, f"secrets.{env}",
                "`stored` values exist only for agents created through the API; in an agent file give "
                "`{config: <pulumi config key>}` or `{secretKeyRef: {name, key}}`",
            ))
    return problems
