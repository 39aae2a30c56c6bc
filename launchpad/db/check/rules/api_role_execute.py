"""anon, authenticated and PUBLIC can EXECUTE no function or procedure of the checked schemas that the
migrations do not declare for them.

Why it matters on Supabase: PostgREST exposes every function of an exposed schema as `/rest/v1/rpc/<name>`
to each role that may execute it, and a SECURITY DEFINER function runs with its owner's rights whatever
row-level security says. PostgreSQL gives EXECUTE to PUBLIC on every new function, and Supabase's default
privileges give it to anon and authenticated as well (supabase/postgres init-scripts: `alter default
privileges in schema public grant all on functions to ... anon, authenticated`), so a function nobody revoked
is callable by anyone with the project's anon key. Like the relations' rule, only what the files GRANT
counts as declared: the implicit default is what this rule exists to catch."""

from __future__ import annotations

from collections import defaultdict

from launchpad.db.check.declared import CHECKED_GRANTEES
from launchpad.db.check.finding import Context, Finding, Rule

NAME = "api_role_execute"

# One row per (routine, grantee) holding EXECUTE; a NULL proacl is the default ACL (acldefault: PUBLIC and the
# owner). Routines of an extension are the extension's business.
QUERY = """
select p.oid::bigint, p.oid::regprocedure::text, p.prokind = 'p', p.prosecdef,
       case when a.grantee = 0 then 'public' else a.grantee::regrole::text end
from pg_catalog.pg_proc p
join pg_catalog.pg_namespace n on n.oid = p.pronamespace
cross join lateral aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
where n.nspname = any(%(schemas)s)
  and a.privilege_type = 'EXECUTE'
  and (a.grantee = 0 or a.grantee::regrole::text = any(%(grantees)s))
  and not exists (
    select 1 from pg_catalog.pg_depend d
    where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
  )
order by 2, 4
"""

# A declared signature as the database resolves it: NULL when no such routine exists (dropped live: not this
# rule's finding) or when a bare name is ambiguous.
RESOLVE = "select case when %(s)s like '%%(%%' then to_regprocedure(%(s)s)::oid else to_regproc(%(s)s)::oid end"


def _declared_holders(ctx: Context) -> dict[int, set[str]]:
    """Routine oid -> the checked grantees the migrations declare EXECUTE for."""
    holders: dict[int, set[str]] = defaultdict(set)
    for signature, grantees in ctx.declared.executes.items():
        if not grantees:
            continue
        with ctx.migrations_search_path():  # an unqualified type in a signature resolves as the files' did
            row = ctx.conn.execute(RESOLVE, {"s": signature}).fetchone()
        if row and row[0] is not None:
            holders[int(str(row[0]))] |= grantees
    return holders


def run(ctx: Context) -> list[Finding]:
    declared = _declared_holders(ctx)
    findings = []
    params = {"schemas": ctx.schemas, "grantees": list(CHECKED_GRANTEES)}
    for oid, routine, procedure, definer, grantee in ctx.conn.execute(QUERY, params):
        if str(grantee) in declared.get(int(str(oid)), set()):
            continue
        rights = "runs with its owner's rights (security definer), " if definer else ""
        findings.append(
            Finding(
                NAME,
                RULE.level,
                f"{'procedure' if procedure else 'function'} {routine}",
                f"{grantee} holds EXECUTE: it {rights}is callable through the API and not declared by the migrations",
                f"revoke execute on routine {routine} from {grantee}",  # ROUTINE: functions and procedures
            )
        )
    return findings


RULE = Rule(NAME, "ERROR", "no API-role EXECUTE on a function beyond the declared ones", run)
