"""One line for a PostgreSQL error, as every part of launchpad.db reports it: never a traceback, never a
password."""

from __future__ import annotations

import psycopg

from launchpad.db.redact import redact


def reason(exc: psycopg.Error, url: str | None = None) -> str:
    """`message (detail) [SQLSTATE code]`, credentials removed, on one line."""
    text = exc.diag.message_primary or str(exc).strip()
    if exc.diag.message_detail:
        text += f" ({exc.diag.message_detail})"
    if exc.sqlstate:
        text += f" [SQLSTATE {exc.sqlstate}]"
    return " ".join(redact(text, url).split())
