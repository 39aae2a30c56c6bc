"""The agent's pod template: the elizaOS server with its character mounted, restricted security context,
probes sized for a slow boot, and writable emptyDirs only where the runtime writes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from launchpad import naming
from launchpad.fleet.catalog import KNOWLEDGE_PLUGIN, MODEL_PROVIDERS, PLATFORMS
from launchpad.fleet.resolved import Agent
from launchpad.fleet.tiers import priority_class_name
from launchpad.images.build import RUNTIME_UID
from launchpad.workloads.auth_token import AUTH_TOKEN_ENV

CHARACTER_DIR = "/etc/eliza"
CHARACTER_FILE = "character.json"
DATA_DIR = "/app/.eliza"  # PGlite store and runtime state; the image's workdir is /app
# The elizaOS CLI entrypoint of the generated image (and of any prebuilt image we accept).
ARGS = ["start", "--character", f"{CHARACTER_DIR}/{CHARACTER_FILE}"]


def character_json(agent: Agent) -> str:
    return json.dumps(agent.character, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def character_checksum(agent: Agent) -> str:
    """Annotated on the pod template so a character change rolls the pods (a ConfigMap change alone does not)."""
    return hashlib.sha256(character_json(agent).encode()).hexdigest()


def secret_name(agent: Agent) -> str:
    return f"{agent.name}-env"


def config_map_name(agent: Agent) -> str:
    return f"{agent.name}-character"


def _model_env(agent: Agent) -> dict[str, str]:
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


def _plain_env(agent: Agent) -> dict[str, str]:
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
    if "POSTGRES_URL" not in agent.spec.secrets:
        env["PGLITE_DATA_DIR"] = f"{DATA_DIR}/.elizadb"
    env.update(_model_env(agent))
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


def _probe(path: str, period: int, failures: int, timeout: int = 5) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": naming.HTTP_PORT_NAME},
        "periodSeconds": period,
        "timeoutSeconds": timeout,
        "failureThreshold": failures,
    }


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
            "requests": {"cpu": resources.requests.cpu, "memory": resources.requests.memory},
            "limits": {"cpu": resources.limits.cpu, "memory": resources.limits.memory},
        },
        # Cold boot takes tens of seconds (plugin loading, migrations): up to 5 minutes before liveness
        # applies, so a slow start is not killed into a restart loop.
        "startupProbe": _probe("/healthz", period=5, failures=60),
        "livenessProbe": _probe("/healthz", period=15, failures=4),  # 200 whenever the process is up
        "readinessProbe": _probe("/health", period=10, failures=3),  # 503 until the agents are loaded
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUNTIME_UID,
            "runAsGroup": RUNTIME_UID,
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "character", "mountPath": CHARACTER_DIR, "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "data", "mountPath": DATA_DIR},
        ],
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
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": RUNTIME_UID,
                "runAsGroup": RUNTIME_UID,
                "fsGroup": RUNTIME_UID,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [container(agent, image)],
            "volumes": [
                {"name": "character", "configMap": {"name": config_map_name(agent)}},
                {"name": "tmp", "emptyDir": {"sizeLimit": "256Mi"}},
                {"name": "data", "emptyDir": {"sizeLimit": "2Gi"}},
            ],
        },
    }
