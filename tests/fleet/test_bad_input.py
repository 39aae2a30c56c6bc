"""Bad agent files: every case names the exact file, line, field and message, and nothing loads.
The fleets are small variations of `fleet_files.BASE`, whose line numbers the expectations name."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchpad.fleet import FleetError, load_fleet
from tests.fleet.fleet_files import BASE, write_fleet

# fmt: off
CASES: dict[str, dict[str, str]] = {
    "unknown_top_field": {"bot.yaml": BASE + "maxReplica: 3\n"},
    "typo_nested": {"bot.yaml": BASE.replace("  maxReplicas: 1", "  maxReplica: 1")},
    "bad_name": {"bot.yaml": BASE.replace("name: bot", "name: Bot_1")},
    "long_name": {"bot.yaml": BASE.replace("name: bot", "name: " + "a"*41)},
    "bad_owner": {"bot.yaml": BASE.replace("owner: 7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21", "owner: alice")},
    "missing_model": {"bot.yaml": BASE.replace("model:\n  provider: openai\n", "")},
    "model_not_mapping": {"bot.yaml": BASE.replace("model:\n  provider: openai\n", "model: openai\n")},
    "unknown_provider": {"bot.yaml": BASE.replace("provider: openai", "provider: skynet")},
    "no_character": {"bot.yaml": BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "")},
    "both_character": {"bot.yaml": BASE + "characterFile: c.json\n", "c.json": '{"name": "x", "bio": "y"}'},
    "character_missing_file": {"bot.yaml": BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "characterFile: missing.json\n")},
    "character_file_is_a_directory": {"bot.yaml": BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "characterFile: characters\n"), "characters/README": "one JSON file per agent\n"},
    "character_bad_json": {"bot.yaml": BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "characterFile: c.json\n"), "c.json": '{\n  "name": "x",\n  "bio": "y"\n  "lore": []\n}\n'},
    "character_file_secret": {"bot.yaml": BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "characterFile: c.json\n"), "c.json": '{"name": "x", "bio": "y", "settings": {"secrets": {"OPENAI_API_KEY": "sk-live"}}}'},
    "character_file_no_bio": {"bot.yaml": BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "characterFile: c.json\n"), "c.json": '{"name": "x"}'},
    "character_inline_secrets": {"bot.yaml": BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  secrets: {X: y}\n")},
    # YAML has values JSON has not: the ConfigMap would not serialize (a date) or not parse (NaN).
    "character_yaml_date": {"bot.yaml": BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  settings:\n    launch: {at: [2026-12-01]}\n")},
    "character_yaml_nan": {"bot.yaml": BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  settings: {temperature: .nan}\n")},
    "character_yaml_bool_key": {"bot.yaml": BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  settings:\n    switches: {on: 1}\n")},
    # Nested past the parsers' recursion: one line, never a RecursionError traceback.
    "too_deep_yaml": {"bot.yaml": BASE + "labels: " + "[" * 3000 + "]" * 3000 + "\n"},
    "too_deep_character_file": {"bot.yaml": BASE.replace("character:\n  name: Bot\n  bio: A test bot.\n", "characterFile: c.json\n"), "c.json": '{"name": "x", "bio": "y", "settings": {"a": ' + "[" * 3000 + "]" * 3000 + "}}"},
    "character_example_yaml_date": {"bot.yaml": BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  messageExamples:\n    - - name: u\n        content: {text: hi, sent: 2026-12-01}\n")},
    "unpinned_plugin": {"bot.yaml": BASE + "plugins:\n  - \"@elizaos/plugin-discord@^1.3.8\"\n"},
    "floating_plugin": {"bot.yaml": BASE + "plugins:\n  - \"@elizaos/plugin-discord\"\n"},
    "dup_plugin": {"bot.yaml": BASE + "plugins:\n  - \"@acme/plugin-x@1.0.0\"\n  - \"@acme/plugin-x@1.1.0\"\n"},
    "unknown_platform": {"bot.yaml": BASE.replace("  telegram: {mode: polling}", "  telegram: {mode: polling}\n  slack: {}")},
    "bad_mode": {"bot.yaml": BASE.replace("{mode: polling}", "{mode: longpoll}")},
    "missing_platform_secret": {"bot.yaml": BASE.replace("  TELEGRAM_BOT_TOKEN: {config: tgToken}\n", "")},
    "missing_model_secret": {"bot.yaml": BASE.replace("  OPENAI_API_KEY: {config: openaiKey}\n", "")},
    "polling_scaled": {"bot.yaml": BASE.replace("  maxReplicas: 1", "  maxReplicas: 3\n  targetCPU: 70").replace("  OPENAI_API_KEY: {config: openaiKey}\n", "  OPENAI_API_KEY: {config: openaiKey}\n  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}\n")},
    "discord_scaled": {"bot.yaml": BASE.replace("  telegram: {mode: polling}", "  discord: {}").replace("  TELEGRAM_BOT_TOKEN: {config: tgToken}", "  DISCORD_API_TOKEN: {config: d}\n  DISCORD_APPLICATION_ID: {config: a}").replace("  maxReplicas: 1", "  maxReplicas: 2\n  targetCPU: 70").replace("  OPENAI_API_KEY: {config: openaiKey}\n", "  OPENAI_API_KEY: {config: openaiKey}\n  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}\n")},
    "max_below_min": {"bot.yaml": BASE.replace("telegram: {mode: polling}", "web: {}").replace("  minReplicas: 1", "  minReplicas: 3")},
    "autoscale_no_target": {"bot.yaml": BASE.replace("telegram: {mode: polling}", "web: {}").replace("  maxReplicas: 1", "  maxReplicas: 4").replace("  OPENAI_API_KEY: {config: openaiKey}\n", "  OPENAI_API_KEY: {config: openaiKey}\n  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}\n")},
    "zero_replicas": {"bot.yaml": BASE.replace("  minReplicas: 1", "  minReplicas: 0")},
    "target_over_100": {"bot.yaml": BASE.replace("  maxReplicas: 1", "  maxReplicas: 1\n  targetCPU: 150")},
    "memory_limit_low": {"bot.yaml": BASE.replace("memory: 2Gi}", "memory: 512Mi}").replace("memory: 1792Mi}", "memory: 128Mi}")},
    "memory_request_low": {"bot.yaml": BASE.replace("memory: 1792Mi}", "memory: 128Mi}")},
    "bad_quantity": {"bot.yaml": BASE.replace('cpu: "1"', "cpu: one")},
    "request_above_limit": {"bot.yaml": BASE.replace("cpu: 500m", "cpu: 1500m")},
    "missing_limits": {"bot.yaml": BASE.replace('  limits: {cpu: "1", memory: 2Gi}\n', "")},
    "env_token": {"bot.yaml": BASE + "env:\n  DISCORD_API_TOKEN: abc\n"},
    "env_password": {"bot.yaml": BASE + "env:\n  DB_PASSWORD: hunter2\n"},
    "env_value_credential": {"bot.yaml": BASE + "env:\n  UPSTREAM: postgres://app:s3cret@db:5432/app\n"},
    "env_reserved": {"bot.yaml": BASE + "env:\n  SERVER_PORT: 8080\n"},
    "env_inert": {"bot.yaml": BASE + "env:\n  POSTGRES_POOL_MAX: 50\n"},
    "env_model_fallback": {"bot.yaml": BASE + "env:\n  SMALL_MODEL: gpt-4o\n"},
    "env_bad_name": {"bot.yaml": BASE + "env:\n  1BAD: x\n"},
    "env_and_secret": {"bot.yaml": BASE.replace("  OPENAI_API_KEY: {config: openaiKey}\n", "  OPENAI_API_KEY: {config: openaiKey}\n  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}\n") + "env:\n  POSTGRES_URL: x\n"},
    "secret_both_sources": {"bot.yaml": BASE.replace("{config: openaiKey}", "{config: openaiKey, secretKeyRef: {name: s, key: k}}")},
    "secret_plain_value": {"bot.yaml": BASE.replace("{config: openaiKey}", "sk-abcdefghijklmnopqrstuvwxyz")},
    "image_latest": {"bot.yaml": BASE.replace("eliza:1.7.2", "eliza:latest")},
    "image_untagged": {"bot.yaml": BASE.replace("eliza:1.7.2", "eliza")},
    "image_both": {"bot.yaml": BASE.replace("  ref: ghcr.io/acme/eliza:1.7.2", "  ref: ghcr.io/acme/eliza:1.7.2\n  build: {}")},
    "image_build_no_registry": {"bot.yaml": BASE.replace("  ref: ghcr.io/acme/eliza:1.7.2", "  build: {}")},
    "reserved_label": {"bot.yaml": BASE + "labels:\n  app.kubernetes.io/name: mine\n"},
    "bad_label_value": {"bot.yaml": BASE + "labels:\n  team: \"two words\"\n"},
    "duplicate_key": {"bot.yaml": BASE + "name: bot2\n"},
    "invalid_yaml": {"bot.yaml": BASE.replace("  bio: A test bot.", "  bio: [unclosed")},
    "not_mapping": {"bot.yaml": "- just\n- a list\n"},
    "empty": {"bot.yaml": ""},
    "duplicate_names": {"a.yaml": BASE, "b.yaml": BASE},
    "defaults_unknown": {"bot.yaml": BASE, "defaults.yaml": "resource:\n  limits: {memory: 4Gi}\n"},
    "defaults_low_memory": {"bot.yaml": BASE.replace('  limits: {cpu: "1", memory: 2Gi}\n', ""), "defaults.yaml": "resources:\n  limits:\n    cpu: \"1\"\n    memory: 512Mi\n"},
}

EXPECTED: dict[str, list[str]] = {
    'unknown_top_field': [
        'agents/bot.yaml:21: maxReplica: unknown field `maxReplica`; did you mean `maxReplicas`?',
    ],
    'typo_nested': [
        'agents/bot.yaml:15: scaling.maxReplica: unknown field `maxReplica`; did you mean `maxReplicas`?',
    ],
    'bad_name': [
        "agents/bot.yaml:1: name: must be a DNS-1123 label of at most 40 characters: lowercase letters, digits and '-', starting and ending with a letter or digit (it becomes Kubernetes names)",
    ],
    'long_name': [
        "agents/bot.yaml:1: name: must be a DNS-1123 label of at most 40 characters: lowercase letters, digits and '-', starting and ending with a letter or digit (it becomes Kubernetes names)",
    ],
    'bad_owner': [
        "agents/bot.yaml:2: owner: must be the owning Supabase user's id, a UUID such as 7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21",
    ],
    'missing_model': [
        'agents/bot.yaml:1: model: required field is missing: the model the agent talks to, e.g. `model: {provider: openai, name: gpt-4o-mini}`',
    ],
    'model_not_mapping': [
        'agents/bot.yaml:8: model: must be a mapping of keys to values (YAML `key: value`, a JSON object)',
    ],
    'unknown_provider': [
        "agents/bot.yaml:9: model.provider: Input should be 'openai', 'anthropic', 'openrouter', 'groq', 'google' or 'ollama'",
    ],
    'no_character': [
        'agents/bot.yaml:1: give the agent a `character:` (inline) or a `characterFile:` (path to an elizaOS JSON)',
    ],
    'both_character': [
        'agents/bot.yaml:21: characterFile: give either `character:` or `characterFile:`, not both',
    ],
    'character_missing_file': [
        'agents/bot.yaml:3: characterFile: file agents/missing.json does not exist (paths are relative to the agent file)',
    ],
    'character_file_is_a_directory': [
        'agents/bot.yaml:3: characterFile: file agents/characters is a directory, not a character JSON file (paths are relative to the agent file)',
    ],
    'character_bad_json': [
        "agents/c.json:4: invalid JSON in characterFile of agents/bot.yaml: Expecting ',' delimiter (column 3)",
    ],
    'character_file_secret': [
        'agents/c.json:1: settings.secrets.OPENAI_API_KEY: a secret value in the character would be stored in its ConfigMap: remove it and declare it in the agent file as `secrets: {OPENAI_API_KEY: {config: <key>}}` (value not shown)',
    ],
    'character_file_no_bio': [
        'agents/c.json:1: bio: required field is missing',
    ],
    'character_inline_secrets': [
        'agents/bot.yaml:6: character.secrets: `secrets` is not allowed here: secret values never live in agent files: declare the env name under the top-level `secrets:` with `{config: <key>}` or `{secretKeyRef: {name, key}}`',
    ],
    'character_yaml_date': [
        'agents/bot.yaml:6: character.settings: not a JSON value (at launch.at[0]): a date (YAML reads an unquoted date as one): quote it',
    ],
    'character_yaml_nan': [
        'agents/bot.yaml:6: character.settings: nan is not a JSON number (at temperature): JSON.parse would refuse the character',
    ],
    'character_yaml_bool_key': [
        "agents/bot.yaml:6: character.settings: key True is not a string (at switches): quote it (YAML reads yes/no/on/off and numbers as such)",
    ],
    'too_deep_yaml': [
        'agents/bot.yaml:1: nested too deeply to read (hundreds of levels): no agent file or character needs that',
    ],
    'too_deep_character_file': [
        'agents/c.json:1: nested too deeply to read (hundreds of levels): no agent file or character needs that',
    ],
    'character_example_yaml_date': [
        'agents/bot.yaml:6: character.messageExamples: not a JSON value (at [0][0].content.sent): a date (YAML reads an unquoted date as one): quote it',
    ],
    'unpinned_plugin': [
        "agents/bot.yaml:22: plugins[0]: must be an npm package pinned to an exact version, e.g. '@elizaos/plugin-discord@1.3.8' (ranges and tags such as ^1.3, latest float and are refused)",
    ],
    'floating_plugin': [
        "agents/bot.yaml:22: plugins[0]: must be an npm package pinned to an exact version, e.g. '@elizaos/plugin-discord@1.3.8' (ranges and tags such as ^1.3, latest float and are refused)",
    ],
    'dup_plugin': [
        'agents/bot.yaml:23: plugins[1]: @acme/plugin-x is listed twice (also plugins[0]); keep one version',
    ],
    'unknown_platform': [
        "agents/bot.yaml:8: platforms.slack: Input should be 'discord', 'telegram', 'twitter' or 'web'",
    ],
    'bad_mode': [
        "agents/bot.yaml:7: platforms.telegram.mode: telegram has no mode 'longpoll'; choose one of: polling",
    ],
    'missing_platform_secret': [
        'agents/bot.yaml:7: platforms.telegram: platform telegram needs secret(s) TELEGRAM_BOT_TOKEN; add under `secrets:` TELEGRAM_BOT_TOKEN: {config: <key>} and set them with `pulumi config set --secret <key>`',
    ],
    'missing_model_secret': [
        'agents/bot.yaml:9: model.provider: model provider openai needs secret(s) OPENAI_API_KEY; add under `secrets:` OPENAI_API_KEY: {config: <key>} and set them with `pulumi config set --secret <key>`',
    ],
    'polling_scaled': [
        'agents/bot.yaml:15: scaling.maxReplicas: telegram in polling mode allows one replica per bot identity (Telegram answers 409 Conflict to a second long-polling client of the same token); set scaling.maxReplicas: 1',
    ],
    'discord_scaled': [
        'agents/bot.yaml:15: scaling.maxReplicas: discord in gateway mode allows one replica per bot identity (a second Discord gateway session without sharding handles every message twice); set scaling.maxReplicas: 1',
    ],
    'max_below_min': [
        'agents/bot.yaml:15: scaling.maxReplicas: maxReplicas (1) is below minReplicas (3)',
    ],
    'autoscale_no_target': [
        'agents/bot.yaml:13: scaling: autoscaling (maxReplicas > minReplicas) needs targetCPU or targetMemory',
    ],
    'zero_replicas': [
        'agents/bot.yaml:14: scaling.minReplicas: Input should be greater than or equal to 1',
    ],
    'target_over_100': [
        'agents/bot.yaml:16: scaling.targetCPU: Input should be less than or equal to 100',
    ],
    'memory_limit_low': [
        'agents/bot.yaml:11: resources.requests.memory: 128Mi is below the 268 MB the lightest elizaOS 1.7 agent uses steadily (measured); the scheduler would overpack nodes; set at least 256Mi',
        'agents/bot.yaml:12: resources.limits.memory: 512Mi is below the 1Gi an elizaOS 1.7 agent needs (up to 676 MB RSS at boot, measured; a lower limit OOM-kills it in a restart loop); set at least 1Gi',
    ],
    'memory_request_low': [
        'agents/bot.yaml:11: resources.requests.memory: 128Mi is below the 268 MB the lightest elizaOS 1.7 agent uses steadily (measured); the scheduler would overpack nodes; set at least 256Mi',
    ],
    'bad_quantity': [
        "agents/bot.yaml:12: resources.limits.cpu: 'one' is not a Kubernetes quantity (examples: 500m, 2, 512Mi, 2Gi)",
    ],
    'request_above_limit': [
        'agents/bot.yaml:11: resources.requests.cpu: request (1500m) is above the limit (1)',
    ],
    'missing_limits': [
        'agents/bot.yaml:10: resources.limits.cpu: required: set resources.limits.cpu here or in agents/defaults.yaml',
        'agents/bot.yaml:10: resources.limits.memory: required: set resources.limits.memory here or in agents/defaults.yaml',
    ],
    'env_token': [
        'agents/bot.yaml:22: env.DISCORD_API_TOKEN: DISCORD_API_TOKEN looks like a credential; env holds plain settings only: move it to `secrets: {DISCORD_API_TOKEN: {config: <key>}}` (value not shown)',
    ],
    'env_password': [
        'agents/bot.yaml:22: env.DB_PASSWORD: DB_PASSWORD looks like a credential; env holds plain settings only: move it to `secrets: {DB_PASSWORD: {config: <key>}}` (value not shown)',
    ],
    'env_value_credential': [
        'agents/bot.yaml:22: env.UPSTREAM: the value looks like a URL with a password; move it to `secrets:` (value not shown)',
    ],
    'env_reserved': [
        'agents/bot.yaml:22: env.SERVER_PORT: SERVER_PORT is set by agent-launchpad itself and cannot be overridden',
    ],
    'env_inert': [
        'agents/bot.yaml:22: env.POSTGRES_POOL_MAX: POSTGRES_POOL_MAX does nothing in this runtime (plugin-sql 1.7.2 hard-codes its pool (max 20, min 2); POSTGRES_POOL_MAX arrived after 1.7.2): remove it',
    ],
    'env_model_fallback': [
        "agents/bot.yaml:22: env.SMALL_MODEL: SMALL_MODEL is set from the agent's `model:` and `platforms:` settings; set it there",
    ],
    'env_bad_name': [
        "agents/bot.yaml:22: env.1BAD: must be an environment variable name: letters, digits and '_', not starting with a digit",
    ],
    'env_and_secret': [
        'agents/bot.yaml:23: env.POSTGRES_URL: POSTGRES_URL is also under `secrets:`; keep one',
    ],
    'secret_both_sources': [
        'agents/bot.yaml:18: secrets.OPENAI_API_KEY: give exactly one of `config: <pulumi config key>` or `secretKeyRef: {name, key}`',
    ],
    'secret_plain_value': [
        'agents/bot.yaml:18: secrets.OPENAI_API_KEY: secret values never live in agent files: give `{config: <pulumi config key>}` or `{secretKeyRef: {name, key}}` (value not shown)',
    ],
    'image_latest': [
        'agents/bot.yaml:20: image.ref: must be pinned: a tag other than `latest`, or a digest (@sha256:...)',
    ],
    'image_untagged': [
        'agents/bot.yaml:20: image.ref: must be pinned: a tag other than `latest`, or a digest (@sha256:...)',
    ],
    'image_both': [
        'agents/bot.yaml:19: image: give exactly one of `ref: <pinned image>` or `build: {...}`',
    ],
    'image_build_no_registry': [
        'agents/bot.yaml:20: image.build: building an image needs `registry:` (where to push it) in agents/defaults.yaml',
    ],
    'reserved_label': [
        'agents/bot.yaml:22: labels.app.kubernetes.io/name: app.kubernetes.io/name is reserved: agent-launchpad sets app.kubernetes.io/* and launchpad.dev/*',
    ],
    'bad_label_value': [
        "agents/bot.yaml:22: labels.team: must be a Kubernetes label value: at most 63 letters, digits, '-', '_' or '.'",
    ],
    'duplicate_key': [
        'agents/bot.yaml:21: name: duplicate key (first defined on line 1)',
    ],
    'invalid_yaml': [
        "agents/bot.yaml:6: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence on line 5)",
    ],
    'not_mapping': [
        'agents/bot.yaml:1: top level must be a mapping of fields',
    ],
    'empty': [
        'agents/bot.yaml:1: file is empty; an agent file is a YAML mapping',
    ],
    'duplicate_names': [
        "agents/b.yaml:1: name: agent name 'bot' is already used by agents/a.yaml:1; agent names must be unique across the fleet",
    ],
    'defaults_unknown': [
        'agents/defaults.yaml:1: resource: unknown field `resource`; did you mean `resources`?',
    ],
    'defaults_low_memory': [
        'agents/bot.yaml:11: resources.requests.memory: request (1792Mi) is above the limit (512Mi)',
        'agents/defaults.yaml:4: resources.limits.memory: 512Mi is below the 1Gi an elizaOS 1.7 agent needs (up to 676 MB RSS at boot, measured; a lower limit OOM-kills it in a restart loop); set at least 1Gi',
    ],
}
# fmt: on


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_is_reported_with_file_line_field(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_fleet(tmp_path, CASES[case])
    with pytest.raises(FleetError) as caught:
        load_fleet([Path("agents")])
    assert [str(p) for p in caught.value.problems] == EXPECTED[case]


def test_there_are_at_least_thirty_distinct_bad_inputs() -> None:
    assert len(CASES) >= 30
    assert set(CASES) == set(EXPECTED)


def test_every_problem_of_the_fleet_is_reported_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_fleet(
        tmp_path,
        {
            "a.yaml": BASE.replace("eliza:1.7.2", "eliza:latest"),
            "b.yaml": BASE.replace("name: bot", "name: other").replace("memory: 2Gi}", "memory: 512Mi}"),
            "c.yaml": BASE.replace("name: bot", "name: third") + "env:\n  API_TOKEN: x\n",
        },
    )
    with pytest.raises(FleetError) as caught:
        load_fleet([Path("agents")])
    assert [(p.file, p.field) for p in caught.value.problems] == [
        ("agents/a.yaml", "image.ref"),
        ("agents/b.yaml", "resources.requests.memory"),  # 1792Mi request now above the 512Mi limit
        ("agents/b.yaml", "resources.limits.memory"),
        ("agents/c.yaml", "env.API_TOKEN"),
    ]


def test_a_problem_of_the_defaults_file_is_reported_once_however_many_agents_inherit_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    files = {"defaults.yaml": "resources:\n  limits: {memory: 512Mi}\n"}
    for n in range(5):  # every agent takes its memory limit from the defaults file
        agent = BASE.replace("name: bot", f"name: b{n}").replace('{cpu: "1", memory: 2Gi}', '{cpu: "1"}')
        files[f"b{n}.yaml"] = agent.replace("memory: 1792Mi", "memory: 256Mi")
    write_fleet(tmp_path, files)
    with pytest.raises(FleetError) as caught:
        load_fleet([Path("agents")])
    assert [str(p) for p in caught.value.problems] == [
        "agents/defaults.yaml:2: resources.limits.memory: 512Mi is below the 1Gi an elizaOS 1.7 agent needs (up to 676 MB "
        "RSS at boot, measured; a lower limit OOM-kills it in a restart loop); set at least 1Gi",
    ]


def test_messages_never_echo_a_secret_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    token = "sk-abcdefghijklmnopqrstuvwxyz0123456789"
    # A shape error stops the domain rules of its file, so each leak path gets a file of its own.
    write_fleet(
        tmp_path,
        {
            "a.yaml": BASE.replace("{config: openaiKey}", token),
            "b.yaml": BASE.replace("name: bot", "name: b") + f"env:\n  UPSTREAM_KEY: {token}\n",
            "c.yaml": BASE.replace("name: bot", "name: c") + f"env:\n  X: {token}\n",
        },
    )
    with pytest.raises(FleetError) as caught:
        load_fleet([Path("agents")])
    assert [p.field for p in caught.value.problems] == ["secrets.OPENAI_API_KEY", "env.UPSTREAM_KEY", "env.X"]
    assert token not in caught.value.render()
