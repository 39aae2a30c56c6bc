"""One active collector per fleet (or shard): a session-level Postgres advisory lock.

Why not a Kubernetes Lease: everything the leader does is a write to this database, and the lock lives in the
session of the connection the leader writes its fleet-wide rows through. When that session ends (the process
dies, the network drops), PostgreSQL releases the lock at once, where a Lease would have to expire first
(~15 s of no status), and a leader that lost its session can no longer write through it either, where a
leader whose Lease lapsed keeps writing until it notices. It needs no RBAC and no clock agreement.
Requirement: a session connection (direct, or a pooler in session mode), not a transaction-mode pooler."""

from __future__ import annotations

import hashlib

from launchpad.db.repository.telemetry.types import Connection


def lock_key(scope: str) -> int:
    """A stable signed 64-bit key for `scope` (a fleet or shard name): the same in every process."""
    digest = hashlib.sha256(f"launchpad-collector:{scope}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def try_lead(conn: Connection, scope: str) -> bool:
    """Take the lock on this session if no other session holds it. Autocommit connection."""
    row = conn.execute("select pg_try_advisory_lock(%s)", (lock_key(scope),)).fetchone()
    return bool(row and row[0])


def still_leading(conn: Connection, scope: str) -> bool:
    """Whether this session still holds the lock (false once the session was lost: the query fails first)."""
    key = lock_key(scope) & 0xFFFFFFFFFFFFFFFF  # pg_locks shows a bigint key as two unsigned 32-bit oids
    row = conn.execute(
        "select exists (select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 1"
        " and pid = pg_backend_pid() and classid = %s::bigint::oid and objid = %s::bigint::oid)",
        (key >> 32, key & 0xFFFFFFFF),
    ).fetchone()
    return bool(row and row[0])
