"""The dashboard inside the control plane's image (launchpad/images/control_plane.py): built in a Node stage of
its own from the committed lockfile with the same two steps as scripts/dashboard-build.sh, only its output
copied into the Python image (which runs no Node), and a checkout's own build neither copied nor part of the
image's tag. The stage's commands, run here on a copy of the sources, build byte for byte the files the
script builds: the image serves what the tests tested."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from launchpad.images.control_plane import DASHBOARD_DIR, NODE_IMAGE, ControlPlaneBuild, context_files
from tests.dashboard.build import ROOT, built


def _stage(dockerfile: str) -> list[str]:
    lines = dockerfile.splitlines()
    start = lines.index(f"FROM {NODE_IMAGE} AS dashboard")
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("FROM "))
    return [line for line in lines[start + 1:end] if line.strip()]


def test_the_image_builds_the_dashboard_in_a_stage_of_its_own() -> None:
    dockerfile = ControlPlaneBuild.of(ROOT, "registry.launchpad.internal:5000/control").dockerfile()
    assert _stage(dockerfile) == [
        "WORKDIR /src",
        f"COPY {DASHBOARD_DIR}/package.json {DASHBOARD_DIR}/package-lock.json ./",
        "RUN npm ci --no-audit --no-fund --ignore-scripts",
        f"COPY {DASHBOARD_DIR}/tsconfig.json {DASHBOARD_DIR}/build.mjs ./",
        f"COPY {DASHBOARD_DIR}/src ./src",
        "RUN node_modules/.bin/tsc --noEmit -p . && node build.mjs dist",
    ]
    assert f"COPY --from=dashboard --chown=root:root /src/dist /app/{DASHBOARD_DIR}/dist" in dockerfile
    assert dockerfile.index("AS dashboard") < dockerfile.index("FROM python:")  # Node stays in its stage


def test_a_checkouts_build_is_not_part_of_the_image(tmp_path: Path) -> None:
    built()
    files = context_files(ROOT)
    assert not [f for f in files if f.startswith(f"{DASHBOARD_DIR}/dist") or "/node_modules/" in f]
    assert f"{DASHBOARD_DIR}/package-lock.json" in files and f"{DASHBOARD_DIR}/src/main.tsx" in files
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {f"{DASHBOARD_DIR}/dist", "**/node_modules"} <= set(ignored)


def test_the_stages_commands_build_what_the_script_builds(tmp_path: Path) -> None:
    expected = json.loads((built() / "manifest.json").read_text())
    source = ROOT / DASHBOARD_DIR
    for name in ("package.json", "package-lock.json", "tsconfig.json", "build.mjs"):
        shutil.copy2(source / name, tmp_path / name)
    shutil.copytree(source / "src", tmp_path / "src")
    for command in (["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                    ["node_modules/.bin/tsc", "--noEmit", "-p", "."], ["node", "build.mjs", "dist"]):
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
    assert json.loads((tmp_path / "dist" / "manifest.json").read_text()) == expected
