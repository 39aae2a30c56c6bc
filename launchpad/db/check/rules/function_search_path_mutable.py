"""Every function in the checked schemas has a fixed search_path (supabase/splinter
0011_function_search_path_mutable): otherwise the caller's search_path decides what its names mean, and a
security definer function can be made to run the caller's objects with the owner's rights."""

from __future__ import annotations

from launchpad.db.check.finding import Context, Finding, Rule

NAME = "function_search_path_mutable"

QUERY = """
select p.oid::regprocedure::text
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
where n.nspname = any(%s)
  and not exists (  -- an extension's functions are the extension's business
    select 1 from pg_catalog.pg_depend d
    where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
  )
  and not exists (
    select 1 from unnest(coalesce(p.proconfig, '{}')) as setting where setting like 'search\\_path=%%'
  )
order by 1
"""


def run(ctx: Context) -> list[Finding]:
    return [
        Finding(
            NAME,
            RULE.level,
            f"function {function}",
            "its search_path is the caller's",
            f"alter function {function} set search_path = ''",
        )
        for (function,) in ctx.conn.execute(QUERY, (ctx.schemas,))
        if isinstance(function, str)
    ]


RULE = Rule(NAME, "WARN", "functions with a fixed search_path", run)
