"""anon, authenticated and PUBLIC hold no privilege the migrations do not declare, on any relation of the
checked schemas, partitions included, and on any column.

Why it matters on Supabase: default privileges there give the API roles ALL on every new table, so a table
the migrations did not lock down explicitly is open to TRUNCATE (row-level security does not govern it), and
a partition, which has no policies of its own, is readable around its parent's."""

from __future__ import annotations

from collections import defaultdict

from launchpad.db.check.declared import CHECKED_GRANTEES
from launchpad.db.check.finding import Context, Finding, Rule, ident

NAME = "api_role_privileges"

# One row per (relation, column or '', grantee, privilege) held by a checked grantee; 0 is PUBLIC.
QUERY = """
with relations as (
  select c.oid, c.relacl, n.nspname, c.relname, c.relispartition
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  where n.nspname = any(%(schemas)s) and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
),
held as (
  select r.oid, r.nspname, r.relname, r.relispartition, '' as attname, a.grantee, a.privilege_type
  from relations r cross join lateral aclexplode(r.relacl) a
  union all
  select r.oid, r.nspname, r.relname, r.relispartition, att.attname, a.grantee, a.privilege_type
  from relations r
  join pg_catalog.pg_attribute att on att.attrelid = r.oid and att.attnum > 0 and not att.attisdropped
  cross join lateral aclexplode(att.attacl) a
)
select h.oid::regclass::text, h.nspname, h.relname, h.attname,
       coalesce((select i.inhparent::regclass::text from pg_catalog.pg_inherits i
                 where h.relispartition and i.inhrelid = h.oid), ''),
       case when h.grantee = 0 then 'public' else h.grantee::regrole::text end,
       h.privilege_type
from held h
where h.grantee = 0 or h.grantee::regrole::text = any(%(grantees)s)
order by 1, 4, 6, 7
"""


def run(ctx: Context) -> list[Finding]:
    held: dict[tuple[str, str, str, str, str, str], set[str]] = defaultdict(set)
    params = {"schemas": ctx.schemas, "grantees": list(CHECKED_GRANTEES)}
    for relation, schema, name, column, parent, grantee, privilege in ctx.conn.execute(QUERY, params):
        held[(str(relation), str(schema), str(name), str(column), str(parent), str(grantee))].add(str(privilege))
    findings = []
    for (relation, schema, name, column, parent, grantee), privileges in held.items():
        # What PUBLIC is declared to hold, every role holds; a table privilege covers each column.
        targets = [(schema, name), (schema, name, column)] if column else [(schema, name)]
        allowed = {p for t in targets for g in {grantee, "public"} for p in ctx.declared.granted(t, g)}
        extra = sorted(privileges - allowed)
        if not extra:
            continue
        subject = f"{relation} (partition of {parent})" if parent else relation
        if column:
            subject = f"column {column} of {subject}"
        listed = ", ".join(f"{p.lower()} ({ident(column)})" if column else p.lower() for p in extra)
        where = "a partition is reached through its parent only" if parent else "not declared by the migrations"
        findings.append(
            Finding(
                NAME,
                RULE.level,
                subject,
                f"{grantee} holds {', '.join(extra)}: {where}",
                f"revoke {listed} on {relation} from {grantee}",
            )
        )
    return findings


RULE = Rule(NAME, "ERROR", "no API-role privilege beyond the declared ones, tables and partitions", run)
