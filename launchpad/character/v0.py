"""elizaOS v0 (0.x) character files, converted to what 1.7 reads. core 1.7.2's schema is strict, so a v0 key
makes `elizaos start` exit 1 ("Character validation failed ... Unrecognized keys"). What converts, and how:

- `lore` (v0 background facts) -> appended to `bio`, which 1.7 puts in the same prompt section;
- example messages `{user, content}` -> `{name, content}`, and `content.action` -> `content.actions: [...]`;
- `clients` -> the agent file's `platforms:` (checked: each client must be declared there), then dropped;
- `modelProvider` -> the agent file's `model.provider` (checked: they must agree), then dropped;
- an empty `settings.secrets` (v0 templates ship `{}`) -> dropped.
Other v0-only keys have no 1.7 meaning: the file is refused with what to do instead."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from launchpad.source.yaml_source import Loc

# v0 client names -> platforms here. `direct` was v0's REST client: 1.7's server API is always on.
CLIENT_PLATFORMS = {"discord": "discord", "telegram": "telegram", "twitter": "twitter", "direct": "web"}
CONVERTED_KEYS = ("lore", "clients", "modelProvider")
# v0-only keys with no 1.7 equivalent, and what to do instead.
REFUSED_KEYS = {
    "people": "remove it (1.7 has no list of known people)",
    "clientConfig": "remove it and set the plugin's own env instead, e.g. `env: {DISCORD_SHOULD_IGNORE_BOT_MESSAGES: "
    "true}`",
    "twitterProfile": "remove it: the Twitter account is the one of the agent's TWITTER_* secrets",
    "imageModelProvider": "remove it: the model provider is the agent file's `model.provider`",
    "imageVisionModelProvider": "remove it: the model provider is the agent file's `model.provider`",
    "modelEndpointOverride": "remove it: a provider's endpoint is its plugin's env, e.g. OLLAMA_API_ENDPOINT",
    "nft": "remove it (no 1.7 equivalent)",
    "extends": "remove it: 1.7 characters do not inherit; copy what the parent held",
    "email": "remove it (no 1.7 equivalent)",
    "twitterSpaces": "remove it (no 1.7 equivalent)",
}


@dataclass
class Conversion:
    character: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what was converted, for `validate` to say
    problems: list[tuple[Loc, str]] = field(default_factory=list)  # (where in the file, message)


def _v0_examples(character: dict[str, Any]) -> list[tuple[int, int]]:
    """(conversation, message) indices of example messages in the v0 shape `{user, content}`."""
    found = []
    examples = character.get("messageExamples")
    for i, conversation in enumerate(examples if isinstance(examples, list) else []):
        for j, message in enumerate(conversation if isinstance(conversation, list) else []):
            if isinstance(message, dict) and "user" in message and "name" not in message:
                found.append((i, j))
    return found


def is_v0(character: dict[str, Any]) -> bool:
    return any(k in character for k in (*CONVERTED_KEYS, *REFUSED_KEYS)) or bool(_v0_examples(character))


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def convert(character: dict[str, Any], platforms: set[str] | None, provider: str | None) -> Conversion:
    """The 1.7 form of a v0 `character`. `platforms` and `provider` are the agent file's, to check `clients`
    and `modelProvider` against (None: no agent, as in `convert-character`: the notes say what to declare)."""
    out = Conversion(copy.deepcopy(character))
    data = out.character
    for key, fix in REFUSED_KEYS.items():
        if key in data:
            out.problems.append(((key,), f"`{key}` is elizaOS v0 and 1.7.2 refuses it: {fix}"))
    if "lore" in data:
        lore, bio = _strings(data["lore"]), _strings(data.get("bio", []))
        if lore is None or bio is None:
            out.problems.append((("lore",), "`lore` (elizaOS v0) must be a list of strings to be merged into `bio`"))
        else:
            data["bio"] = bio + lore
            del data["lore"]
            out.notes.append(f"lore ({len(lore)} item{'s' if len(lore) != 1 else ''}) appended to bio")
    converted = _v0_examples(data)
    actions = 0
    for i, j in converted:
        message = {("name" if k == "user" else k): v for k, v in data["messageExamples"][i][j].items()}
        content = message.get("content")
        if isinstance(content, dict) and isinstance(content.get("action"), str) and "actions" not in content:
            message["content"] = {("actions" if k == "action" else k): ([v] if k == "action" else v)
                                  for k, v in content.items()}  # fmt: skip
            actions += 1
        data["messageExamples"][i][j] = message
    if converted:
        out.notes.append(f"messageExamples: `user` -> `name` in {len(converted)} message(s)")
    if actions:
        out.notes.append(f"messageExamples: `content.action` -> `content.actions` in {actions} message(s)")
    _clients(data, platforms, out)
    _model_provider(data, provider, out)
    settings = data.get("settings")
    if isinstance(settings, dict) and settings.get("secrets") == {}:
        del settings["secrets"]
        if not settings:
            del data["settings"]
        out.notes.append("empty settings.secrets dropped")
    return out


def _clients(data: dict[str, Any], platforms: set[str] | None, out: Conversion) -> None:
    if "clients" not in data:
        return
    clients = _strings(data["clients"])
    if clients is None:
        out.problems.append((("clients",), "`clients` (elizaOS v0) must be a list of client names"))
        return
    wanted: list[str] = []
    for index, client in enumerate(clients):
        platform = CLIENT_PLATFORMS.get(client.lower())
        if platform is None:
            supported = ", ".join(sorted(CLIENT_PLATFORMS))
            out.problems.append((("clients", index), f"v0 client {client!r} has no platform here ({supported})"))
        elif platform != "web" and platforms is not None and platform not in platforms:
            declare = f"declare it in the agent file as `platforms: {{{platform}: {{}}}}`"
            out.problems.append((("clients", index), f"v0 client {client!r}: {declare}"))
        else:
            wanted.append(platform)
    del data["clients"]
    out.notes.append(f"clients [{', '.join(clients)}] -> platforms [{', '.join(wanted)}] of the agent file")


def _model_provider(data: dict[str, Any], provider: str | None, out: Conversion) -> None:
    if "modelProvider" not in data:
        return
    value = data.pop("modelProvider")
    if not isinstance(value, str):
        out.problems.append((("modelProvider",), "`modelProvider` (elizaOS v0) must be a provider name"))
    elif provider is not None and value.lower() != provider:
        differs = f"v0 modelProvider {value!r} differs from the agent file's `model.provider: {provider}`"
        out.problems.append((("modelProvider",), f"{differs}; make them agree (the agent file decides the plugin)"))
    else:
        out.notes.append(f"modelProvider {value!r} -> the agent file's model.provider")
