"""Statement splitting and file discovery (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from launchpad.db.errors import MigrationFileError, MigrationSyntaxError
from launchpad.db.migrations.files import discover
from launchpad.db.migrations.statements import split

TRICKY = """-- a comment; with a semicolon
create function f() returns int language plpgsql as $body$
begin
  perform 1; return 1;
end $body$;
select 'a;b', E'x\\';y', "we;ird"; /* outer; /* nested; */ still comment; */ select 2;
select 'ends with backslash\\'; select 3;
create function g() returns int language sql
begin atomic
  select 1; select 2;
end;
select $$;$$
"""


def test_split_respects_quotes_comments_and_bodies() -> None:
    statements = split(TRICKY, "tricky.sql")
    first_words = [s.text.split()[0] for s in statements]
    assert first_words == ["create", "select", "select", "select", "select", "create", "select"]
    assert statements[0].text.endswith("end $body$")
    assert statements[1].text == "select 'a;b', E'x\\';y', \"we;ird\""
    assert statements[3].text == "select 'ends with backslash\\'"
    assert "select 2;\nend" in statements[5].text
    assert statements[6].text == "select $$;$$"


def test_split_reports_first_line_and_index() -> None:
    statements = split(TRICKY, "tricky.sql")
    assert [(s.index, s.line) for s in statements] == [(1, 2), (2, 6), (3, 6), (4, 7), (5, 7), (6, 8), (7, 12)]


def test_syntax_error_names_file_line_and_statement() -> None:
    with pytest.raises(MigrationSyntaxError) as info:
        split("select 1;\n\nselect 2;\ncreate tabel x ();\n", "20250101000000_bad.sql")
    message = str(info.value)
    assert message.startswith("20250101000000_bad.sql:4: statement 3: syntax error at or near \"tabel\"")
    assert "nothing was applied" in message


def test_discover_orders_by_version_and_checksums(tmp_path: Path) -> None:
    (tmp_path / "20250102000000_second.sql").write_text("select 2;")
    (tmp_path / "20250101000000_first.sql").write_text("select 1;")
    (tmp_path / "README.md").write_text("not a migration")
    files = discover(tmp_path)
    assert [(f.version, f.name) for f in files] == [("20250101000000", "first"), ("20250102000000", "second")]
    assert files[0].checksum != files[1].checksum and len(files[0].checksum) == 64


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["2025_bad.sql"], "2025_bad.sql: not named <YYYYMMDDHHMMSS>_<name>.sql"),
        (
            ["20250101000000_a.sql", "20250101000000_b.sql"],
            "20250101000000_b.sql: version 20250101000000 is also used by 20250101000000_a.sql",
        ),
    ],
)
def test_discover_refuses_misnamed_and_duplicate_files(tmp_path: Path, names: list[str], expected: str) -> None:
    for name in names:
        (tmp_path / name).write_text("select 1;")
    with pytest.raises(MigrationFileError, match="^" + expected.replace("<", ".").replace(">", ".")):
        discover(tmp_path)
