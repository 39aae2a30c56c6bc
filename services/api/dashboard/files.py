"""The built dashboard (services/dashboard/build.mjs writes it): index.html, and under assets/ files named by
their content hash, each with a gzip twin, all listed in manifest.json. Only files the manifest lists are ever
served (no path from a request reaches the file system), and the page carries the stack's public settings in
its JSON config block, so one build serves every stack."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_BLOCK = '<script id="launchpad-config" type="application/json">{}</script>'
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".html": "text/html; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".png": "image/png", ".woff2": "font/woff2"}


@dataclass(frozen=True)
class Asset:
    path: Path
    gzipped: Path | None
    content_type: str


@dataclass(frozen=True)
class Page:
    body: bytes
    gzipped: bytes


class DashboardFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.assets: dict[str, Asset] = {}
        self._template: str | None = None
        manifest = root / "manifest.json"
        if not manifest.is_file():
            return
        listed: dict[str, Any] = json.loads(manifest.read_text())["files"]
        for url in listed:
            if not url.startswith("/assets/"):
                continue
            path = root / url.lstrip("/")
            twin = path.with_name(path.name + ".gz")
            self.assets[url] = Asset(path, twin if twin.is_file() else None,
                                     TYPES.get(path.suffix, "application/octet-stream"))
        self._template = (root / "index.html").read_text()

    @property
    def built(self) -> bool:
        return self._template is not None

    def page(self, settings: dict[str, Any]) -> Page:
        """index.html with the stack's public settings in its config block (`<` escaped: the JSON cannot close
        the script element it sits in)."""
        assert self._template is not None
        data = json.dumps(settings, separators=(",", ":"), sort_keys=True).replace("<", "\\u003c")
        body = self._template.replace(CONFIG_BLOCK, CONFIG_BLOCK.replace("{}", data), 1).encode()
        return Page(body, gzip.compress(body, 9, mtime=0))
