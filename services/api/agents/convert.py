"""The design's request body, turned into the agent an agent file would hold (camelCase, `launchpad/fleet`'s
shape), so it is validated by the same loader and rules as a file in git; and each problem's field turned
back into the JSON pointer of what the request sent.

  agentName                    -> name
  description, character       -> description, character (inline: an API agent reads no file)
  plugins                      -> plugins; a bare name the platform pins (its platforms' and models' plugins,
                                  launchpad/fleet/catalog.py) gets that version, any other must be pinned
  platforms ["discord", ...]   -> platforms {discord: {}, ...} (or an agent file's mapping, with modes)
  model                        -> model
  resources {memory, cpu}      -> resources.requests and resources.limits (what the agent gets), or an
                                  agent file's {requests, limits}
  scaling                      -> scaling
  environment {NAME: value}    -> secrets {NAME: {stored: true}}: every value is kept sealed and never shown
  supabase_config.database_url -> secrets.POSTGRES_URL (plugin-sql's database), sealed like the others
The design's other supabase_config keys mean nothing to an elizaOS 1.7.2 agent: refused, each saying why.
The owner is the signed-in user; tenant, tier, image and labels are the platform's (agents/defaults.yaml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

from launchpad.errors import Problem, json_pointer
from launchpad.fleet.catalog import BASE_PLUGINS, KNOWLEDGE_PLUGIN, MODEL_PROVIDERS, PLATFORMS
from launchpad.sealed import MAX_VALUE_BYTES
from launchpad.source.yaml_source import Loc
from services.api import limits
from services.api.errors import Detail

DATABASE_SECRET = "POSTGRES_URL"  # what plugin-sql 1.7.2 reads for a Postgres instead of its own PGlite

# A bare plugin name the platform knows -> the version it pins (and has locked plugin sets for).
KNOWN_PLUGINS = {
    spec.rpartition("@")[0]: spec
    for spec in (
        *BASE_PLUGINS,
        KNOWLEDGE_PLUGIN,
        *(p.plugin for p in MODEL_PROVIDERS.values()),
        *(p.plugin for p in PLATFORMS.values() if p.plugin),
    )
}

# The design's supabase_config keys other than database_url, and why an agent cannot use them.
SUPABASE_INERT = {
    "project_ref": "no elizaOS 1.7.2 plugin reads a Supabase project ref: the agent's database is "
    "`supabase_config.database_url` (kept sealed, as POSTGRES_URL); remove project_ref",
    "tables": "plugin-sql 1.7.2 creates and names the agent's tables itself (memories, rooms, ...): table names "
    "cannot be given; remove tables",
    "real_time": "no elizaOS 1.7.2 plugin publishes to Supabase Realtime channels: follow the agent through "
    "this API (GET /api/agents/{name}/status, /api/operations/{id}); remove real_time",
    "storage": "no elizaOS 1.7.2 plugin reads or writes a Supabase Storage bucket; remove storage",
}


# The rules say what is wrong the same way for a file and a request; where they say how to fix it in an agent
# file's terms (`secrets:` and `pulumi config set`), a request's user is told the request's terms instead.
_FILE_FIXES = (
    (re.compile(r"; add under `secrets:` .*? and set them with `pulumi config set --secret <key>`$"),
     lambda m: "; give their values in `environment`"),
    (re.compile(r"add `secrets: \{POSTGRES_URL: \{config: <key>\}\}`"),
     lambda m: "give its URL in `supabase_config.database_url`"),
    # The image of a plugin set is built from its lockfile in git: a request cannot add one (nor see where
    # the platform keeps them).
    (re.compile(r"^(no lockfile|lockfile|cannot read lockfile) \S+ (for this plugin set|is stale).*$"),
     lambda m: "the platform has no image for this set of plugins yet (its lockfile is committed in git, "
     "`python -m launchpad lock`): use the plugins its agents run, or ask the platform team to add this set"),
)


def request_terms(message: str) -> str:
    for pattern, fix in _FILE_FIXES:
        message = pattern.sub(fix, message)
    return message


@dataclass
class Converted:
    """The agent file's data, the secret values the request gave (None: remove), and where each field of
    the agent came from in the request."""

    spec: dict[str, Any]
    values: dict[str, str | None] = field(default_factory=dict)
    origins: dict[Loc, Loc] = field(default_factory=dict)
    problems: list[Detail] = field(default_factory=list)

    def pointer(self, problem: Problem, defaults_file: str | None) -> str:
        """The request's JSON pointer for a problem the loader found in the agent."""
        loc = parse_field(problem.field)
        if defaults_file is not None and problem.file == defaults_file:
            if loc[:1] == ("tenants",):
                return "/resources"  # the namespace's quota: what the agent asks for exceeds it
            if loc[:1] == ("image",):
                return "/plugins"  # the image (and its committed lockfile) is built from the plugins
        if loc[:1] == ("image",):
            return "/plugins"
        for end in range(len(loc), 0, -1):
            origin = self.origins.get(loc[:end])
            if origin is not None:
                # Deeper fields follow where the request names the field the same way (character.bio[0]);
                # where it does not (a platform given as a list item), the item itself is the place.
                deeper = loc[end:] if origin and origin[-1] == loc[end - 1] else ()
                return json_pointer(_dotted(origin + deeper))
        return json_pointer(_dotted(translate(loc)))


def translate(loc: Loc) -> Loc:
    """Where an agent file's field is in the request's terms, for fields the request did not send."""
    if loc[:1] == ("name",):
        return ("agentName",)
    if loc[:1] == ("secrets",):
        return ("environment", *loc[1:2]) if loc[1:2] != (DATABASE_SECRET,) else ("environment", DATABASE_SECRET)
    if loc[:1] == ("owner",):
        return ()
    return loc


def parse_field(dotted: str) -> Loc:
    """"scaling.maxReplicas" -> ("scaling", "maxReplicas"); "plugins[2]" -> ("plugins", 2)."""
    if not dotted:
        return ()
    out: list[str | int] = []
    for part in dotted.split("."):
        name, *indexes = part.split("[")
        if name:
            out.append(name)
        out += [int(i.rstrip("]")) if i.rstrip("]").isdigit() else i.rstrip("]") for i in indexes]
    return tuple(out)


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def pin(plugin: str) -> str:
    return KNOWN_PLUGINS.get(plugin, plugin)


def _platforms(given: list[str] | dict[str, Any], out: Converted) -> dict[str, Any]:
    if isinstance(given, dict):
        for name in given:
            out.origins[("platforms", name)] = ("platforms", name)
        return {name: (settings if settings is not None else {}) for name, settings in given.items()}
    platforms: dict[str, Any] = {}
    for index, name in enumerate(given):
        if name in platforms:
            out.problems.append(Detail(f"/platforms/{index}", f"{name} is listed twice"))
            continue
        platforms[name] = {}
        out.origins[("platforms", name)] = ("platforms", index)
    return platforms


def _resources(given: dict[str, Any], base: dict[str, Any], out: Converted) -> dict[str, Any]:
    """Flat `memory`/`cpu` set the request and the limit; `requests`/`limits` merge as in a file."""
    flat = {k: given[k] for k in ("memory", "cpu") if given.get(k) is not None}
    nested = {k: given[k] for k in ("requests", "limits") if given.get(k) is not None}
    if flat and nested:
        out.problems.append(Detail("/resources", "give either memory and cpu, or requests and limits, not both"))
    merged = {kind: dict(base.get(kind) or {}) for kind in ("requests", "limits")}
    for key, value in flat.items():
        for kind in ("requests", "limits"):
            merged[kind][key] = value
            out.origins[("resources", kind, key)] = ("resources", key)
    for kind, amounts in nested.items():
        for key, value in amounts.items():
            if value is None:
                merged[kind].pop(key, None)
            else:
                merged[kind][key] = value
        out.origins[("resources", kind)] = ("resources", kind)
    return {kind: amounts for kind, amounts in merged.items() if amounts}


def _supabase(given: dict[str, Any], out: Converted) -> None:
    for key, value in given.items():
        pointer = f"/supabase_config/{key}"
        if key == "database_url":
            if value is not None and (not isinstance(value, str) or not value.strip()):
                out.problems.append(Detail(pointer, "must be a postgres:// URL (kept sealed, as POSTGRES_URL)"))
            else:
                out.values[DATABASE_SECRET] = value
                out.origins[("secrets", DATABASE_SECRET)] = ("supabase_config", "database_url")
        elif key in SUPABASE_INERT:
            out.problems.append(Detail(pointer, SUPABASE_INERT[key]))
        else:
            out.problems.append(Detail(pointer, f"unknown field `{key}`: supabase_config takes database_url"))


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def to_spec(body: dict[str, Any], owner: str, base: dict[str, Any] | None = None) -> Converted:
    """The agent (an agent file's data) a create (`base` None) or a merge patch over `base` (the stored
    agent) describes. `body` passed the request models (models.py): its containers have the right types."""
    spec: dict[str, Any] = dict(base or {})
    out = Converted(spec)
    if base is None:
        spec["name"] = body.get("agentName")
        spec["owner"] = owner
    out.origins[("name",)] = ("agentName",)
    for key in ("description", "character", "model"):
        if key in body:
            if body[key] is None:
                spec.pop(key, None)
            else:
                spec[key] = body[key]
            out.origins[(key,)] = (key,)
    if body.get("plugins") is not None:
        spec["plugins"] = [pin(p) for p in body["plugins"]]
        for index in range(len(body["plugins"])):
            out.origins[("plugins", index)] = ("plugins", index)
    elif "plugins" in body:
        spec.pop("plugins", None)
    if body.get("platforms") is not None:
        spec["platforms"] = _platforms(body["platforms"], out)
    elif "platforms" in body:
        spec.pop("platforms", None)
    if body.get("resources") is not None:
        resources = _resources(body["resources"], spec.get("resources") or {}, out)
        if resources:
            spec["resources"] = resources
        else:
            spec.pop("resources", None)
    if "scaling" in body:
        scaling = merge_patch(spec.get("scaling") or {}, body["scaling"]) if body["scaling"] is not None else {}
        if scaling:
            spec["scaling"] = scaling
        else:
            spec.pop("scaling", None)
        out.origins[("scaling",)] = ("scaling",)
    environment = body.get("environment") or {}
    if len(environment) > limits.MAX_ENVIRONMENT:
        out.problems.append(Detail("/environment", f"more than {limits.MAX_ENVIRONMENT} values ({len(environment)})"))
    for name, value in environment.items():
        out.values[name] = value
        out.origins[("secrets", name)] = ("environment", name)
        pointer = json_pointer(f"environment.{name}")
        if value is not None and not value.strip():
            out.problems.append(Detail(pointer, "an empty value: give the value, or leave the variable out"))
        elif value is not None and len(value.encode()) > MAX_VALUE_BYTES:
            out.problems.append(Detail(pointer, f"longer than {MAX_VALUE_BYTES} bytes (value not shown)"))
    if body.get("supabase_config") is not None:
        _supabase(body["supabase_config"], out)
    secrets = dict(spec.get("secrets") or {})
    for name, value in out.values.items():
        if value is None:
            secrets.pop(name, None)
        else:
            secrets[name] = {"stored": True}
    if secrets:
        spec["secrets"] = dict(sorted(secrets.items()))
    else:
        spec.pop("secrets", None)
    if DATABASE_SECRET in out.values:
        _database_target(out)
    return out


def _database_target(out: Converted) -> None:
    """An agent file says where its POSTGRES_URL points (`database: {host, port}`, launchpad/fleet/rules.py), so
    its egress opens to that database and no other; through the API the URL is posted, so the target is read
    from it here (the only place the plain URL is seen). psycopg parses both libpq forms (URL and key=value);
    its own message is not shown: it may quote the password."""
    value = out.values[DATABASE_SECRET]
    if value is None:
        out.spec.pop("database", None)
        return
    origin = out.origins[("secrets", DATABASE_SECRET)]
    pointer = json_pointer(".".join(str(part) for part in origin))
    try:
        params = conninfo_to_dict(value)
    except psycopg.ProgrammingError:
        out.problems.append(Detail(pointer, "not a PostgreSQL connection URL (postgres://user:password@host:5432/db; "
                                            "value not shown)"))
        return
    host, port = str(params.get("host") or ""), str(params.get("port") or "5432")
    if not host or host.startswith("/") or "," in host or "," in port:
        out.problems.append(Detail(pointer, "the URL must name one database host reachable over the network "
                                            "(postgres://user:password@host:5432/db; value not shown)"))
    elif not port.isdigit() or not 1 <= int(port) <= 65535:
        out.problems.append(Detail(pointer, "the URL's port must be a number from 1 to 65535 (value not shown)"))
    else:
        out.spec["database"] = {"host": host, "port": int(port)}
        out.origins[("database",)] = origin  # the loader's word on the host (its pattern) points at the URL
