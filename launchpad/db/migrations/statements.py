"""Split a migration file into statements with PostgreSQL's own parser (libpg_query, via pglast).

A hand-written splitter gets dollar-quoted bodies, nested comments, E'' strings and `begin atomic` bodies
wrong in ways that only show up on a real file; the server's grammar does not. A file that does not parse
is refused before anything is applied, with the line of the error.
"""

from __future__ import annotations

from dataclasses import dataclass

from pglast import ast, parser

from launchpad.db.errors import MigrationSyntaxError


@dataclass(frozen=True)
class Statement:
    index: int  # 1-based position in the file
    line: int  # 1-based line of the statement's first character
    text: str


def line_of(sql: str, offset: int) -> int:
    return sql.count("\n", 0, offset) + 1


def parse(sql: str, filename: str) -> tuple[ast.RawStmt, ...]:
    """The file's parse trees; a file that does not parse is the same one-line error as in `split`."""
    try:
        return tuple(parser.parse_sql(sql))
    except parser.ParseError as exc:
        raise _syntax_error(sql, filename, exc, outcome="") from None


def split(sql: str, filename: str) -> list[Statement]:
    try:
        slices = parser.split(sql, with_parser=True, only_slices=True)
    except parser.ParseError as exc:
        raise _syntax_error(sql, filename, exc) from None
    return [Statement(i, line_of(sql, s.start or 0), sql[s]) for i, s in enumerate(slices, start=1)]


def _syntax_error(
    sql: str, filename: str, exc: parser.ParseError, outcome: str = "; nothing was applied"
) -> MigrationSyntaxError:
    message = str(exc.args[0]) if exc.args else str(exc)
    offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
    if offset is None:
        return MigrationSyntaxError(f"{filename}: {message}")
    return MigrationSyntaxError(
        f"{filename}:{line_of(sql, offset)}: statement {_statement_at(sql, offset)}: {message}{outcome}"
    )


def _statement_at(sql: str, offset: int) -> int:
    """Which statement the error offset falls in, counted with the scanner (the parser gave up)."""
    try:
        slices = parser.split(sql, with_parser=False, only_slices=True)
    except parser.ParseError:
        return 1
    for index, s in enumerate(slices, start=1):
        if offset < (s.stop or 0) + 1:
            return index
    return len(slices) + 1
