"""Open the runner's connection with an error message that names the server but never the password."""

from __future__ import annotations

import psycopg

from launchpad.db.errors import DatabaseUnavailable
from launchpad.db.redact import describe, redact


def connect(url: str, *, application_name: str = "launchpad-migrate") -> psycopg.Connection[tuple[object, ...]]:
    """Autocommit connection: the runner opens one explicit transaction per migration file."""
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, application_name=application_name)
    except (psycopg.Error, ValueError) as exc:  # ValueError: a malformed URL
        reason = " ".join(redact(str(exc), url).split())  # libpq's message spans lines: keep it to one
        raise DatabaseUnavailable(f"cannot connect to {describe(url)}: {reason}") from None
