"""Every agent setting does what it says, or is refused with FILE:LINE and the fix (issue: settings that do
nothing, fake scaling paths). Inputs are small variations of fleet_files.BASE."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchpad.fleet import FleetError, load_fleet
from tests.fleet.fleet_files import BASE, write_fleet

PG = "  POSTGRES_URL: {secretKeyRef: {name: pg, key: url}}\n"
NO_TELEGRAM = BASE.replace("  telegram: {mode: polling}\n", "").replace("  TELEGRAM_BOT_TOKEN: {config: tgToken}\n", "")

# fmt: off
CASES: dict[str, tuple[str, list[str]]] = {
    "telegram_webhook": (BASE.replace("{mode: polling}", "{mode: webhook}"), [
        "agents/bot.yaml:7: platforms.telegram.mode: telegram has no mode 'webhook' (plugin-telegram 1.6.4 only long-polls (bot.launch(); it has no webhook code)); choose one of: polling",
    ]),
    "twitter_unknown_mode": (NO_TELEGRAM.replace("platforms:\n", "platforms:\n  twitter: {mode: tweet}\n").replace("secrets:\n", "secrets:\n  TWITTER_API_KEY: {config: a}\n  TWITTER_API_SECRET_KEY: {config: b}\n  TWITTER_ACCESS_TOKEN: {config: c}\n  TWITTER_ACCESS_TOKEN_SECRET: {config: d}\n"), [
        "agents/bot.yaml:7: platforms.twitter.mode: twitter has no mode 'tweet'; choose one of: replies, post, post-only",
    ]),
    "web_scaled_without_shared_database": (NO_TELEGRAM.replace("platforms:\n", "platforms:\n  web: {}\n").replace("  maxReplicas: 1", "  maxReplicas: 3\n  targetCPU: 70"), [
        "agents/bot.yaml:15: scaling.maxReplicas: more than one replica needs a shared database: each pod would keep its own PGlite and its own in-process message bus (elizaOS server 1.7.2), so replicas would not see each other's state; add `secrets: {POSTGRES_URL: {config: <key>}}` (the Service keeps each client on one pod)",
    ]),
    "ollama_without_endpoint": (BASE.replace("provider: openai", "provider: ollama").replace("  OPENAI_API_KEY: {config: openaiKey}\n", ""), [
        "agents/bot.yaml:9: model.provider: plugin-ollama needs its server's URL (OLLAMA_API_ENDPOINT; its default http://localhost:11434/api points inside the agent's pod): set model.endpoint, e.g. http://ollama.models.svc:11434/api",
    ]),
    "endpoint_for_openai": (BASE.replace("  provider: openai\n", "  provider: openai\n  endpoint: http://x:1/api\n"), [
        "agents/bot.yaml:10: model.endpoint: model.endpoint is ollama's server URL; openai does not read it",
    ]),
    "endpoint_with_password": (BASE.replace("provider: openai", "provider: ollama\n  endpoint: http://u:pw@ollama:11434/api").replace("  OPENAI_API_KEY: {config: openaiKey}\n", ""), [
        "agents/bot.yaml:10: model.endpoint: must be an http(s) URL without credentials, e.g. http://ollama.models.svc:11434/api",
    ]),
    "embeddings_without_embeddings": (BASE.replace("  provider: openai\n", "  provider: openai\n  embeddings: anthropic\n").replace("secrets:\n", "secrets:\n  ANTHROPIC_API_KEY: {config: k}\n"), [
        "agents/bot.yaml:10: model.embeddings: anthropic has no embedding model; choose one of: openai, openrouter, google, ollama",
    ]),
    "knowledge_without_embeddings": (BASE.replace("provider: openai", "provider: anthropic").replace("OPENAI_API_KEY: {config: openaiKey}", "ANTHROPIC_API_KEY: {config: k}").replace("  bio: A test bot.\n", "  bio: A test bot.\n  knowledge: [Opening hours are 9-5.]\n"), [
        "agents/bot.yaml:6: character.knowledge: knowledge is embedded by plugin-knowledge with a TEXT_EMBEDDING model, and anthropic has none: set `model.embeddings:` to openai, openrouter, google or ollama (and its secret)",
    ]),
    "embeddings_provider_needs_its_secret": (BASE.replace("provider: openai", "provider: anthropic\n  embeddings: openai").replace("OPENAI_API_KEY: {config: openaiKey}", "ANTHROPIC_API_KEY: {config: k}"), [
        "agents/bot.yaml:10: model.embeddings: embeddings provider openai needs secret(s) OPENAI_API_KEY; add under `secrets:` OPENAI_API_KEY: {config: <key>} and set them with `pulumi config set --secret <key>`",
    ]),
    "model_env_set_by_hand": (BASE + "env:\n  OPENAI_SMALL_MODEL: gpt-4o\n  TWITTER_ENABLE_POST: true\n", [
        "agents/bot.yaml:22: env.OPENAI_SMALL_MODEL: OPENAI_SMALL_MODEL is set from the agent's `model:` and `platforms:` settings; set it there",
        "agents/bot.yaml:23: env.TWITTER_ENABLE_POST: TWITTER_ENABLE_POST is set from the agent's `model:` and `platforms:` settings; set it there",
    ]),
    "auth_token_set_by_hand": (BASE.replace("  OPENAI_API_KEY: {config: openaiKey}\n", "  OPENAI_API_KEY: {config: openaiKey}\n  ELIZA_SERVER_AUTH_TOKEN: {config: t}\n"), [
        "agents/bot.yaml:19: secrets.ELIZA_SERVER_AUTH_TOKEN: ELIZA_SERVER_AUTH_TOKEN is set by agent-launchpad itself and cannot be overridden",
    ]),
    "inline_character_setting_secret": (BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  settings:\n    secrets: {OPENAI_API_KEY: sk-live-abc}\n    discordApiToken: abc\n"), [
        "agents/bot.yaml:7: character.settings.secrets.OPENAI_API_KEY: a secret value in the character would be stored in its ConfigMap: remove it and declare it in the agent file as `secrets: {OPENAI_API_KEY: {config: <key>}}` (value not shown)",
        "agents/bot.yaml:8: character.settings.discordApiToken: `discordApiToken` looks like a credential: remove it from the character and declare it in the agent file as `secrets: {discordApiToken: {config: <key>}}` (value not shown)",
    ]),
    "inline_character_credential_value": (BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  system: 'use sk-abcdefghijklmnopqrstuvwx'\n"), [
        "agents/bot.yaml:6: character.system: the value looks like an OpenAI/Anthropic-style API key: remove it from the character; secrets go under the agent file's `secrets:` (value not shown)",
    ]),
    "inline_character_model_setting": (BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  settings: {model: gpt-4o}\n"), [
        "agents/bot.yaml:6: character.settings.model: `settings.model` does nothing in elizaOS 1.7 (model plugins read <PROVIDER>_SMALL_MODEL and <PROVIDER>_LARGE_MODEL): remove it and set `model: {name: ...}` (or `small`/`large`) in the agent file",
    ]),
    "inline_character_v0_lore": (BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  lore: [old]\n"), [
        "agents/bot.yaml:6: character.lore: `lore` is not allowed here: `lore` is elizaOS v0 and 1.7.2 refuses it: move its entries into `bio`",
    ]),
    "inline_character_wrong_bio": (BASE.replace("  bio: A test bot.\n", "  bio: {text: x}\n"), [
        "agents/bot.yaml:5: character.bio: must be a string or a list of strings",
    ]),
    "inline_character_null": (BASE.replace("  bio: A test bot.\n", "  bio: A test bot.\n  username:\n"), [
        "agents/bot.yaml:6: character.username: must not be null: leave the key out instead",
    ]),
}
# fmt: on


@pytest.mark.parametrize("case", sorted(CASES))
def test_setting_rules(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, expected = CASES[case]
    monkeypatch.chdir(tmp_path)
    write_fleet(tmp_path, {"bot.yaml": text})
    with pytest.raises(FleetError) as caught:
        load_fleet([Path("agents")])
    assert [str(p) for p in caught.value.problems] == expected
