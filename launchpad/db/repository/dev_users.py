"""Users of the dev and local stacks, where no Supabase Auth server signs anyone up: a bare auth.users row for
an email, so the agents and operations its owner creates have the user their foreign keys name. Run as the
database's owner (the dev database's `postgres`), never through the API's role, which reaches no auth table."""

from __future__ import annotations

import uuid
from typing import Any

import psycopg


def dev_user_id(email: str) -> str:
    """The same id for the same email on every machine (the dev token and `api token --dev` agree)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"launchpad-dev-user:{email.strip().lower()}"))


def ensure_dev_user(conn: psycopg.Connection[Any], email: str) -> str:
    user_id = dev_user_id(email)
    conn.execute("insert into auth.users (id, email) values (%s, %s) on conflict do nothing", (user_id, email))
    return user_id
