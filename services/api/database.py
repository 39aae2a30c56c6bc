"""The API's connections: one pool of logins as `launchpad_api`, never the owner. Every request takes one
connection for one transaction, as the user (reads) or as the control plane with the user's claims (changes):
launchpad/db/repository/session.py. A database that cannot be reached is a 503, not a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from launchpad.db.redact import describe
from launchpad.db.repository.session import as_control_plane, as_user
from services.api.auth.principal import Principal
from services.api.errors import ApiError

log = logging.getLogger("launchpad.api.db")
Connection = psycopg.Connection[Any]
STATEMENT_TIMEOUT_MS = 8000  # what Supabase sets for `authenticated`: no request holds a connection longer


def _configure(conn: Connection) -> None:
    conn.execute(f"set statement_timeout = {STATEMENT_TIMEOUT_MS}")


class Database:
    def __init__(self, url: str, size: int) -> None:
        self.where = describe(url)
        self.pool = ConnectionPool(
            url, min_size=min(2, size), max_size=size, open=False, timeout=10, configure=_configure,
            kwargs={"autocommit": True, "application_name": "launchpad-api", "connect_timeout": 5},
        )

    def open(self) -> None:
        self.pool.open(wait=False)

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        try:
            with self.pool.connection() as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as exc:
            log.warning("database %s unavailable: %s", self.where, type(exc).__name__)
            raise ApiError(503, "SERVICE_UNAVAILABLE", "the control plane's database is unavailable; retry",
                           headers={"Retry-After": "5"}) from None

    @contextmanager
    def read(self, who: Principal) -> Iterator[Connection]:
        """A read-only transaction as the user (`authenticated`, their claims): RLS decides what they see."""
        with self._connection() as conn, as_user(conn, who.claims):
            yield conn

    @contextmanager
    def change(self, who: Principal) -> Iterator[Connection]:
        """A transaction as the control plane with the user's claims: all of a change, or nothing."""
        with self._connection() as conn, as_control_plane(conn, who.claims):
            yield conn

    def ping(self) -> bool:
        try:
            with self.pool.connection(timeout=2) as conn:
                conn.execute("select 1")
            return True
        except (PoolTimeout, psycopg.Error):
            return False
