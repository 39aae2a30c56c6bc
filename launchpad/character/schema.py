"""The elizaOS character as the pinned runtime reads it: a pydantic mirror of `characterSchema` in
`@elizaos/core` 1.7.2 (`src/schemas/character.ts`, a zod schema; `validateCharacter` is its safeParse).

What zod does and these models copy, key by key:
- the character object is `.strict()`: an unknown key (a v0 `lore`, a typo) refuses the whole file;
- an example message (`{name, content}`) strips unknown keys, so `{user, name, content}` passes, `{user,
  content}` does not (`name` is required);
- `content` keeps any extra key (`.catchall`), attachments are loose objects, `style` and knowledge objects
  strip unknown keys;
- `.optional()` means "may be absent", never null: `"username": null` is refused;
- strings, numbers and booleans are never coerced (`"3"` is not a number, `1` is not a string);
- everything is a JSON value, however deep (free-form settings and extra keys included): an inline character
  comes from YAML, which also has dates, binary and `.nan`/`.inf`; `json.dumps` would fail on the first two and
  write `NaN` for the others, which `JSON.parse` refuses, so the runtime could not read its ConfigMap.
tests/runtime/test_character_agreement.py runs the real validator over a corpus and every example's rendered
character and asserts these models give the same verdict, file by file."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
)
from pydantic.alias_generators import to_camel

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
# zod's z.number(): any finite JSON number, never a boolean.
Number = StrictInt | StrictFloat
ChannelType = ("SELF", "DM", "GROUP", "VOICE_DM", "VOICE_GROUP", "FEED", "THREAD", "WORLD", "FORUM", "API")
ContentType = ("image", "video", "audio", "document", "link")


class _Zod(BaseModel):
    """Keys by their JSON (camelCase) name only, no coercion, null never stands for "absent"."""

    model_config = ConfigDict(
        strict=True, frozen=True, alias_generator=to_camel, populate_by_name=False, allow_inf_nan=False
    )

    @field_validator("*", mode="before")
    @classmethod
    def _json_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("must not be null: leave the key out instead")
        not_json = _not_json(value)
        if not_json is not None:
            raise ValueError(not_json)
        return value


def _not_json(value: Any) -> str | None:
    """What in `value` has no JSON form (YAML gives dates, binary, `.nan`, `.inf`), or None."""
    pending: list[tuple[str, Any]] = [("", value)]
    while pending:
        where, item = pending.pop()
        at = f" (at {where.lstrip('.')})" if where else ""
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, str):
                    return f"key {key!r} is not a string{at}: quote it (YAML reads yes/no/on/off and numbers as such)"
            pending += [(f"{where}.{k}", v) for k, v in item.items()]
        elif isinstance(item, list):
            pending += [(f"{where}[{i}]", v) for i, v in enumerate(item)]
        elif isinstance(item, float) and not math.isfinite(item):
            return f"{item} is not a JSON number{at}: JSON.parse would refuse the character"
        elif not isinstance(item, str | int | float | bool) and item is not None:
            kind = (
                "a date (YAML reads an unquoted date as one): quote it"
                if isinstance(item, date)
                else type(item).__name__
            )
            return f"not a JSON value{at}: {kind}"
    return None


class Media(_Zod, extra="allow"):
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)
    id: StrictStr
    url: StrictStr
    title: StrictStr | None = None
    source: StrictStr | None = None
    description: StrictStr | None = None
    text: StrictStr | None = None
    content_type: StrictStr | None = Field(None, pattern=f"^({'|'.join(ContentType)})$")


class Content(_Zod, extra="allow"):
    __pydantic_extra__: dict[str, JsonValue] = Field(init=False)
    text: StrictStr | None = None
    thought: StrictStr | None = None
    actions: list[StrictStr] | None = None
    providers: list[StrictStr] | None = None
    source: StrictStr | None = None
    target: StrictStr | None = None
    url: StrictStr | None = None
    in_reply_to: StrictStr | None = Field(None, pattern=UUID_PATTERN)
    attachments: list[Media] | None = None
    channel_type: StrictStr | None = Field(None, pattern=f"^({'|'.join(ChannelType)})$")


class MessageExample(_Zod, extra="ignore"):
    name: StrictStr
    content: Content


class KnowledgePath(_Zod, extra="ignore"):
    path: StrictStr
    shared: StrictBool | None = None


class KnowledgeDirectory(_Zod, extra="ignore"):
    directory: StrictStr
    shared: StrictBool | None = None


class Style(_Zod, extra="ignore"):
    all: list[StrictStr] | None = None
    chat: list[StrictStr] | None = None
    post: list[StrictStr] | None = None


SettingValue = StrictStr | StrictBool | Number | dict[str, JsonValue] | list[JsonValue]
SecretValue = StrictStr | StrictBool | Number


class CharacterFields(_Zod, extra="forbid"):
    """Every key of an elizaOS 1.7.2 character but `plugins` and `secrets`: what an inline `character:` of an
    agent file may hold (plugins and secrets are declared once, at the agent's top level)."""

    id: StrictStr | None = Field(None, pattern=UUID_PATTERN)
    name: StrictStr = Field(min_length=1)
    username: StrictStr | None = None
    system: StrictStr | None = None
    templates: dict[str, StrictStr] | None = None
    bio: StrictStr | list[StrictStr]
    message_examples: list[list[MessageExample]] | None = None
    post_examples: list[StrictStr] | None = None
    topics: list[StrictStr] | None = None
    adjectives: list[StrictStr] | None = None
    knowledge: list[StrictStr | KnowledgePath | KnowledgeDirectory] | None = None
    settings: dict[str, SettingValue] | None = None
    style: Style | None = None


class ElizaCharacter(CharacterFields):
    """The whole elizaOS 1.7.2 character, as a character file holds it."""

    plugins: list[StrictStr] | None = None
    secrets: dict[str, SecretValue] | None = None
