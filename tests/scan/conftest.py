"""Session fixtures of the scan tests: the Trivy binary, a private cache dir holding the fixture DB, the
runtime excerpt image (scanned_image.py) built once as a directory and as a tar, and what `render` writes
(scanned by checkov and by `trivy config`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.scan import scanned_image
from tests.scan.trivy_live import ROOT, fixture_db, private_copy, trivy_binary

EXCERPT_TAG = "registry.launchpad.internal:5000/agents/eliza-runtime:excerpt"


@pytest.fixture(scope="session")
def trivy() -> str:
    return trivy_binary()


@pytest.fixture(scope="session")
def trivy_cache(trivy: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return private_copy(fixture_db(), tmp_path_factory.mktemp("trivy-cache"))


@pytest.fixture(scope="session")
def excerpt(tmp_path_factory: pytest.TempPathFactory) -> scanned_image.ScannedImage:
    work = tmp_path_factory.mktemp("excerpt-image")
    return scanned_image.build(work, scanned_image.write_excerpt(work / "app"), EXCERPT_TAG)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m launchpad render` of the example fleet: the manifests and Dockerfiles the scanners read."""
    out = tmp_path_factory.mktemp("render")
    subprocess.run([sys.executable, "-m", "launchpad", "render", "--out", str(out)], cwd=ROOT, check=True)
    return out
