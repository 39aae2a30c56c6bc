"""The loader and the character reader under property-based fuzzing (tests/fuzz/fuzz_loader.py), in a child
process with an address-space limit, for a bounded time: LAUNCHPAD_FUZZ_SECONDS (default 60; CI runs the
default). Its figures (inputs tried, peak RSS, slowest input) are printed into the test log."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1536 * 2**20  # address space of the whole child: the interpreter, pydantic, hypothesis, the inputs
SECONDS = float(os.environ.get("LAUNCHPAD_FUZZ_SECONDS", "60"))


def test_no_input_makes_the_loader_crash_hang_or_blow_up(capsys: pytest.CaptureFixture[str]) -> None:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    done = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.fuzz_loader", "--seconds", str(SECONDS)],
        cwd=ROOT, capture_output=True, text=True, timeout=SECONDS + 300, preexec_fn=limit, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-3000:])  # not a signal (a crash)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        print(
            f"\nfuzz: {figures['inputs']} inputs in {figures['seconds']:.0f} s, peak RSS {figures['max_rss_mb']} MB, "
            f"slowest {figures['slowest_seconds']} s ({figures['slowest_input'][:100]})"
        )
    assert figures["failures"] == []
    assert figures["inputs"] > 100
