"""A session-level advisory lock so that concurrent runners apply each migration exactly once.

The second runner waits on the lock, then re-reads the history and finds nothing left to do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

# An arbitrary constant shared by every runner of this project (advisory locks are keyed by one bigint);
# what matters is that all runners agree on it and nothing else on the database uses it.
LOCK_KEY = 0x3B0A_6E1F_5C2D_4A17


@contextmanager
def migration_lock(conn: psycopg.Connection[tuple[object, ...]]) -> Iterator[None]:
    conn.execute("select pg_advisory_lock(%s)", (LOCK_KEY,))
    try:
        yield
    finally:
        if not conn.closed:
            conn.execute("select pg_advisory_unlock(%s)", (LOCK_KEY,))
