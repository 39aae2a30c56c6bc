"""What the Migrations dynamic provider (components/providers/migrations.py) does: pending migrations and the
live check for preview, applying them for create/update. Plain functions over launchpad.db; the provider's
methods make one call each."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from launchpad.db.errors import DatabaseUnavailable, MigrationError
from launchpad.db.migrations.files import discover
from launchpad.providers import host
from launchpad.providers.wire import is_known, plain


def local_checksums(migrations_dir: str) -> dict[str, str]:
    return {f.version: f.checksum for f in discover(Path(migrations_dir))}


def pending_versions(url: Any, migrations_dir: str, applied_before: bool) -> list[str]:
    """Pending migrations for preview, asked of the database. Only before the stack's first `up`
    (`applied_before` False) may an unreachable database mean "everything is pending": it may not exist yet.
    After it, an unreachable database stops the preview (DatabaseUnavailable), which otherwise would show every
    applied migration as pending and exit 0 (the engine hands `check` the old inputs, not what was applied).
    An unknown URL (computed in this run) is a preview of everything."""
    versions = sorted(local_checksums(migrations_dir))
    if not is_known(url):
        return versions
    from launchpad.db.migrations.runner import migrate

    try:
        return [f.version for f in migrate(str(plain(url)), Path(migrations_dir), dry_run=True).pending]
    except DatabaseUnavailable as exc:  # drift and broken files raise on: they stop the preview too
        if applied_before:
            raise DatabaseUnavailable(
                f"{exc}; the schema was applied by an earlier `up`, so a preview cannot say what is pending "
                "without the database: start it (scripts/dev-up.sh starts the dev stack's) or fix databaseUrl"
            ) from None
        return versions


def findings(url: Any, migrations_dir: str) -> list[str]:
    """`db check` for preview, one line per finding; none when the database cannot be reached (yet)."""
    if not is_known(url):
        return []
    from launchpad.db.check import check_database

    try:
        return [f.line() for f in check_database(str(plain(url)), Path(migrations_dir))]
    except DatabaseUnavailable:
        return []


def no_traceback() -> AbstractContextManager[None]:
    """A MigrationError raised inside reaches the user as its type and message only (launchpad.providers.host)."""
    return host.no_traceback(MigrationError)


def apply(url: Any, migrations_dir: str, expected: dict[str, str]) -> dict[str, Any]:
    """Apply pending migrations; refuse if the files differ from what the preview planned with."""
    from launchpad.db.migrations.runner import migrate

    on_disk = local_checksums(migrations_dir)
    if on_disk != expected:
        changed = sorted(v for v in set(on_disk) | set(expected) if on_disk.get(v) != expected.get(v))
        raise MigrationError(f"migration files changed between preview and update: {', '.join(changed)}; re-run")
    result = migrate(str(plain(url)), Path(migrations_dir))
    if result.findings:
        lines = "\n".join(f.line() for f in result.findings)
        raise MigrationError(
            f"{len(result.applied_now)} migration(s) applied, but the database check found "
            f"{len(result.findings)} problem(s):\n{lines}"
        )
    return {
        "migrations_dir": migrations_dir,
        "checksums": on_disk,
        "pending": [],
        "applied_versions": result.applied_versions,
        "applied_count": len(result.applied_versions),
    }


