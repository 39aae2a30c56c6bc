"""Small fleets written to a temporary directory, for loader tests."""

from __future__ import annotations

from pathlib import Path

# A valid agent. Line numbers matter: the bad-input tests name them.
BASE = """\
name: bot
owner: 7d3c1e52-8a4b-4c1e-9f2a-1b6e5d4c3a21
character:
  name: Bot
  bio: A test bot.
platforms:
  telegram: {mode: polling}
model:
  provider: openai
resources:
  requests: {cpu: 500m, memory: 1792Mi}
  limits: {cpu: "1", memory: 2Gi}
scaling:
  minReplicas: 1
  maxReplicas: 1
secrets:
  TELEGRAM_BOT_TOKEN: {config: tgToken}
  OPENAI_API_KEY: {config: openaiKey}
image:
  ref: ghcr.io/acme/eliza:1.7.2
"""


def write_fleet(root: Path, files: dict[str, str]) -> Path:
    folder = root / "agents"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder
