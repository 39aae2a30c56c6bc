"""What the fleet-sources dynamic provider (components/providers/fleet_sources.py) does: record a stack's share of
the git fleet's files for the deploy workers (launchpad/db/repository/fleet_sources.py), or forget it. Inputs
arrive in the engine's wire form; the files' bytes are read here, from the agents directory the program read
them from, and checked against the digests the program listed."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, cast

from launchpad.db.errors import MigrationError
from launchpad.db.repository import fleet_sources as repo
from launchpad.providers import host
from launchpad.providers.wire import plain, secret

__all__ = ["forget", "no_traceback", "outputs", "record", "secret"]


def no_traceback() -> AbstractContextManager[None]:
    return host.no_traceback(MigrationError)


def _part(props: dict[str, Any]) -> repo.Part:
    part = props["part"]
    assert part in ("shared", "agents"), part
    return cast(repo.Part, part)


def record(props: dict[str, Any]) -> None:
    """Make the recorder's rows the listed files (only changed ones are read and written)."""
    directory = Path(str(props["directory"]))
    files: dict[str, str] = props.get("files") or {}
    repo.record_all(str(plain(props["database_url"])), str(props["fleet"]), str(props["stack"]), _part(props),
                    files, lambda path: (directory / path).read_bytes())


def forget(props: dict[str, Any]) -> None:
    repo.forget_all(str(plain(props["database_url"])), str(props["fleet"]), str(props["stack"]), _part(props))


def outputs(props: dict[str, Any]) -> dict[str, Any]:
    """What the state keeps: the recorder's key, the digest of its list, and the database URL (encrypted: a
    delete receives the outputs alone). Not the list itself: it is in the inputs."""
    return {
        "fleet": props["fleet"], "stack": props["stack"], "part": props["part"],
        "digest": repo.manifest_digest(props.get("files") or {}), "schema": props.get("schema"),
        "database_url": secret(plain(props["database_url"])),
    }
