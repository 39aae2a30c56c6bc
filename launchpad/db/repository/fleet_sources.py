"""The git fleet's source files as the program last read them (supabase/migrations/20261208100000_fleet_sources.sql):
written by each stack's `up` (components/providers/fleet_sources.py), read by the deploy workers, which run the
program over them (services/deployer/sources.py).

A recorder is one (fleet, stack, part): a shard's own agents' files ('agents'), or the files every agent shares
('shared': defaults.yaml, the lockfiles), written by the platform or the only stack. Runs on the owner (or
service_role) connection: no API role reaches these tables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import psycopg

from launchpad.db import pg_errors
from launchpad.db.connect import connect
from launchpad.db.errors import RegistryError

Connection = psycopg.Connection[tuple[object, ...]]
Part = Literal["shared", "agents"]


class SourcesError(RegistryError):
    """Recording or reading the fleet's source files failed (message redacted)."""


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the agents directory
    sha256: str
    content: bytes


def manifest_digest(manifest: Mapping[str, str]) -> str:
    """One digest of a recorder's (path, sha256) list: what its set row says it last wrote."""
    h = hashlib.sha256()
    for path, sha in sorted(manifest.items()):
        h.update(path.encode() + b"\0" + sha.encode() + b"\n")
    return h.hexdigest()


def record(
    conn: Connection, fleet: str, stack: str, part: Part, manifest: Mapping[str, str], read: Callable[[str], bytes]
) -> list[str]:
    """Make the recorder's files exactly `manifest` (path -> sha256), in one transaction. Only files whose
    digest differs from the stored one are read (`read(path)`) and written; files no longer listed are
    deleted. Idempotent: the same manifest again writes nothing but the set's time. Returns the paths written.
    A file whose bytes no longer match its listed digest (changed between the program's read and this one)
    is an error: nothing is written."""
    with conn.transaction():
        conn.execute(
            "insert into public.fleet_source_sets (fleet, stack, part, digest) values (%s, %s, %s, %s)"
            " on conflict (fleet, stack, part) do update set digest = excluded.digest, recorded_at = now()",
            (fleet, stack, part, manifest_digest(manifest)),
        )  # the row lock also orders two writers of one recorder
        rows = conn.execute(
            "select path, sha256 from public.fleet_source_files where fleet = %s and stack = %s and part = %s",
            (fleet, stack, part),
        ).fetchall()
        stored = {str(path): str(sha) for path, sha in rows}
        gone = sorted(set(stored) - set(manifest))
        if gone:
            conn.execute(
                "delete from public.fleet_source_files where fleet = %s and stack = %s and part = %s"
                " and path = any(%s)",
                (fleet, stack, part, gone),
            )
        written: list[str] = []
        for path, sha in sorted(manifest.items()):
            if stored.get(path) == sha:
                continue
            content = read(path)
            actual = hashlib.sha256(content).hexdigest()
            if actual != sha:
                raise SourcesError(f"{path}: changed while the program ran (read {sha[:12]}, now {actual[:12]}); "
                                   "run the update again")
            conn.execute(
                "insert into public.fleet_source_files (fleet, stack, part, path, sha256, content)"
                " values (%s, %s, %s, %s, %s, %s)"
                " on conflict (fleet, stack, part, path) do update"
                " set sha256 = excluded.sha256, content = excluded.content, recorded_at = now()",
                (fleet, stack, part, path, sha, content),
            )
            written.append(path)
    return written


def forget(conn: Connection, fleet: str, stack: str, part: Part) -> None:
    """Remove a recorder and its files (a destroyed stack)."""
    with conn.transaction():
        conn.execute(
            "delete from public.fleet_source_sets where fleet = %s and stack = %s and part = %s", (fleet, stack, part)
        )


def read(conn: Connection, fleet: str) -> list[SourceFile] | None:
    """The fleet's files, each path once, by path; None when no recorder of the fleet ever ran (nothing to run
    the program over yet). Two recorders may hold one path for a while (an agent moving between shards, a
    character file two shards' agents name): the most recently recorded content wins, git's newest."""
    with conn.transaction():
        if conn.execute("select 1 from public.fleet_source_sets where fleet = %s limit 1", (fleet,)).fetchone() is None:
            return None
        rows = conn.execute(
            "select distinct on (path) path, sha256, content from public.fleet_source_files where fleet = %s"
            " order by path, recorded_at desc, stack, part",
            (fleet,),
        ).fetchall()
    return [SourceFile(str(path), str(sha), bytes(content)) for path, sha, content in rows]  # type: ignore[call-overload]


def version(conn: Connection, fleet: str) -> str | None:
    """What the fleet's record is now, in one small query (each recorder's digest): a reader writes the files out
    again only when it changes. None: nothing recorded."""
    with conn.transaction():
        row = conn.execute(
            "select string_agg(stack || '/' || part || '=' || digest, ',' order by stack, part)"
            " from public.fleet_source_sets where fleet = %s",
            (fleet,),
        ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def record_all(
    url: str, fleet: str, stack: str, part: Part, manifest: Mapping[str, str], read_file: Callable[[str], bytes]
) -> list[str]:
    """`record` over a connection of its own (the dynamic provider's)."""
    try:
        with connect(url, application_name="launchpad-sources") as conn:
            return record(conn, fleet, stack, part, manifest, read_file)
    except psycopg.Error as exc:
        raise SourcesError(f"recording the fleet's files ({stack}, {part}): {pg_errors.reason(exc, url)}") from None


def forget_all(url: str, fleet: str, stack: str, part: Part) -> None:
    try:
        with connect(url, application_name="launchpad-sources") as conn:
            forget(conn, fleet, stack, part)
    except psycopg.Error as exc:
        raise SourcesError(f"removing the fleet's files ({stack}, {part}): {pg_errors.reason(exc, url)}") from None
