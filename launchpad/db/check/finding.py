"""What a rule of the live-database check reports, and what a rule is (after supabase/splinter: a name, a
level, a remediation and one catalog query)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import psycopg

from launchpad.db.check.declared import Declared

Level = Literal["ERROR", "WARN"]


@dataclass(frozen=True)
class Finding:
    rule: str
    level: Level
    subject: str  # the object, e.g. "public.agents" or "policy agents_select_own on public.agents"
    problem: str
    fix: str  # one SQL statement or instruction that removes the finding

    def line(self) -> str:
        return f"{self.level} {self.rule}: {self.subject}: {self.problem}; fix: {self.fix}"


@dataclass(frozen=True)
class Context:
    """A rule's inputs: a connection inside the check's transaction (rolled back at the end, search_path
    empty so that every name the catalog prints is schema-qualified) and what the migrations declare."""

    conn: psycopg.Connection[tuple[object, ...]]
    declared: Declared
    search_path: str  # the session's own, which the migrations ran with

    @property
    def schemas(self) -> list[str]:
        return sorted(self.declared.schemas)

    @contextmanager
    def migrations_search_path(self) -> Iterator[None]:
        """Inside: the session's search_path, the one unqualified names in the migration files resolved in."""
        self.conn.execute("select set_config('search_path', %s, true)", (self.search_path,))
        try:
            yield
        finally:
            self.conn.execute("select set_config('search_path', '', true)")


def ident(*names: str) -> str:
    """A (qualified) name as PostgreSQL prints it: quoted only when it has to be."""
    return ".".join(n if n.isidentifier() and n == n.lower() else '"' + n.replace('"', '""') + '"' for n in names)


@dataclass(frozen=True)
class Rule:
    name: str
    level: Level
    description: str
    run: Callable[[Context], list[Finding]]
