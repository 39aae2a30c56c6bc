"""How long a migration may wait, and who it waited for.

An ALTER TABLE needs an ACCESS EXCLUSIVE lock. Behind a long transaction that touched the table it waits, and
every later reader of that table queues behind the waiting ALTER: the program's `up`, the API and the
dashboard stall with it, for as long as that transaction lives. So each file runs with `lock_timeout` (it gives
up waiting after a few seconds, and the queue behind it drains), is retried a few times with a pause between
(the usual blocker, a slow request, ends on its own), and if it still cannot get its lock the error names the
table and the session holding it: its pid, application, state and age, and the statement that ends it.
`statement_timeout` bounds a statement that runs (rather than waits) too long."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from pglast import ast, parser
from pglast.visitors import Visitor


@dataclass(frozen=True)
class Timeouts:
    lock_seconds: float = 5.0  # one statement's wait for a lock, before the file is rolled back
    statement_seconds: float = 900.0  # one statement's run time
    attempts: int = 4  # of a file that could not get its locks
    pause_seconds: float = 2.0  # before the second attempt, doubling after each


TIMEOUTS = Timeouts()

@dataclass(frozen=True)
class Holder:
    relation: str
    pid: int
    mode: str
    application: str
    state: str
    seconds: int | None  # age of its transaction

    def describe(self) -> str:
        who = f"pid {self.pid}" + (f" ({self.application})" if self.application else "")
        state = f", {self.state}" if self.state else ""
        age = f" for {self.seconds} s" if self.seconds is not None else ""
        return f"{who} holding {self.mode}{state}{age}"


class _Relations(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def visit_RangeVar(self, _ancestors: object, node: ast.RangeVar) -> None:  # pglast's naming
        name = f"{node.schemaname}.{node.relname}" if node.schemaname else str(node.relname)
        if name not in self.names:
            self.names.append(name)


def relations_of(statement: str) -> list[str]:
    """The tables a statement names (as written), read with PostgreSQL's own parser."""
    try:
        tree = parser.parse_sql(statement)
    except parser.ParseError:
        return []
    visitor = _Relations()
    visitor(tree)
    return visitor.names


_HOLDERS = """
select format('%%I.%%I', n.nspname, c.relname), a.pid, l.mode, coalesce(a.application_name, ''),
       coalesce(a.state, ''), extract(epoch from now() - a.xact_start)::int
from pg_locks l
join pg_class c on c.oid = l.relation
join pg_namespace n on n.oid = c.relnamespace
join pg_stat_activity a on a.pid = l.pid
where l.locktype = 'relation' and l.granted and l.pid <> pg_backend_pid()
  and l.relation = any(select to_regclass(name) from unnest(%s::text[]) as name where to_regclass(name) is not null)
order by a.xact_start nulls last, a.pid
"""


def holders(conn: psycopg.Connection[tuple[object, ...]], relations: list[str]) -> list[Holder]:
    """Other sessions holding locks on `relations` now (the migration's transaction was rolled back, so the
    session it waited for still holds them)."""
    if not relations:
        return []
    rows = conn.execute(_HOLDERS, (relations,)).fetchall()
    return [
        Holder(str(r[0]), int(str(r[1])), str(r[2]), str(r[3]), str(r[4]), int(str(r[5])) if r[5] is not None else None)
        for r in rows
    ]
