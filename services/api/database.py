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
from launchpad.errors import UserError
from services.api.auth.principal import Principal
from services.api.errors import ApiError

log = logging.getLogger("launchpad.api.db")
Connection = psycopg.Connection[Any]
STATEMENT_TIMEOUT_MS = 8000  # what Supabase sets for `authenticated`: no request holds a connection longer


# (fit, who, why not): a login fit to serve users holds the control plane's role and bypasses nothing.
_LOGIN_CHECK = """
select not (r.rolsuper or r.rolbypassrls) and pg_has_role(current_user, 'launchpad_api', 'USAGE')
         and coalesce((select c.relowner <> r.oid from pg_class c where c.oid = to_regclass('public.agents')), true),
       current_user,
       case when r.rolsuper then 'is a superuser'
            when r.rolbypassrls then 'bypasses row-level security'
            when not pg_has_role(current_user, 'launchpad_api', 'USAGE') then 'does not hold role launchpad_api'
            else 'owns the registry' end
from pg_roles r where r.rolname = current_user
"""


class ApiStartError(UserError):
    """The API cannot serve as configured; it says why and does not start."""


def _configure(conn: Connection) -> None:
    conn.execute(f"set statement_timeout = {STATEMENT_TIMEOUT_MS}")


class Database:
    def __init__(self, url: str, size: int) -> None:
        self.url = url
        self.where = describe(url)
        self.pool = ConnectionPool(
            url, min_size=min(2, size), max_size=size, open=False, timeout=10, configure=_configure,
            kwargs={"autocommit": True, "application_name": "launchpad-api", "connect_timeout": 5},
        )

    def check_login(self) -> None:
        """Refuse a login that row-level security would not hold (the owner, a superuser, BYPASSRLS, or a role
        without the control plane's): every read would see every user's rows. A database not reachable yet is
        not refused: readiness says so until it is."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                row = conn.execute(_LOGIN_CHECK).fetchone()
        except psycopg.errors.UndefinedObject:
            raise ApiStartError(f"{self.where} has no role launchpad_api: apply the migrations first "
                                "(python -m launchpad migrate, or the stack's `up`)") from None
        except psycopg.OperationalError:
            return
        if row is not None and not row[0]:
            raise ApiStartError(
                f"the API's database login ({self.where}) is {row[1]}, which {row[2]}: log in as role "
                "launchpad_api (supabase/migrations/20261207300000_api_agents.sql), never as the owner"
            )

    def open(self) -> None:
        self.check_login()
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
