"""Every table in the checked schemas has row-level security enabled (as supabase/splinter
0013_rls_disabled_in_public, for every table: here every table holds per-user rows). Partitions are left to
api_role_privileges: reached through their parent, they are governed by its policies."""

from __future__ import annotations

from launchpad.db.check.finding import Context, Finding, Rule

NAME = "rls_disabled"

QUERY = """
select c.oid::regclass::text
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%s)
  and c.relkind in ('r', 'p')
  and not c.relispartition
  and not c.relrowsecurity
order by 1
"""


def run(ctx: Context) -> list[Finding]:
    return [
        Finding(
            NAME, RULE.level, table, "row-level security is disabled", f"alter table {table} enable row level security"
        )
        for (table,) in ctx.conn.execute(QUERY, (ctx.schemas,))
        if isinstance(table, str)
    ]


RULE = Rule(NAME, "ERROR", "row-level security enabled on every table", run)
