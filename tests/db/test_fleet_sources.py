"""The git fleet's recorded files (launchpad/db/repository/fleet_sources.py), on both databases: a recorder writes
exactly its list and only what changed, a worker reads one fleet's files across recorders (the newest copy of a
path wins), a fleet never recorded reads as None, a file that changed under the program is refused whole, and no
API role reaches any of it."""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest

from launchpad.db.repository import fleet_sources as repo
from launchpad.db.repository.fleet_sources import SourcesError

pytestmark = pytest.mark.postgres


def _manifest(files: dict[str, bytes]) -> dict[str, str]:
    return {path: hashlib.sha256(content).hexdigest() for path, content in files.items()}


class Reader:
    """The provider's file reader, counting what it was asked for: only changed files are read."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files, self.asked = files, []  # type: ignore[var-annotated]

    def __call__(self, path: str) -> bytes:
        self.asked.append(path)
        return self.files[path]


def _record(conn: psycopg.Connection, stack: str, part: str, files: dict[str, bytes], fleet: str = "prod") -> Reader:
    reader = Reader(files)
    repo.record(conn, fleet, stack, part, _manifest(files), reader)  # type: ignore[arg-type]
    return reader


def _read(conn: psycopg.Connection, fleet: str = "prod") -> dict[str, bytes] | None:
    found = repo.read(conn, fleet)
    return None if found is None else {f.path: f.content for f in found}


@pytest.fixture
def conn(migrated_url: str):  # type: ignore[no-untyped-def]
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        conn.execute("delete from public.fleet_source_sets")  # the database is shared by this module's tests
        yield conn


def test_a_recorder_writes_its_list_and_then_only_what_changed(conn: psycopg.Connection) -> None:
    assert _read(conn) is None  # nothing recorded yet: a worker refuses to run
    first = {"a.yaml": b"name: a\n", "b.yaml": b"name: b\n", "characters/a.json": b"{}\n"}
    assert sorted(_record(conn, "prod-shard-0", "agents", first).asked) == sorted(first)
    assert _read(conn) == first
    assert _record(conn, "prod-shard-0", "agents", first).asked == []  # the same list again: nothing read or written
    second = {"a.yaml": b"name: a\nbio: edited\n", "characters/a.json": b"{}\n"}  # one edited, one removed
    assert _record(conn, "prod-shard-0", "agents", second).asked == ["a.yaml"]
    assert _read(conn) == second
    stored = conn.execute("select sha256 from public.fleet_source_files where path = 'a.yaml'").fetchone()
    assert stored == (hashlib.sha256(second["a.yaml"]).hexdigest(),)


def test_a_fleet_is_read_across_its_recorders_newest_copy_first(conn: psycopg.Connection) -> None:
    _record(conn, "prod", "shared", {"defaults.yaml": b"tier: standard\n", "locks/1.lock": b"{}\n"})
    _record(conn, "prod-shard-0", "agents", {"a.yaml": b"old a\n"})
    _record(conn, "prod-shard-1", "agents", {"b.yaml": b"b\n", "a.yaml": b"new a\n"})  # a moved here, edited
    _record(conn, "other-shard-0", "agents", {"z.yaml": b"z\n"}, fleet="other")
    assert _read(conn) == {"defaults.yaml": b"tier: standard\n", "locks/1.lock": b"{}\n", "a.yaml": b"new a\n",
                           "b.yaml": b"b\n"}  # fmt: skip
    _record(conn, "prod-shard-0", "agents", {})  # its `up` after the move: recorded, empty
    assert _read(conn, "prod") == {"defaults.yaml": b"tier: standard\n", "locks/1.lock": b"{}\n",
                                   "a.yaml": b"new a\n", "b.yaml": b"b\n"}  # fmt: skip
    repo.forget(conn, "prod", "prod-shard-1", "agents")  # a retired shard
    assert set(_read(conn) or {}) == {"defaults.yaml", "locks/1.lock"}
    assert _read(conn, "other") == {"z.yaml": b"z\n"}


def test_a_file_changed_under_the_program_is_refused_and_nothing_written(conn: psycopg.Connection) -> None:
    _record(conn, "prod", "agents", {"a.yaml": b"a\n"})
    manifest = _manifest({"a.yaml": b"a, edited\n", "b.yaml": b"b\n"})
    with pytest.raises(SourcesError, match="changed while the program ran"):
        on_disk = {"a.yaml": b"a, edited\n", "b.yaml": b"b, again\n"}  # b changed after the program read it
        repo.record(conn, "prod", "prod", "agents", manifest, on_disk.__getitem__)
    assert _read(conn) == {"a.yaml": b"a\n"}


def test_paths_stay_inside_the_agents_directory(conn: psycopg.Connection) -> None:
    for path in ("../escape.yaml", "/etc/passwd", "a/../../b", "back\\slash"):
        with pytest.raises(psycopg.errors.CheckViolation):
            _record(conn, "prod", "agents", {path: b"x"})
    assert _read(conn) is None  # rolled back whole: not even the set row


@pytest.mark.parametrize("role", ["authenticated", "anon"])
def test_no_api_role_reads_or_writes_the_fleets_files(conn: psycopg.Connection, role: str) -> None:
    _record(conn, "prod", "agents", {"a.yaml": b"a\n"})
    for statement in (
        "select * from public.fleet_source_files",
        "select * from public.fleet_source_sets",
        "delete from public.fleet_source_sets",
        "insert into public.fleet_source_sets (fleet, stack, part, digest)"
        " values ('x', 'x', 'agents', repeat('0', 64))",
    ):
        with conn.transaction(), pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"set local role {role}")
            claims = json.dumps({"sub": "00000000-0000-4000-8000-0000000000c1", "role": role})
            conn.execute("select set_config('request.jwt.claims', %s, true)", (claims,))
            conn.execute(statement)
    assert _read(conn) == {"a.yaml": b"a\n"}


def test_the_control_planes_own_role_reads_them_and_writes_nothing(conn: psycopg.Connection) -> None:
    """The API (services/api/agents/fleet_files.py) logs in as launchpad_api: it reads the fleet's files; its
    requests, run as `authenticated`, do not."""
    _record(conn, "prod", "agents", {"a.yaml": b"a\n"})
    url = conn.info.dsn.replace(f"user={conn.info.user}", "user=launchpad_api")  # its login, as the API's
    with psycopg.connect(url, autocommit=True) as api:
        assert repo.version(api, "prod") is not None
        assert [f.path for f in repo.read(api, "prod") or []] == ["a.yaml"]
        for statement in ("delete from public.fleet_source_files", "update public.fleet_source_sets set digest = ''"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                api.execute(statement)
        with api.transaction(), pytest.raises(psycopg.errors.InsufficientPrivilege):
            api.execute("set local role authenticated")  # a request's queries
            api.execute("select * from public.fleet_source_files")
