"""Two owners with one agent each, and a connection as the collector's own role (launchpad_collector), for
the telemetry repository's tests on both kinds of database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from launchpad.db.repository.telemetry.types import AgentRef

USER_A = "00000000-0000-4000-8000-00000000000a"
USER_B = "00000000-0000-4000-8000-00000000000b"
ALPHA = AgentRef("00000000-0000-4000-8000-0000000000a1", USER_A, "alpha", "tenant-t1")
BETA = AgentRef("00000000-0000-4000-8000-0000000000b1", USER_B, "beta", "tenant-t1")

Conn = psycopg.Connection[tuple[Any, ...]]


def seed(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s), (%s)", (USER_A, USER_B))
        for ref in (ALPHA, BETA):
            conn.execute(
                "insert into public.agents (id, user_id, name, namespace, image) values (%s, %s, %s, %s, 'img')",
                (ref.id, ref.user_id, ref.name, ref.namespace),
            )


def role_url(url: str, role: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{role}@{parts.hostname}:{parts.port}"))


def collector(url: str) -> Conn:
    """An autocommit connection as launchpad_collector, the role the collector logs in as."""
    return psycopg.connect(role_url(url, "launchpad_collector"), autocommit=True)


@contextmanager
def as_user(conn: Conn, user: str) -> Iterator[Conn]:
    """A rolled-back transaction run as PostgREST runs a request: the claims, then `set local role`."""
    with conn.transaction(force_rollback=True):
        conn.execute("select set_config('request.jwt.claims', %s, true)",
                     (json.dumps({"sub": user, "role": "authenticated"}),))  # fmt: skip
        conn.execute("set local role authenticated")
        yield conn
