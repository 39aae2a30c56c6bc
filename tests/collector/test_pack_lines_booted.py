"""What a real multi-character elizaOS 1.7.2 server logs, attributed as the collector attributes it: a pack of two
clones of an example agent booted by the boot harness (its pod's init container, env and args), each line of its
output parsed (logs/eliza.py) and given to the member it names or to the pack (logs/packs.py), with the pack's
real Deployment annotations. Each member's own runtime lines reach it; no line naming one member goes to the other."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from launchpad.fleet import load_fleet
from launchpad.runtime.pack_boot import clones_pack, fake_secret, pack_boot
from launchpad.runtime.sandbox import can_sandbox
from launchpad.workloads.pack_objects import pack_manifests
from launchpad.workloads.pack_pod import pack_secret_keys
from services.collector.logs import eliza
from services.collector.logs.packs import attribute
from services.collector.status.fleet_state import pack_info
from tests.runtime.tools import require_tools

ROOT = Path(__file__).resolve().parents[2]


def test_a_booted_packs_lines_reach_the_member_they_name() -> None:
    require_tools("npm", "node")
    why = can_sandbox()
    if why is not None:
        pytest.fail(why) if os.environ.get("CI") == "true" else pytest.skip(why)
    agent = next(a for a in load_fleet([ROOT / "agents"]).agents if a.name == "crypto-trading-bot")  # PGlite
    pack = clones_pack(agent, 2)
    secrets = {a.name: {env: fake_secret(env, a.name) for env in a.spec.secrets if env != "POSTGRES_URL"}
               for a in pack.agents}  # fmt: skip
    info = pack_info(pack_manifests(pack, dict.fromkeys(pack_secret_keys(pack), "x")).deployment)
    with pack_boot(pack, secrets, {}) as running:
        running.wait_ready(timeout=420)
        output = running.log.read_text(errors="replace").splitlines()
    by_member: dict[str | None, list[str]] = {}
    for line in output:
        if not line.strip():
            continue
        _, message, context = eliza.parse(line, "stdout")
        by_member.setdefault(attribute(context, info), []).append(message)
    names = {a.name: str(a.character["name"]) for a in pack.agents}
    counts = {k or "(the pack)": len(v) for k, v in by_member.items()}
    print(f"lines of a booted pack of 2 by who they are attributed to: {counts}")
    for member, character in names.items():
        assert by_member.get(member), f"no line of {character} ({member}) was attributed to it: {counts}"
        # a server-level line that only carries the agent's id (elizaOS' stringToUuid of its character's name)
        assert "Successfully registered agent with core services" in by_member[member], by_member[member]
        others = [c for m, c in names.items() if m != member]
        # a line attributed to one member is never about the other by name
        assert not [m for m in by_member[member] for other in others if other in m], member
