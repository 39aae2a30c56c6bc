"""RLS query speed of this schema vs. the naive policy, and the cost of a no-op migrate.

    .venv/bin/python benchmarks/rls_query.py [--rows N] [--users N]

Starts its own embedded PostgreSQL, applies supabase/migrations, loads --rows agent_metrics rows over
--users users, and copies them into `naive.agent_metrics`: same rows, no user_id index, and the naive
policy `auth.uid() = user_id` (auth.uid() called once per row). Both are queried the way PostgREST does
(claims in a transaction-local setting, `set local role authenticated`), with the user's query carrying no
user filter of its own: row-level security alone selects the rows.
Targets: p50 < 2 ms, >= 10x faster than naive, no-op migrate (which ends with `db check`) < 100 ms. Exit 1 if
one is missed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from launchpad.db import local_server  # noqa: E402
from launchpad.db.check import check_database  # noqa: E402
from launchpad.db.check.rules import RULES  # noqa: E402
from launchpad.db.migrations.runner import migrate  # noqa: E402

MIGRATIONS = ROOT / "supabase" / "migrations"
LATEST_100 = "select name, value, recorded_at from {table} order by recorded_at desc limit 100"

NAIVE = """
create schema naive;
create table naive.agent_metrics as select * from public.agent_metrics;
alter table naive.agent_metrics enable row level security;
create policy naive_select on naive.agent_metrics for select using (auth.uid() = user_id);
grant usage on schema naive to authenticated;
grant select on naive.agent_metrics to authenticated;
analyze naive.agent_metrics;
"""


def load(url: str, rows: int, users: int) -> list[str]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "insert into auth.users (id) select gen_random_uuid() from generate_series(1, %s)", (users,)
        )
        conn.execute(
            "insert into public.agents (user_id, name, namespace, image)"
            " select id, 'agent', 'ns', 'img' from auth.users"
        )
        # Bulk load only: skip the per-row foreign-key triggers (every row references a real agent).
        with conn.transaction():
            conn.execute("set local session_replication_role = replica")
            conn.execute(
                """
                insert into public.agent_metrics (agent_id, user_id, name, value, recorded_at)
                select a.id, a.user_id, 'cpu', random(), now() - (random() * interval '20 hours')
                from generate_series(1, %s) g
                join (select id, user_id, row_number() over () - 1 as n from public.agents) a
                  on a.n = g %% %s
                """,
                (rows, users),
            )
        conn.execute("analyze public.agent_metrics")
        for statement in NAIVE.strip().split(";\n"):
            conn.execute(statement.encode())
        return [str(r[0]) for r in conn.execute("select id from auth.users order by id")]


def time_query(url: str, table: str, user_ids: list[str], samples: int) -> list[float]:
    query = LATEST_100.format(table=table).encode()
    timings: list[float] = []
    with psycopg.connect(url) as conn:
        for i in range(samples):
            user = user_ids[(i * 7919) % len(user_ids)]
            with conn.transaction():
                claims = json.dumps({"sub": user, "role": "authenticated"})
                conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
                conn.execute("set local role authenticated")
                start = time.perf_counter()
                result = conn.execute(query).fetchall()
                timings.append((time.perf_counter() - start) * 1000)
            if len(result) != 100:
                raise SystemExit(f"{table}: expected 100 rows for user {user}, got {len(result)}")
    return timings


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--naive-samples", type=int, default=30)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="rls-bench-"))
    server = local_server.start(root / "data", local_server.free_port(), durable=False)
    try:
        url = server.url
        migrate(url, MIGRATIONS)
        started = time.perf_counter()
        users = load(url, args.rows, args.users)
        took = time.perf_counter() - started
        print(f"loaded {args.rows:,} agent_metrics rows over {len(users):,} users in {took:.1f} s")

        time_query(url, "public.agent_metrics", users, 20)  # warm caches and plans
        design = time_query(url, "public.agent_metrics", users, args.samples)
        naive = time_query(url, "naive.agent_metrics", users, args.naive_samples)
        noop, checks = [], []
        for _ in range(20):
            started = time.perf_counter()
            result = migrate(url, MIGRATIONS)
            noop.append((time.perf_counter() - started) * 1000)
            assert result.applied_now == [] and result.findings == [], result.findings
            started = time.perf_counter()
            check_database(url, MIGRATIONS)
            checks.append((time.perf_counter() - started) * 1000)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)

    d50, d99 = percentile(design, 50), percentile(design, 99)
    n50, n99 = percentile(naive, 50), percentile(naive, 99)
    ratio = n50 / d50
    noop_p50 = statistics.median(noop)
    print(f"this design, (select auth.uid()) = user_id, indexed: p50 {d50:.3f} ms  p99 {d99:.3f} ms  n={len(design)}")
    print(f"naive, auth.uid() = user_id, no index:              p50 {n50:.3f} ms  p99 {n99:.3f} ms  n={len(naive)}")
    print(f"ratio (naive p50 / design p50): {ratio:.0f}x")
    print(f"no-op migrate (connect, lock, history, checksums, db check): p50 {noop_p50:.1f} ms  max {max(noop):.1f} ms")
    print(f"  of which db check alone (connect, {len(RULES)} rules): p50 {statistics.median(checks):.1f} ms")
    checks = {
        "p50 < 2 ms": d50 < 2.0,
        ">= 10x faster than naive": ratio >= 10,
        "no-op migrate < 100 ms": noop_p50 < 100,
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
