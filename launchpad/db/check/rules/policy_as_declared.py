"""Every row-level security policy the migrations declare exists exactly as declared, and no other policy
exists on the checked schemas' tables (an extra permissive policy widens access as surely as a dropped one).

"Exactly as declared" is decided by the server: each declared CREATE POLICY (later ALTER POLICY statements
merged in) is created again, inside the check's rolled-back transaction, on a temporary twin of its table
(same columns), so PostgreSQL prints the declared and the live expressions the same way, and they are equal
exactly when the policies are."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import psycopg
from pglast import ast
from pglast.stream import RawStream
from psycopg import sql

from launchpad.db import pg_errors
from launchpad.db.check.declared import Declared, DeclaredPolicy, PolicyKey, Relation, replaced
from launchpad.db.check.finding import Context, Finding, Rule, ident

NAME = "policy_as_declared"

QUERY = """
select n.nspname, c.relname, p.polname, c.relnamespace = pg_catalog.pg_my_temp_schema(),
       p.polpermissive, p.polcmd,
       array(select case when r = 0 then 'public' else r::regrole::text end from unnest(p.polroles) r order by 1),
       coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), ''),
       coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '')
from pg_catalog.pg_policy p
join pg_catalog.pg_class c on c.oid = p.polrelid
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = any(%(schemas)s)
   or (c.relnamespace = pg_catalog.pg_my_temp_schema() and c.relname = any(%(twins)s))
"""
_COMMANDS = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}


@dataclass(frozen=True)
class Shape:
    """A policy as the catalog holds it."""

    permissive: bool
    command: str
    roles: tuple[str, ...]
    using: str
    with_check: str

    def differences(self, declared: Shape) -> list[str]:
        fields = [("as", "permissive" if self.permissive else "restrictive",
                   "permissive" if declared.permissive else "restrictive"),
                  ("for", self.command, declared.command),
                  ("to", ", ".join(self.roles), ", ".join(declared.roles)),
                  ("using", self.using, declared.using),
                  ("with check", self.with_check, declared.with_check)]
        return [f"{name} is {live or '(none)'}, declared {want or '(none)'}" for name, live, want in fields
                if live != want]


def run(ctx: Context) -> list[Finding]:
    policies = ctx.declared.policies
    twins, statements = _plan(ctx.declared)
    exist = {
        str(row[0]) for row in ctx.conn.execute(
            "select t from unnest(%s::text[]) t where to_regclass(t) is not null", ([ident(*t) for t in twins],)
        )
    }
    twins = {table: twin for table, twin in twins.items() if ident(*table) in exist}
    unusable = {key: f"its table {ident(*key[:2])} does not exist" for key in policies if key[:2] not in twins}
    statements = {key: text for key, text in statements.items() if key not in unusable}
    with ctx.migrations_search_path():  # names in the files mean what they meant when the files ran
        if twins:
            ctx.conn.execute(sql.SQL(";").join(
                sql.SQL("create temporary table {} (like {}.{})").format(
                    sql.Identifier(twin), sql.Identifier(table[0]), sql.Identifier(table[1])
                )
                for table, twin in twins.items()
            ))
        unusable |= _create(ctx.conn, statements)
    twin_of = {name: table for table, name in twins.items()}
    live: dict[PolicyKey, Shape] = {}
    declared: dict[PolicyKey, Shape] = {}
    rows = ctx.conn.execute(QUERY, {"twins": list(twin_of), "schemas": ctx.schemas})
    for schema, relname, name, is_twin, permissive, command, roles, using, with_check in rows:
        assert isinstance(roles, list)
        found = Shape(bool(permissive), _COMMANDS[str(command)], tuple(map(str, roles)), str(using), str(with_check))
        if is_twin:
            declared[(*twin_of[str(relname)], str(name))] = found
        else:
            live[(str(schema), str(relname), str(name))] = found
    return _compare(policies, live, declared, unusable)


def _create(conn: psycopg.Connection[tuple[object, ...]], statements: dict[PolicyKey, str]) -> dict[PolicyKey, str]:
    """Create the declared policies on the twins: all at once, or, when that fails, one by one to learn which
    no longer fit their table (a column they name was dropped, say). Returns those, with the reason."""
    try:
        with conn.transaction():
            conn.execute(";\n".join(statements.values()).encode())
        return {}
    except psycopg.Error:
        pass
    unusable = {}
    for key, statement in statements.items():
        try:
            with conn.transaction():
                conn.execute(statement.encode())
        except psycopg.Error as exc:
            unusable[key] = f"as declared it no longer fits its table: {pg_errors.reason(exc)}"
    return unusable


def _compare(
    policies: dict[PolicyKey, DeclaredPolicy],
    live: dict[PolicyKey, Shape],
    declared: dict[PolicyKey, Shape],
    unusable: dict[PolicyKey, str],
) -> list[Finding]:
    findings = []
    for key, policy in sorted(policies.items()):
        subject = _subject(key)
        create = f"{RawStream()(policy.statement)} (as {policy.file} declares it)" if key not in unusable else ""
        if key in unusable:
            fix = "restore the table as the migrations leave it, or declare the change in a new migration file"
            findings.append(Finding(NAME, RULE.level, subject, unusable[key], fix))
        elif key not in live:
            findings.append(Finding(NAME, RULE.level, subject, f"missing (declared in {policy.file})", create))
        elif differences := live[key].differences(declared[key]):
            fix = f"drop policy {key[2]} on {ident(*key[:2])}; {create}"
            findings.append(Finding(NAME, RULE.level, subject, "changed: " + "; ".join(differences), fix))
    for key in sorted(set(live) - set(policies)):
        findings.append(Finding(
            NAME, RULE.level, _subject(key), "not declared by any migration",
            f"drop policy {key[2]} on {ident(*key[:2])}, or declare it in a new migration file",
        ))
    return findings


@lru_cache(maxsize=4)
def _plan(declared: Declared) -> tuple[dict[Relation, str], dict[PolicyKey, str]]:
    """A twin name per table with declared policies, and each declared CREATE POLICY on its table's twin
    (deparsed once per file set: the slow part on the client)."""
    twins = {table: f"launchpad_check_{i}" for i, table in enumerate(sorted({key[:2] for key in declared.policies}))}
    statements = {}
    for key, policy in sorted(declared.policies.items()):
        table = ast.RangeVar(schemaname="pg_temp", relname=twins[key[:2]], inh=True, relpersistence="p")
        statements[key] = str(RawStream()(replaced(policy.statement, table=table)))
    return twins, statements


def _subject(key: PolicyKey) -> str:
    return f"policy {key[2]} on {ident(*key[:2])}"


RULE = Rule(NAME, "ERROR", "every declared policy present and unchanged, no other policy", run)
