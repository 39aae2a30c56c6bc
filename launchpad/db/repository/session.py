"""Running queries on a user's behalf the way PostgREST does (PostgREST v16 `MainTx`: one transaction per
request; `set_config('role', ..., true)`, i.e. SET LOCAL ROLE, and `set_config('request.jwt.claims', <the
verified claims>, true)`), so row-level security, not the caller's code, decides which rows a user sees.

Two ways in, both on a connection of the control plane's login role `launchpad_api`
(supabase/migrations/20261207300000_api_agents.sql):
- `as_user`: reads, as `authenticated`, exactly as PostgREST would run them for this token (read-only);
- `as_control_plane`: changes users may not make through PostgREST, as `launchpad_api` itself, with the same
  claims: its write policies bind every row it writes to auth.uid(), so even the API cannot write another
  user's rows with a user's token.
The settings end with the transaction: a pooled connection carries nothing to the next request."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg

Connection = psycopg.Connection[Any]
USER_ROLE = "authenticated"


def _claims(claims: Mapping[str, Any]) -> str:
    # As PostgREST: the verified claims, with "role" (the database role) in them.
    return json.dumps({**claims, "role": USER_ROLE}, separators=(",", ":"))


@contextmanager
def as_user(conn: Connection, claims: Mapping[str, Any]) -> Iterator[Connection]:
    """One read-only transaction as `authenticated` with the user's claims."""
    with conn.transaction():
        conn.execute("set transaction read only")
        conn.execute(
            "select set_config('role', %s, true), set_config('request.jwt.claims', %s, true)",
            (USER_ROLE, _claims(claims)),
        )
        yield conn


@contextmanager
def as_control_plane(conn: Connection, claims: Mapping[str, Any]) -> Iterator[Connection]:
    """One read-write transaction as the control plane's role, with the user's claims."""
    with conn.transaction():
        conn.execute("select set_config('request.jwt.claims', %s, true)", (_claims(claims),))
        yield conn
