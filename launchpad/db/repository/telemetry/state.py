"""The collector's own state (launchpad_private.collector_state): a watch's last resourceVersion, written in
the transaction that stores what the watch observed, so a restarted collector resumes exactly after it."""

from __future__ import annotations

from launchpad.db.repository.telemetry.types import Connection


def read_state(conn: Connection, scope: str) -> dict[str, str]:
    rows = conn.execute("select key, value from launchpad_private.collector_state where scope = %s", (scope,))
    return {str(k): str(v) for k, v in rows.fetchall()}


def write_state(conn: Connection, scope: str, values: dict[str, str]) -> None:
    """Call inside the caller's transaction."""
    for key, value in values.items():
        conn.execute(
            "insert into launchpad_private.collector_state (scope, key, value) values (%s, %s, %s)"
            " on conflict (scope, key) do update set value = excluded.value, updated_at = now()",
            (scope, key, value),
        )
