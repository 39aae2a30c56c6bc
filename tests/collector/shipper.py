"""The agents' log shipper (tools/otelcol: the OpenTelemetry Collector built from Go modules) run for a test
on a directory laid out as a kubelet's /var/log/pods, sending to a collector on loopback."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from launchpad.logs.shipper import TOKEN_ENV, shipper_config

ENSURE = Path(__file__).resolve().parents[2] / "tools" / "otelcol" / "ensure.sh"


def otelcol_or_skip() -> str:
    if os.environ.get("LAUNCHPAD_OTELCOL"):
        return os.environ["LAUNCHPAD_OTELCOL"]
    found = subprocess.run(["bash", str(ENSURE), "--no-build"], capture_output=True, text=True, check=False)
    if found.returncode == 0:
        return found.stdout.strip().splitlines()[-1]
    if os.environ.get("CI") == "true":
        pytest.fail("the log shipper is not built; scripts/test.sh builds it with tools/otelcol/ensure.sh")
    pytest.skip("no log shipper: run `bash tools/otelcol/ensure.sh` (Go modules, ~7 min once)")


@contextmanager
def shipper(
    work: Path, pods_dir: Path, endpoint: str, token: str, poll_interval: str = "100ms"
) -> Iterator[subprocess.Popen[bytes]]:
    binary = otelcol_or_skip()
    work.mkdir(parents=True, exist_ok=True)
    config = shipper_config(pods_dir=str(pods_dir), storage_dir=str(work / "state"), endpoint=endpoint, token=True,
                            poll_interval=poll_interval)  # fmt: skip
    (work / "otelcol.yaml").write_text(yaml.safe_dump(config))
    log = (work / "otelcol.log").open("ab")
    process = subprocess.Popen([binary, f"--config=file:{work / 'otelcol.yaml'}"], stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, TOKEN_ENV: token})  # fmt: skip
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
