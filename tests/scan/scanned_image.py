"""What the real-Trivy tests scan, built without Docker: an app directory placed at /app over the minimal
Debian layer (debian_layer.py), as a root filesystem directory (`trivy rootfs`) and as a docker-archive tar
(`trivy image --input`).

The app is either the runtime as issue 11's `ensure_runtime` installs it (tests/scan/test_runtime_contents.py)
or, for the gate's behaviour matrix, `write_excerpt`: the package.json of the five packages the fixture
advisories name, at the versions npm resolved for the elizaOS 1.7.2 runtime here."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from launchpad.images.build import APP_DIR, RUNTIME_UID
from launchpad.scan.archive import Layer, write_image_archive
from tests.scan.debian_layer import write_debian_layer

# `npm install --omit=dev` of the package.json `python -m launchpad render` writes for support-assistant's
# image (@elizaos/cli, core, server, plugin-sql, plugin-bootstrap 1.7.2, ...), 2026-11-24: every one a single
# copy at node_modules/<name>. Direct dependencies of @elizaos/server (express, socket.io, helmet) and of
# @elizaos/core (dotenv, handlebars), so a lockfile keeps them.
RUNTIME_EXCERPT = {
    "express": "5.3.0",
    "socket.io": "4.8.4",
    "dotenv": "17.4.2",
    "handlebars": "4.7.10",
    "helmet": "8.3.0",
}


def write_excerpt(app: Path, packages: dict[str, str] = RUNTIME_EXCERPT) -> Path:
    """An /app holding only those packages' package.json (name and version: all Trivy's Node.js analyzer
    reads to identify a package)."""
    app.mkdir(parents=True, exist_ok=True)
    (app / "package.json").write_text(json.dumps({"name": "eliza-runtime", "private": True, "dependencies": packages}))
    for name, version in packages.items():
        (app / "node_modules" / name).mkdir(parents=True)
        (app / "node_modules" / name / "package.json").write_text(json.dumps({"name": name, "version": version}))
    return app


def packages_in(app: Path) -> set[tuple[str, str, str]]:
    """(name, version, path) of every package.json under app/node_modules, nested copies included, read from
    the tree: what Trivy's Node.js analyzer must report, path relative to the image root (app/...)."""
    found = set()
    for manifest in app.rglob("package.json"):
        rel = manifest.relative_to(app)
        if "node_modules" not in rel.parts:
            continue
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue  # test fixtures inside packages; Trivy skips them too
        if isinstance(data, dict) and data.get("name") and data.get("version"):
            found.add((str(data["name"]), str(data["version"]), f"{APP_DIR.strip('/')}/{rel}"))
    return found


def _link_tree(source: Path, dest: Path) -> None:
    """Hard links where the file system allows (a runtime is ~0.5 GB), copies elsewhere; symlinks kept."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, dest, symlinks=True, copy_function=link)


def rootfs(work: Path, app: Path) -> Path:
    """The Debian layer and `app` at /app as one directory, for `trivy rootfs`."""
    root = write_debian_layer(work / "rootfs")
    _link_tree(app, root / APP_DIR.lstrip("/"))
    return root


def archive(work: Path, app: Path, tag: str) -> Path:
    """The same as a docker-archive tar of two layers, for `trivy image --input`."""
    debian = write_debian_layer(work / "debian")
    return write_image_archive(
        work / "image.tar",
        [
            Layer(debian, "/", "fixture Debian 12 layer (tests/scan/debian_layer.py), standing for the base image"),
            Layer(app, APP_DIR, "COPY node_modules package.json /app/"),
        ],
        tag,
        # What the generated Dockerfile's runtime stage sets (launchpad/images/build.py).
        config={"User": f"{RUNTIME_UID}:{RUNTIME_UID}", "WorkingDir": APP_DIR, "Entrypoint": ["elizaos"]},
    )


@dataclass(frozen=True)
class ScannedImage:
    tag: str
    app: Path  # what lands at /app
    rootfs: Path  # with the Debian layer, as one directory
    archive: Path  # with the Debian layer, as an image tar


def build(work: Path, app: Path, tag: str) -> ScannedImage:
    return ScannedImage(tag, app, rootfs(work, app), archive(work, app, tag))
