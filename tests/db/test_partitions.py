"""Time-series partitions: created ahead, dropped by retention, bounds read from the catalog."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg
import pytest

pytestmark = pytest.mark.postgres


def _partitions(conn: psycopg.Connection[tuple[object, ...]], parent: str) -> set[str]:
    rows = conn.execute("select inhrelid::regclass::text from pg_inherits where inhparent = %s::regclass", (parent,))
    return {str(r[0]) for r in rows}


def test_migration_created_partitions_from_yesterday_on(migrated_url: str) -> None:
    today = date.today()
    with psycopg.connect(migrated_url) as conn:
        parts = _partitions(conn, "public.agent_metrics")
    expected = {f"agent_metrics_p{(today + timedelta(days=d)).strftime('%Y%m%d')}" for d in range(-1, 8)}
    assert expected <= parts


@pytest.mark.parametrize("parent", ["public.agent_metrics", "public.agent_logs"])
def test_retention_drops_only_partitions_entirely_before_the_cutoff(migrated_url: str, parent: str) -> None:
    table = parent.split(".")[1]
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        created = conn.execute("select public.create_time_partitions(%s, date '2020-01-01', 3)", (parent,)).fetchone()
        assert created == (3,)
        # Idempotent: a second call creates nothing.
        again = conn.execute("select public.create_time_partitions(%s, date '2020-01-01', 3)", (parent,)).fetchone()
        assert again == (0,)
        # Cut-off in the middle of 2020-01-02: the 01 partition ends before it, 02 straddles it.
        dropped = conn.execute(
            "select * from public.drop_time_partitions(%s, timestamptz '2020-01-02 12:00:00+00')", (parent,)
        ).fetchall()
        assert [r[0] for r in dropped] == [f"public.{table}_p20200101"]
        remaining = _partitions(conn, parent)
        assert {f"{table}_p20200102", f"{table}_p20200103"} <= remaining
        assert f"{table}_p20200101" not in remaining


def test_retention_refuses_other_tables_and_api_roles(migrated_url: str) -> None:
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="is not a time-series table"):
            conn.execute("select public.drop_time_partitions('public.agents', now())")
        with conn.transaction(force_rollback=True):
            conn.execute("set local role authenticated")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("select public.drop_time_partitions('public.agent_metrics', now())")
