"""Recorded `trivy image --format json` reports of the agent runtime image (tests/scan/fixtures/), and a `trivy`
that answers with one of them, for the deploy step's tests: no registry serves an image reference here, so the
real Trivy cannot scan one (its verdicts on files are tests/scan/test_trivy_real.py's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def report(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"eliza-runtime-{name}.json").read_text())
    return data


def recorded_trivy(bin_dir: Path, name: str) -> Path:
    """`bin_dir/trivy`: copies the recorded report to the path after --output, as `trivy image --output FILE`
    would. Returns bin_dir, to put first on PATH."""
    bin_dir.mkdir(exist_ok=True)
    script = bin_dir / "trivy"
    script.write_text(
        '#!/bin/sh\nwhile [ $# -gt 0 ]; do if [ "$1" = --output ]; then out=$2; fi; shift; done\n'
        f'cp {FIXTURES / f"eliza-runtime-{name}.json"} "$out"\n'
    )
    script.chmod(0o755)
    return bin_dir
