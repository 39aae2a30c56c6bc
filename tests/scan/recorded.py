"""Recorded `trivy image --format json` reports of the agent runtime image (tests/scan/fixtures/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def report(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"eliza-runtime-{name}.json").read_text())
    return data
