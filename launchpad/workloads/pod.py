"""The agent's pod template: the elizaOS server with its character mounted, restricted security context,
probes sized for a slow boot, and writable emptyDirs only where the runtime writes."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from launchpad import naming
from launchpad.fleet.catalog import EMPTY_DIR_SIZE_LIMITS, KNOWLEDGE_PLUGIN, MODEL_PROVIDERS, PLATFORMS
from launchpad.fleet.resolved import Agent
from launchpad.fleet.tiers import priority_class_name
from launchpad.images.build import RUNTIME_UID
from launchpad.workloads.auth_token import AUTH_TOKEN_ENV

CHARACTER_DIR = "/etc/eliza"
CHARACTER_FILE = "character.json"
DATA_DIR = "/app/.eliza"  # PGlite store and runtime state; the image's workdir is /app
# The writable emptyDirs: HOME and temporary files on /tmp, the data on DATA_DIR (their sizeLimits: catalog).
VOLUME_TMP, VOLUME_DATA = "tmp", "data"
# The elizaOS CLI entrypoint of the generated image (and of any prebuilt image we accept).
ARGS = ["start", "--character", f"{CHARACTER_DIR}/{CHARACTER_FILE}"]


def character_json(agent: Agent) -> str:
    return agent.character_json


def character_checksum(agent: Agent) -> str:
    """Annotated on the pod template so a character change rolls the pods (a ConfigMap change alone does not)."""
    return hashlib.sha256(character_json(agent).encode()).hexdigest()


def secret_name(agent: Agent) -> str:
    return f"{agent.name}-env"


def config_map_name(agent: Agent) -> str:
    return f"{agent.name}-character"


def model_env(agent: Agent) -> dict[str, str]:
    """What `model:` and the platform modes mean to the plugins: their own env switches."""
    model = agent.spec.model
    prefix = MODEL_PROVIDERS[model.provider].env_prefix
    env = {}
    for size, value in (("SMALL", model.small or model.name), ("LARGE", model.large or model.name)):
        if value is not None:
            env[f"{prefix}_{size}_MODEL"] = value
    if model.endpoint is not None:
        env["OLLAMA_API_ENDPOINT"] = model.endpoint
    for platform, mode in sorted(agent.platforms.items()):
        env.update(PLATFORMS[platform].mode_env.get(mode, {}))
    if KNOWLEDGE_PLUGIN in agent.plugins:
        # The knowledge is the character's; the plugin's default also loads ./docs, which the image lacks.
        env["LOAD_DOCS_ON_STARTUP"] = "false"
    return env


def server_env(pglite: bool) -> dict[str, str]:
    """The env of every elizaOS server we run, one agent's or a pack's."""
    env = {
        "SERVER_PORT": str(naming.HTTP_PORT),
        "SERVER_HOST": "0.0.0.0",
        "NODE_ENV": "production",
        "ELIZA_UI_ENABLE": "false",  # no web UI in production deployments
        "ELIZA_NONINTERACTIVE": "true",
        "HOME": "/tmp",  # the root filesystem is read-only; /tmp is an emptyDir
        "LOG_JSON_FORMAT": "true",
        # `elizaos` runs `npm view @elizaos/cli@latest version` before every command (cli 1.7.2 main(), no
        # switch to skip it); where the registry is slow or unreachable npm retries for about a minute before
        # the agent starts. Offline, npm answers ENOTCACHED at once (measured in the boot test).
        "NPM_CONFIG_OFFLINE": "true",
        # The image is immutable: no `bun add` of the CLI or of a missing plugin at run time (cli
        # shouldAutoInstallCli, core isAutoInstallAllowed).
        "ELIZA_NO_AUTO_INSTALL": "true",
        "ELIZA_NO_PLUGIN_AUTO_INSTALL": "true",
    }
    if pglite:
        env["PGLITE_DATA_DIR"] = f"{DATA_DIR}/.elizadb"
    return env


def _plain_env(agent: Agent) -> dict[str, str]:
    env = server_env(pglite="POSTGRES_URL" not in agent.spec.secrets)
    env.update(model_env(agent))
    env.update(agent.spec.env)
    return env


def secret_env(agent: Agent) -> list[str]:
    """Env names whose values the agent's own Secret holds: its config (or stored) secrets and its API token."""
    return sorted([env for env, source in agent.spec.secrets.items() if source.in_own_secret] + [AUTH_TOKEN_ENV])


def container_env(agent: Agent) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [{"name": k, "value": v} for k, v in _plain_env(agent).items()]
    refs = {name: {"name": secret_name(agent), "key": name} for name in secret_env(agent)}
    for env_name, source in agent.spec.secrets.items():
        if source.secret_key_ref is not None:
            refs[env_name] = {"name": source.secret_key_ref.name, "key": source.secret_key_ref.key}
    for env_name, ref in sorted(refs.items()):
        env.append({"name": env_name, "valueFrom": {"secretKeyRef": ref}})
    return env


def probe(path: str, period: int, failures: int, timeout: int = 5) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": naming.HTTP_PORT_NAME},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


# The restricted Pod Security profile, and then some: every container we run (an agent's, a pack's and its
# init container).
CONTAINER_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": RUNTIME_UID,
    "runAsGroup": RUNTIME_UID,
    "allowPrivilegeEscalation": False,
    "privileged": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": RUNTIME_UID,
    "runAsGroup": RUNTIME_UID,
    "fsGroup": RUNTIME_UID,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def writable_mounts() -> list[dict[str, Any]]:
    """Where the runtime writes: /tmp (HOME) and its data directory (PGlite), emptyDirs on a read-only root."""
    return [{"name": VOLUME_TMP, "mountPath": "/tmp"}, {"name": VOLUME_DATA, "mountPath": DATA_DIR}]


def writable_volumes() -> list[dict[str, Any]]:
    """The emptyDirs behind them, at the sizeLimits the ephemeral-storage floors are made of (catalog)."""
    return [{"name": v, "emptyDir": {"sizeLimit": EMPTY_DIR_SIZE_LIMITS[v]}} for v in (VOLUME_TMP, VOLUME_DATA)]


def container(agent: Agent, image: Any) -> dict[str, Any]:
    resources = agent.spec.resources
    return {
        "name": naming.CONTAINER_NAME,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": ARGS,
        "ports": [{"name": naming.HTTP_PORT_NAME, "containerPort": naming.HTTP_PORT, "protocol": "TCP"}],
        "env": container_env(agent),
        "resources": {
            kind: {"cpu": amounts.cpu, "memory": amounts.memory, "ephemeral-storage": amounts.ephemeral_storage}
            for kind, amounts in (("requests", resources.requests), ("limits", resources.limits))
        },
        # Cold boot takes tens of seconds (plugin loading, migrations): up to 5 minutes before liveness
        # applies, so a slow start is not killed into a restart loop.
        "startupProbe": probe("/healthz", period=5, failures=60),
        "livenessProbe": probe("/healthz", period=15, failures=4),  # 200 whenever the process is up
        "readinessProbe": probe("/health", period=10, failures=3),  # 503 until the agents are loaded
        "securityContext": copy.deepcopy(CONTAINER_SECURITY),
        "volumeMounts": [{"name": "character", "mountPath": CHARACTER_DIR, "readOnly": True}, *writable_mounts()],
    }


RESTARTED_AT_ANNOTATION = "launchpad.dev/restarted-at"


def pod_template(agent: Agent, labels: dict[str, str], annotations: dict[str, str], image: Any) -> dict[str, Any]:
    notes = {**annotations, "launchpad.dev/character-sha256": character_checksum(agent)}
    if agent.restarted_at is not None:  # a restart asked through the API: a new value rolls the pods
        notes[RESTARTED_AT_ANNOTATION] = agent.restarted_at
    return {
        "metadata": {"labels": labels, "annotations": notes},
        "spec": {
            "serviceAccountName": agent.name,
            "priorityClassName": priority_class_name(agent.tier),  # launchpad.workloads.tenant_objects
            "automountServiceAccountToken": False,
            "enableServiceLinks": False,
            "terminationGracePeriodSeconds": 30,
            "securityContext": copy.deepcopy(POD_SECURITY),
            "containers": [container(agent, image)],
            "volumes": [{"name": "character", "configMap": {"name": config_map_name(agent)}}, *writable_volumes()],
        },
    }
