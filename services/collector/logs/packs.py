"""Which agent of a pack (several agents in one elizaOS server) a log line is, if it says.

What a line of a multi-character elizaOS 1.7.2 server tells (/work/notes/eliza.md, A2; the pods log JSON):
- `namespace: ["<character name>"]` on every line a runtime logs through its own logger (`runtime.logger`, made
  with the character's name): the agent's own work (its messages, actions, plugins' runtime calls);
- `args[0].agentName` / `args[0].agentId` where a call site passes them (core's `{src, agentId}` convention;
  the id is the character's `id`, else elizaOS' uuid of its name: `string_to_uuid`);
- nothing at all: server-wide lines (HTTP, the message bus, the database, the start banner), plugins' own
  console output, a crash's stack. One process serves every character, so these are the pack's.

Booted (tests/collector/test_pack_lines_booted.py, a pack of two clones of an example agent, 1.7.2): of 109 lines
to ready, 11 per member were its own (plugin init, database adapter, embedding service, "Successfully registered
agent" with only its agentId, its platform login failing), 87 the pack's (HTTP and socket setup, the migrations,
"Started agents", plugin-openai's key check with no agent in it, the start banner).

So a line is its agent's when everything it names (its namespace, every agentName and agentId of its context)
points at one member and at least one thing does; otherwise it is the pack's: naming nobody, naming two agents
(one runtime logging about another), or a name two members' characters share (packing refuses two characters
one server would take for one agent, not two names alike with distinct ids).

A pack's line is shown to the owner of every member only when one user owns them all (service.py): packs are
per tenant, not per owner (launchpad/fleet/packing.py groups by namespace, tier, image, database and server env;
a tenant's agent files may name different owners), and a line that names no agent may still carry another
agent's conversation or error. Across owners it is counted and dropped: never one user's agent's line to
another user."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any
from urllib.parse import quote

from services.collector.status.fleet_state import PackInfo

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def string_to_uuid(text: str) -> str:
    """@elizaos/core 1.7.2 `stringToUuid` (core/dist/node/index.node.js): a UUID as is, else SHA-1 of the
    text as `encodeURIComponent` escapes it, first 16 bytes, variant bits 10, version nibble 0."""
    if _UUID.fullmatch(text):
        return text.lower()
    digest = bytearray(hashlib.sha1(quote(text, safe="-_.!~*'()").encode()).digest()[:16])
    digest[8] = digest[8] & 0x3F | 0x80
    digest[6] = digest[6] & 0x0F
    return str(uuid.UUID(bytes=bytes(digest)))


def _named(context: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(character names, agent ids) a parsed line's context names."""
    names, ids = set(), set()
    if isinstance(context.get("character"), str):
        names.add(context["character"])
    args = context.get("args")
    for arg in args if isinstance(args, list) else []:
        if not isinstance(arg, dict):
            continue
        if isinstance(arg.get("agentName"), str):
            names.add(arg["agentName"])
        if isinstance(arg.get("agentId"), str):
            ids.add(arg["agentId"].lower())
    return names, ids


def attribute(context: dict[str, Any], pack: PackInfo) -> str | None:
    """The member agent a line of the pack's server is, or None: the pack's (module docstring)."""
    names, ids = _named(context)
    if not names and not ids:
        return None
    agents: set[str] = set()
    for agent in pack.members:
        character = pack.characters.get(agent)
        if character is None:
            continue
        ident = (character.id or string_to_uuid(character.name)).lower()
        if character.name in names or ident in ids:
            agents.add(agent)
    known = {c.name for c in pack.characters.values()}
    known_ids = {(c.id or string_to_uuid(c.name)).lower() for c in pack.characters.values()}
    if len(agents) != 1 or not names <= known or not ids <= known_ids:
        return None  # nobody, several, or someone the pack does not know of
    (agent,) = agents
    return agent
