"""Write an image as a docker-archive tar (the `docker save` layout) from directories, without a Docker
engine, so `trivy image --input TAR` scans exactly those files as image layers.

The layout go-containerregistry's `tarball` package reads (and so Trivy): `manifest.json` naming the config
file and the layer tars in order; the config JSON whose `rootfs.diff_ids` are the sha256 of each
uncompressed layer tar. Entries are written sorted, owned by root, with a fixed mtime, so the same
directories give the same archive."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Layer:
    source: Path  # a directory on disk: its contents become the layer
    at: str = "/"  # where they land in the image, e.g. "/app"
    created_by: str = ""  # the history line (what a Dockerfile step would say)


def _normalise(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    return info


def _write_layer(layer: Layer, path: Path) -> str:
    """The layer tar at `path`; returns its diff id (sha256 of the uncompressed tar)."""
    inside = layer.at.strip("/")
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        if inside:
            tar.add(layer.source, arcname=inside, filter=_normalise)  # recursive, sorted (Python >= 3.7)
        else:
            for child in sorted(layer.source.iterdir()):
                tar.add(child, arcname=child.name, filter=_normalise)
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = _normalise(tarfile.TarInfo(name))
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def write_image_archive(
    out: Path, layers: Sequence[Layer], tag: str, config: Mapping[str, Any] | None = None
) -> Path:
    """Write `out` (a docker-archive tar) holding `layers` in order, tagged `tag`. `config` is the image's
    runtime config (User, WorkingDir, Env, Entrypoint, ...), recorded as a built image would carry it."""
    for layer in layers:
        if not layer.source.is_dir():
            raise FileNotFoundError(f"layer source {layer.source} is not a directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".layers-") as work, tarfile.open(
        out, "w", format=tarfile.PAX_FORMAT
    ) as archive:
        diff_ids, names = [], []
        for i, layer in enumerate(layers):
            layer_tar = Path(work) / f"{i}.tar"
            diff_id = _write_layer(layer, layer_tar)
            name = f"{diff_id.removeprefix('sha256:')}/layer.tar"
            archive.add(layer_tar, arcname=name, filter=_normalise)
            diff_ids.append(diff_id)
            names.append(name)
        image_config = {
            "architecture": "amd64",
            "os": "linux",
            "config": dict(config or {}),
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created": "1970-01-01T00:00:00Z", "created_by": layer.created_by} for layer in layers],
        }
        config_bytes = json.dumps(image_config, sort_keys=True).encode()
        config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
        _add_bytes(archive, config_name, config_bytes)
        manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": names}]
        _add_bytes(archive, "manifest.json", json.dumps(manifest).encode())
    return out
