"""Discovery of migration files: `<YYYYMMDDHHMMSS>_<name>.sql`, ordered by version (Supabase CLI layout)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from launchpad.db.errors import MigrationFileError

_NAME = re.compile(r"(\d{14})_([A-Za-z0-9_\-]+)\.sql")


@dataclass(frozen=True)
class MigrationFile:
    version: str
    name: str
    path: Path
    sql: str = field(repr=False)
    checksum: str  # sha256 of the file's bytes

    @property
    def filename(self) -> str:
        return self.path.name


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def discover(directory: Path) -> list[MigrationFile]:
    """Every `*.sql` in `directory`, sorted by version. A misnamed or duplicate-version file is an error
    rather than silently skipped: a skipped migration would look applied to nobody and run nowhere."""
    if not directory.is_dir():
        raise MigrationFileError(f"migrations directory not found: {directory}")
    found: dict[str, MigrationFile] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.fullmatch(path.name)
        if match is None:
            raise MigrationFileError(f"{path.name}: not named <YYYYMMDDHHMMSS>_<name>.sql")
        version, name = match.groups()
        if version in found:
            raise MigrationFileError(f"{path.name}: version {version} is also used by {found[version].filename}")
        data = path.read_bytes()
        try:
            sql = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MigrationFileError(f"{path.name}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
        found[version] = MigrationFile(version, name, path, sql, checksum(data))
    return [found[v] for v in sorted(found)]
