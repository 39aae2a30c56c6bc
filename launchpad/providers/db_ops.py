"""What the Pulumi dynamic providers in components/supabase_schema.py do, as plain functions.

The providers are pickled into the stack state by dill; keeping their bodies to one call into this module
keeps that state small and the logic testable without Pulumi. Values arrive in Pulumi's wire form (a secret
is a dict with a signature key, an unknown is a sentinel string) and nothing here imports Pulumi.
"""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from launchpad.db.errors import DatabaseUnavailable, MigrationError
from launchpad.db.migrations.files import discover
from launchpad.db.repository.record import AgentRecord, SecretLocation
from launchpad.providers import host as provider_host

# pulumi.runtime.rpc's wire constants, stable across Pulumi versions (they are part of the protocol).
_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def plain(value: Any) -> Any:
    if isinstance(value, dict) and value.get(_SECRET_SIG_KEY) == _SECRET_SIG:
        return value.get("value")
    return value


def secret(value: Any) -> dict[str, Any]:
    """Wire form of a secret, for a provider output that must stay encrypted in the state."""
    return {_SECRET_SIG_KEY: _SECRET_SIG, "value": value}


def is_known(value: Any) -> bool:
    return plain(value) not in (None, UNKNOWN)


def local_checksums(migrations_dir: str) -> dict[str, str]:
    return {f.version: f.checksum for f in discover(Path(migrations_dir))}


def pending_versions(url: Any, migrations_dir: str, applied_in_state: list[str]) -> list[str]:
    """Pending migrations for preview: asked of the database when it is reachable, else derived from the
    state (the database may not exist yet during a first preview)."""
    versions = sorted(local_checksums(migrations_dir))
    if is_known(url):
        from launchpad.db.migrations.runner import migrate

        try:
            return [f.version for f in migrate(str(plain(url)), Path(migrations_dir), dry_run=True).pending]
        except DatabaseUnavailable:
            pass  # drift and broken files raise on: they must stop the preview, not be guessed around
    return [v for v in versions if v not in set(applied_in_state)]


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
    """A MigrationError raised inside reaches the user as its type and message only (launchpad.providers.host).
    Kept by this name: providers already pickled into stack states call it."""
    return provider_host.no_traceback(MigrationError)


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


def record_from(data: dict[str, Any]) -> AgentRecord:
    # Pulumi drops null properties on the way through the engine: a record without a tenant arrives with
    # no `tenant` key at all, so absent optional fields come back as None.
    fields: dict[str, Any] = {f.name: None for f in dataclasses.fields(AgentRecord)}
    fields.update(data)
    fields["secrets"] = [SecretLocation(**s) for s in fields.get("secrets") or []]
    return AgentRecord(**fields)


def record_digest(record: dict[str, Any]) -> str:
    """Short digest of a record as the engine hands it over: what the registry keeps in the state instead
    of the record (the record itself is in the resource's inputs)."""
    import hashlib
    import json

    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:16]


def register_records(url: Any, records: list[dict[str, Any]], create_owner: bool = False) -> None:
    from launchpad.db.repository.registry import register_all

    register_all(str(plain(url)), [record_from(r) for r in records], create_owner=create_owner)


def unregister_keys(url: Any, keys: list[tuple[str, str]]) -> None:
    from launchpad.db.repository.registry import unregister_all

    unregister_all(str(plain(url)), keys)
