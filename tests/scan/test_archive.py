"""The docker-archive writer on its own (test_trivy_real.py shows Trivy reads what it writes)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from launchpad.scan.archive import Layer, write_image_archive


def _tree(root: Path) -> Path:
    (root / "node_modules" / "express").mkdir(parents=True)
    (root / "node_modules" / "express" / "package.json").write_text('{"name": "express", "version": "5.3.0"}')
    (root / "node_modules" / ".bin").mkdir()
    (root / "node_modules" / ".bin" / "express").symlink_to("../express/package.json")
    return root


def test_layers_are_where_the_manifest_and_config_say(tmp_path: Path) -> None:
    base = tmp_path / "base"
    (base / "etc").mkdir(parents=True)
    (base / "etc" / "debian_version").write_text("12.8\n")
    out = write_image_archive(
        tmp_path / "image.tar", [Layer(base, "/", "base"), Layer(_tree(tmp_path / "app"), "/app", "app")], "x/y:1",
        config={"User": "10001:10001"},
    )  # fmt: skip
    with tarfile.open(out) as tar:
        (manifest,) = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        config = json.load(tar.extractfile(manifest["Config"]))  # type: ignore[arg-type]
        layers = [tar.extractfile(name).read() for name in manifest["Layers"]]  # type: ignore[union-attr]
    assert manifest["RepoTags"] == ["x/y:1"]
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(layer).hexdigest() for layer in layers]
    assert config["config"] == {"User": "10001:10001"} and config["os"] == "linux"
    assert [h["created_by"] for h in config["history"]] == ["base", "app"]
    with tarfile.open(fileobj=io.BytesIO(layers[0])) as base_layer:
        assert base_layer.getnames() == ["etc", "etc/debian_version"]
    with tarfile.open(fileobj=io.BytesIO(layers[1])) as app_layer:
        members = {m.name: m for m in app_layer.getmembers()}
    assert sorted(members) == [
        "app", "app/node_modules", "app/node_modules/.bin", "app/node_modules/.bin/express",
        "app/node_modules/express", "app/node_modules/express/package.json",
    ]  # fmt: skip
    assert members["app/node_modules/.bin/express"].issym()  # kept as the link the install made
    assert {(m.uid, m.gid, m.mtime) for m in members.values()} == {(0, 0, 0)}


def test_the_same_directories_give_the_same_archive(tmp_path: Path) -> None:
    app = _tree(tmp_path / "app")
    first = write_image_archive(tmp_path / "a.tar", [Layer(app, "/app")], "x/y:1").read_bytes()
    second = write_image_archive(tmp_path / "b.tar", [Layer(app, "/app")], "x/y:1").read_bytes()
    assert first == second


def test_a_missing_layer_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"layer source .*/nowhere is not a directory"):
        write_image_archive(tmp_path / "image.tar", [Layer(tmp_path / "nowhere", "/app")], "x/y:1")
    assert not (tmp_path / "image.tar").exists()
