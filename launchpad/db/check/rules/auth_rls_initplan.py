"""Policies call auth.uid() (and auth.jwt(), auth.role(), auth.email(), current_setting()) through a scalar
subquery, `(select auth.uid())`, which PostgreSQL evaluates once per statement (an InitPlan) instead of once
per row (supabase/splinter 0003_auth_rls_initplan). Stricter than splinter's LIKE: every call must be
wrapped, not just one."""

from __future__ import annotations

import re

from launchpad.db.check.finding import Context, Finding, Rule

NAME = "auth_rls_initplan"

QUERY = """
select c.oid::regclass::text, p.polname,
       coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), ''),
       coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '')
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%s)
order by 1, 2
"""

# A call not directly preceded by SELECT, as the catalog prints `(select auth.uid())`: `( SELECT auth.uid() AS uid)`.
_BARE_CALL = re.compile(r"(?<!SELECT )\b((?:auth\.(?:uid|jwt|role|email))\(\)|current_setting\()", re.IGNORECASE)


def run(ctx: Context) -> list[Finding]:
    findings = []
    for table, policy, qual, with_check in ctx.conn.execute(QUERY, (ctx.schemas,)):
        calls = sorted({_shown(m.group(1)) for m in _BARE_CALL.finditer(f"{qual} {with_check}")})
        if calls:
            findings.append(
                Finding(
                    NAME,
                    RULE.level,
                    f"policy {policy} on {table}",
                    f"calls {', '.join(calls)} once per row",
                    f"write (select {calls[0]}) instead, evaluated once per statement",
                )
            )
    return findings


def _shown(call: str) -> str:
    return call.lower() + "...)" if call.endswith("(") else call.lower()


RULE = Rule(NAME, "WARN", "auth.uid() and friends wrapped in (select ...) in policies", run)
