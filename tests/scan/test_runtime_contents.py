"""The gate over what runs: every image of the example fleet, its elizaOS runtime exactly as the boot test
installs it (`launchpad.runtime.install.ensure_runtime`, issue 11: the image's /app, cached outside the clone),
placed at /app over the minimal Debian layer and scanned by the real Trivy on the fixture DB, as a root
filesystem, and one image also as an image tar. Versions are read from the installed tree, never assumed.

Without ensure_runtime these tests skip locally and fail in CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launchpad.fleet import load_fleet
from launchpad.images.build import ImageBuild
from launchpad.scan import run_scan
from launchpad.scan.trivy import Target
from tests.scan import scanned_image
from tests.scan.debian_layer import PACKAGES
from tests.scan.trivy_live import missing

# The fixed HIGH/CRITICAL fixture advisories (fixtures/trivy-advisories.json): every installed copy of these
# packages blocks; the MEDIUM (dotenv), the unfixed (handlebars) and helmet >= 1 never do.
BLOCKING_NPM = {"express": ("LAUNCHPAD-FIXTURE-0001", "CRITICAL"), "socket.io": ("LAUNCHPAD-FIXTURE-0002", "HIGH")}
LIBC6 = next(version for name, _, version in PACKAGES if name == "libc6")
LIBC6_ROW = ("libc6", LIBC6, "2.36-9+deb12u6", "CVE-2024-2961", "HIGH")


@pytest.fixture(scope="module")
def runtimes() -> dict[str, tuple[ImageBuild, Path]]:
    """Image tag -> (its build, the installed runtime root), for every distinct image of the example fleet."""
    try:
        from launchpad.runtime.install import ensure_runtime
    except ModuleNotFoundError as error:
        if error.name not in ("launchpad.runtime", "launchpad.runtime.install"):
            raise
        missing("launchpad.runtime.install.ensure_runtime", "issue 11 installs the runtime the boot test runs")
    return {build.tag: (build, ensure_runtime(build)) for _, build in sorted(load_fleet().images().items())}


def expected_rows(app: Path) -> set[tuple[str, str, str, str, str]]:
    rows = {LIBC6_ROW}
    found = scanned_image.packages_in(app)
    for package, (advisory, severity) in BLOCKING_NPM.items():
        versions = {version for name, version, _ in found if name == package}
        assert versions, f"{package} is no longer in the runtime: choose fixture advisories against its packages again"
        rows |= {(package, version, "99.0.0", advisory, severity) for version in versions}
    assert not {v for name, v, _ in found if name == "helmet" and v.startswith("0.")}, "helmet < 1 would match"
    return rows


def _rows(result) -> set[tuple[str, str, str, str, str]]:  # type: ignore[no-untyped-def]
    return {(f.package, f.installed, f.fixed, f.vulnerability_id, f.severity) for f in result.blocking}


def test_every_image_s_runtime_blocks_on_exactly_its_fixed_high_and_critical_packages(
    runtimes: dict[str, tuple[ImageBuild, Path]], trivy: str, trivy_cache: Path, tmp_path: Path
) -> None:
    for tag, (_, app) in runtimes.items():
        root = scanned_image.rootfs(tmp_path / tag, app)
        report = tmp_path / "build" / "scan" / f"{tag}.json"
        result = run_scan(Target("rootfs", str(root)), report, trivy=trivy, cache_dir=trivy_cache)
        assert result is not None and not result.passed
        assert _rows(result) == expected_rows(app), tag


def test_what_is_scanned_is_what_runs(
    runtimes: dict[str, tuple[ImageBuild, Path]], trivy: str, trivy_cache: Path, tmp_path: Path
) -> None:
    # One run of the gate's own command over the image tar (writing it is most of this test's time), with
    # every package listed: Trivy reads every package.json of the installed tree (nested copies too), at the
    # path the image holds it, and the tar gives the gate the same verdict as the directory.
    tag, (build, app) = next(iter(runtimes.items()))
    tar = scanned_image.archive(tmp_path, app, build.ref)
    report = tmp_path / f"{tag}.json"
    result = run_scan(Target("archive", str(tar)), report, trivy=trivy, cache_dir=trivy_cache,
                      extra_args=["--list-all-pkgs"])  # fmt: skip
    assert result is not None and _rows(result) == expected_rows(app)
    results = json.loads(report.read_text())["Results"]
    (node,) = [r for r in results if r["Type"] == "node-pkg"]
    listed = {(p["Name"], p["Version"], p["FilePath"]) for p in node["Packages"]}
    assert scanned_image.packages_in(app) <= listed
    root = json.loads((app / "package.json").read_text())  # the runtime's own package.json, if it is versioned
    assert listed - scanned_image.packages_in(app) <= {(root.get("name"), root.get("version"), "app/package.json")}
    (debian,) = [r for r in results if r["Type"] == "debian"]
    assert {p["Name"] for p in debian["Packages"]} == {name for name, _, _ in PACKAGES}
