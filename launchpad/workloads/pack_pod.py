"""A pack's pod: one elizaOS server with several characters, each with its own secrets and no other's.

How elizaOS 1.7.2 gives a character its settings and secrets (checked in the installed runtime, and proven by
tests/runtime/test_pack_boot.py):
- `ElizaOS.addAgents` -> `setDefaultSecretsFromEnv` (core) copies every *allowed* process env var (the CLI's
  `CORE_ALLOWED_VARS` plus every `pluginParameters` key of every plugin package installed) into EACH character's
  `settings.secrets`, below the character's own `settings.secrets`; `jsonToCharacter` (server) also copies env
  vars named `<CHARACTER NAME>_<KEY>` or `CHARACTER.<NAME>.<KEY>` into its top-level `secrets`. Then
  `mergeAgentSettings` makes `settings.secrets` win over everything else. `runtime.getSetting` reads only the
  character; the plugins here fall back to `process.env` only when it has nothing (plugin-openai, -anthropic,
  -knowledge, -discord, -telegram: `runtime.getSetting(key) ?? process.env[key]`).
- So an agent secret in the pod's env would reach every character (and plugins reading process.env). The pack's
  container env therefore holds no agent's secret: only the server's own (its API token and SECRET_SALT, from
  the pack's Secret, and the database URL its agents share by construction).
- Each agent's secrets are written into its own character's `settings.secrets`, at start, by an init container
  that reads the agent's own Secret (and the Secrets its `secretKeyRef`s name) through a projected volume
  mounted into the init container only, and writes one character file per agent into a memory-backed emptyDir
  (tmpfs, never on disk), which the server mounts read-only. Nothing secret is in a ConfigMap: the ConfigMap
  holds the character with the agent's plain settings (its model, platform modes, `env:`), which elizaOS reads
  per character through `settings` because the pod's env does not set them.
- The stored copy: each agent's row in the pack's database holds its `settings.secrets` encrypted with
  SECRET_SALT (AES-256-CBC, key sha256(salt)), and `GET /api/agents/:id` returns it. The salt is per pack,
  derived like the token (auth_token.py), so the rows do not open with the public default "secretsalt".
"""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

from launchpad import naming
from launchpad.fleet.catalog import is_process_env
from launchpad.fleet.resolved import Agent, Pack
from launchpad.fleet.tiers import priority_class_name
from launchpad.workloads import pod
from launchpad.workloads.auth_token import AUTH_TOKEN_ENV, SALT_ENV

NODE = "/usr/local/bin/node"  # the base image's Node (node:<version>-trixie-slim)
CHARACTERS_DIR = "/etc/eliza"  # the memory-backed emptyDir: one character file per agent, secrets filled in
INPUTS_DIR = "/etc/launchpad/agents"  # the init container's view of each agent's ConfigMap and Secrets
CHARACTER_KEY = "character.json"  # the key of an agent's ConfigMap, and the file in its input directory
SECRETS_SUBDIR = "secrets"  # <input>/<agent>/secrets/<ENV NAME>: one file per secret value
INIT_CONTAINER = "characters"
DATABASE_ENV = "POSTGRES_URL"

# The init container's program (node -e, argv: inputs dir, output dir, agent names). Reads each agent's character
# and its own secret files, puts the secrets into that character's settings.secrets and writes the file 0400.
INIT_SCRIPT = """\
const fs = require("fs"), path = require("path");
const [inputs, out, ...agents] = process.argv.slice(1);
for (const agent of agents) {
  const dir = path.join(inputs, agent);
  const character = JSON.parse(fs.readFileSync(path.join(dir, "character.json"), "utf8"));
  const held = path.join(dir, "secrets"), secrets = {};
  for (const key of fs.existsSync(held) ? fs.readdirSync(held) : []) {
    if (!key.startsWith(".")) secrets[key] = fs.readFileSync(path.join(held, key), "utf8");
  }
  const settings = character.settings || {};
  character.settings = { ...settings, secrets: { ...(settings.secrets || {}), ...secrets } };
  fs.writeFileSync(path.join(out, agent + ".json"), JSON.stringify(character), { mode: 0o400 });
}
console.log(`wrote ${agents.length} character(s)`);
"""

# Readiness: /health answers 200 as soon as one runtime is registered (server 1.7.2: `agents.length > 0`), so
# the probe also wants every character of the pack counted (argv: how many). A process whose agent fails to
# start exits (core startAgents: Promise.all), which the liveness probe and the restart count show.
READY_SCRIPT = """\
const want = Number(process.argv[1]);
fetch(`http://127.0.0.1:${process.env.SERVER_PORT}/health`, { signal: AbortSignal.timeout(4000) })
  .then(async (r) => process.exit(r.status === 200 && (await r.json()).agentCount === want ? 0 : 1))
  .catch(() => process.exit(1));
"""


def character_file(agent: Agent) -> str:
    return f"{CHARACTERS_DIR}/{agent.name}.json"


def agent_settings(agent: Agent) -> dict[str, str]:
    """An agent's plain env as its character's settings: what its model, platform modes and `env:` set, except
    what is the whole server's (catalog.is_process_env: the pack's env, which its agents agree on)."""
    env = {**pod.model_env(agent), **agent.spec.env}
    return {k: v for k, v in sorted(env.items()) if not is_process_env(k)}


def pack_character(agent: Agent) -> dict[str, Any]:
    """The character a packed agent's ConfigMap holds: its own, with its plain settings (never a secret)."""
    character = copy.deepcopy(agent.character)
    settings = {**(character.get("settings") or {}), **agent_settings(agent)}
    if settings:
        character["settings"] = settings
    return character


def pack_character_json(agent: Agent) -> str:
    return json.dumps(pack_character(agent), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def characters_checksum(pack: Pack) -> str:
    """On the pod template: any member's character change (or a member joining or leaving) restarts the pack,
    whose init container writes the characters once, at start."""
    h = hashlib.sha256()
    for agent in pack.agents:
        h.update(agent.name.encode() + b"\0" + pack_character_json(agent).encode() + b"\0")
    return h.hexdigest()


def pack_secret_name(pack: Pack) -> str:
    return f"{pack.name}-pack"


def agent_secret_name(agent: Agent) -> str:
    return pod.secret_name(agent)


def agent_config_secrets(agent: Agent) -> list[str]:
    """Env names of an agent's own config-sourced secrets (its Secret's keys). The database URL is its pack's."""
    secrets = agent.spec.secrets.items()
    return sorted(env for env, source in secrets if source.config is not None and env != DATABASE_ENV)


def pack_secret_keys(pack: Pack) -> list[str]:
    """Keys of the pack's own Secret: the server's API token, its SECRET_SALT and a config-sourced database URL."""
    keys = [AUTH_TOKEN_ENV, SALT_ENV]
    if pack.database is not None and pack.database.config is not None:
        keys.append(DATABASE_ENV)
    return sorted(keys)


def _input_volume(agent: Agent) -> dict[str, Any]:
    """The agent's ConfigMap and secrets as files, for the init container only."""
    character = {"name": pod.config_map_name(agent), "items": [{"key": pod.CHARACTER_FILE, "path": CHARACTER_KEY}]}
    sources: list[dict[str, Any]] = [{"configMap": character}]
    own = agent_config_secrets(agent)
    if own:
        items = [{"key": env, "path": f"{SECRETS_SUBDIR}/{env}"} for env in own]
        sources.append({"secret": {"name": agent_secret_name(agent), "items": items}})
    for env, source in sorted(agent.spec.secrets.items()):
        ref = source.secret_key_ref
        if ref is not None and env != DATABASE_ENV:
            item = {"key": ref.key, "path": f"{SECRETS_SUBDIR}/{env}"}
            sources.append({"secret": {"name": ref.name, "items": [item]}})
    return {"name": f"agent-{agent.name}", "projected": {"sources": sources, "defaultMode": 0o440}}


def container_env(pack: Pack) -> list[dict[str, Any]]:
    """The server's env: the same for every server we run, the env its agents agree on, and the server's own
    secrets. No agent's secret (module docstring)."""
    env: list[dict[str, Any]] = [
        {"name": k, "value": v} for k, v in {**pod.server_env(pack.database is None), **pack.env}.items()
    ]
    refs = {key: {"name": pack_secret_name(pack), "key": key} for key in pack_secret_keys(pack)}
    if pack.database is not None and (database := pack.database.secret_key_ref) is not None:
        refs[DATABASE_ENV] = {"name": database.name, "key": database.key}
    for name, ref in sorted(refs.items()):
        env.append({"name": name, "valueFrom": {"secretKeyRef": ref}})
    return env


def _resources(pack: Pack) -> dict[str, Any]:
    return {"requests": pack.requests, "limits": pack.limits}


def init_command(pack: Pack) -> list[str]:
    return [NODE, "-e", INIT_SCRIPT, INPUTS_DIR, CHARACTERS_DIR, *pack.names]


def server_args(pack: Pack) -> list[str]:
    return ["start", "--character", *(character_file(a) for a in pack.agents)]


def ready_command(pack: Pack) -> list[str]:
    return [NODE, "-e", READY_SCRIPT, str(len(pack.agents))]


def init_container(pack: Pack, image: Any) -> dict[str, Any]:
    inputs = [{"name": f"agent-{a.name}", "mountPath": f"{INPUTS_DIR}/{a.name}", "readOnly": True} for a in pack.agents]
    return {
        "name": INIT_CONTAINER,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": init_command(pack),
        # What the server asks for: the pod's request is the larger of the two, so this costs nothing, and the
        # tenant's LimitRange (a minimum per container) holds for it as for the server.
        "resources": _resources(pack),
        "securityContext": copy.deepcopy(pod.CONTAINER_SECURITY),
        "volumeMounts": [{"name": "characters", "mountPath": CHARACTERS_DIR}, *inputs],
    }


def server_container(pack: Pack, image: Any) -> dict[str, Any]:
    return {
        "name": naming.CONTAINER_NAME,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": server_args(pack),
        "ports": [{"name": naming.HTTP_PORT_NAME, "containerPort": naming.HTTP_PORT, "protocol": "TCP"}],
        "env": container_env(pack),
        "resources": _resources(pack),
        # As an agent's (pod.container): a slow cold boot must not be killed into a restart loop.
        "startupProbe": pod.probe("/healthz", period=5, failures=60),
        "livenessProbe": pod.probe("/healthz", period=15, failures=4),
        "readinessProbe": {
            "exec": {"command": ready_command(pack)},
            "periodSeconds": 10,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        },
        "securityContext": copy.deepcopy(pod.CONTAINER_SECURITY),
        "volumeMounts": [
            {"name": "characters", "mountPath": CHARACTERS_DIR, "readOnly": True},
            *pod.writable_mounts(),
        ],
    }


def pack_pod_template(
    pack: Pack, labels: dict[str, str], image: Any, annotations: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`annotations`: the program's keyed digest of every Secret value the pod reads (launchpad.workloads.auth_token),
    so a changed value rolls the pack."""
    notes = {**(annotations or {}), "launchpad.dev/characters-sha256": characters_checksum(pack)}
    return {
        "metadata": {"labels": labels, "annotations": notes},
        "spec": {
            "serviceAccountName": pack.name,
            "priorityClassName": priority_class_name(pack.tier),
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "terminationGracePeriodSeconds": 30,
            "securityContext": copy.deepcopy(pod.POD_SECURITY),
            "initContainers": [init_container(pack, image)],
            "containers": [server_container(pack, image)],
            "volumes": [
                # tmpfs: the characters with their secrets never touch the node's disk.
                {"name": "characters", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
                *pod.writable_volumes(),
                *(_input_volume(a) for a in pack.agents),
            ],
        },
    }
