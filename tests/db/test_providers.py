"""The dynamic providers' methods against a real PostgreSQL, called as the Pulumi engine calls them."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from components.providers.migrations import _MigrationsProvider
from components.providers.registry import _RegisteredAgentsProvider, _RegistryMembersProvider
from launchpad.providers.migrations import local_checksums
from launchpad.providers.wire import UNKNOWN, secret
from tests.provider_host import provider_host

pytestmark = pytest.mark.postgres

OWNER = "00000000-0000-4000-8000-0000000000d1"


def _inputs(url: object, migrations_dir: Path) -> dict[str, object]:
    """The Migrations resource's inputs as the engine passes them: the URL in wire form, the files' checksums."""
    checksums = local_checksums(str(migrations_dir))
    return {"database_url": url, "migrations_dir": str(migrations_dir), "checksums": checksums}


def test_preview_shows_pending_then_up_applies_and_nothing_is_left(database_url: str, migrations_dir: Path) -> None:
    provider = _MigrationsProvider()
    news = _inputs(secret(database_url), migrations_dir)
    checked = provider.check({}, news).inputs
    assert checked["pending"] == sorted(news["checksums"])
    outs = provider.create(checked).outs
    assert outs is not None and "database_url" not in outs and database_url not in repr(outs)
    assert outs["applied_count"] == len(news["checksums"]) and outs["pending"] == []

    again = provider.check(outs, news).inputs
    assert again["pending"] == []
    assert provider.diff("supabase-schema", outs, again).changes is False

    # A table with row-level security: without it, `up` applies the file, then fails on the database check.
    (migrations_dir / "20990101000000_more.sql").write_text(
        "create table public.more (id int);\nalter table public.more enable row level security;\n"
    )
    grown = dict(news, checksums=local_checksums(str(migrations_dir)))
    grown = provider.check(outs, grown).inputs
    assert grown["pending"] == ["20990101000000"]
    assert provider.diff("supabase-schema", outs, grown).changes is True  # never a silent no-op
    updated = provider.update("supabase-schema", outs, grown).outs
    assert updated is not None and updated["applied_count"] == len(news["checksums"]) + 1


def test_unknown_url_during_preview_falls_back_to_state(migrations_dir: Path) -> None:
    news = _inputs(UNKNOWN, migrations_dir)
    applied = sorted(news["checksums"])[:2]
    checked = _MigrationsProvider().check({"applied_versions": applied}, news).inputs
    assert checked["pending"] == sorted(news["checksums"])[2:]


def test_drift_in_preview_is_a_check_failure_naming_the_file(database_url: str, migrations_dir: Path) -> None:
    provider = _MigrationsProvider()
    news = _inputs(secret(database_url), migrations_dir)
    provider.create(provider.check({}, news).inputs)
    first = sorted(migrations_dir.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after it was applied\n")
    failures = provider.check({}, _inputs(secret(database_url), migrations_dir)).failures
    assert [(f.property, f.reason) for f in failures] == [
        ("migrations_dir", f"applied migration(s) changed since they were applied: {first.name}; restore the "
         "applied content and put the change in a new migration file")
    ]
    assert database_url not in repr(failures)


def test_out_of_order_file_in_preview_is_a_check_failure(database_url: str, migrations_dir: Path) -> None:
    provider = _MigrationsProvider()
    news = _inputs(secret(database_url), migrations_dir)
    provider.create(provider.check({}, news).inputs)
    (migrations_dir / "20240101000000_from_a_branch.sql").write_text("select 1;\n")
    failures = provider.check({}, _inputs(secret(database_url), migrations_dir)).failures
    assert len(failures) == 1 and failures[0].property == "migrations_dir"
    assert failures[0].reason.startswith("pending migration(s) sort before the latest applied version")
    assert "20240101000000_from_a_branch.sql" in failures[0].reason


def test_files_changed_after_preview_are_refused(database_url: str, migrations_dir: Path, tmp_path: Path) -> None:
    planned = local_checksums(str(migrations_dir))
    first = sorted(migrations_dir.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after preview\n")
    props = {"database_url": secret(database_url), "migrations_dir": str(migrations_dir), "checksums": planned}
    with pytest.raises(Exception, match="changed between preview and update"):
        _MigrationsProvider().create(props)
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_a_failed_update_reaches_the_user_without_a_traceback(migrations_dir: Path) -> None:
    # In the engine's real provider host (tests/provider_host.py): the message the engine prints, nothing else.
    planned = local_checksums(str(migrations_dir))
    first = sorted(migrations_dir.glob("*.sql"))[0]
    first.write_text(first.read_text() + "\n-- edited after preview\n")
    url = "postgresql://owner:Sup3r-s3cret-pw@127.0.0.1:1/postgres"
    props = {"database_url": url, "migrations_dir": str(migrations_dir), "checksums": planned}
    with provider_host() as host:
        details = host.create(_MigrationsProvider(), props)
    assert details == (
        f"launchpad.db.errors.MigrationError: migration files changed between preview and update: "
        f"{first.name.split('_', 1)[0]}; re-run\n"
    )


def _record(name: str, replicas: int = 1) -> dict[str, object]:
    return {"user_id": OWNER, "name": name, "tenant": None, "namespace": f"agent-{name}", "status": "running",
            "replicas": replicas, "character": {}, "plugins": [], "platforms": {}, "resources": {}, "image": "i:1",
            "secrets": [{"env_name": "K", "source": "pulumi-config", "location": "k"}]}


def _rows(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {str(n): int(r) for n, r in conn.execute("select name, replicas from public.agents where user_id = %s",
                                                        (OWNER,))}


def test_registered_agents_upsert_only_what_changed_and_never_delete(migrated_url: str) -> None:
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s) on conflict do nothing", (OWNER,))
    url = secret(migrated_url)
    provider = _RegisteredAgentsProvider()
    news = {"database_url": url, "records": {"a": _record("a"), "b": _record("b")}}
    created = provider.create(news)
    assert created.outs is not None and set(created.outs["digests"]) == {"a", "b"}
    assert migrated_url not in repr(created.outs)  # the state keeps digests, never the URL
    assert _rows(migrated_url) == {"a": 1, "b": 1}
    assert provider.diff(created.id, created.outs, news).changes is False

    # b moves to another stack (it keeps its row), a changes: only a is written.
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        conn.execute("update public.agents set replicas = 7 where name = 'b'")  # would be overwritten if re-upserted
    moved = {"database_url": url, "records": {"a": _record("a", replicas=3)}}
    assert provider.diff(created.id, created.outs, moved).changes is True
    updated = provider.update(created.id, created.outs, moved).outs
    assert updated is not None and set(updated["digests"]) == {"a"}
    assert _rows(migrated_url) == {"a": 3, "b": 7}
    provider.delete(created.id, updated)
    assert _rows(migrated_url) == {"a": 3, "b": 7}


def test_registry_members_delete_the_rows_of_agents_that_left_the_fleet(migrated_url: str) -> None:
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s) on conflict do nothing", (OWNER,))
    url = secret(migrated_url)
    _RegisteredAgentsProvider().create({"database_url": url, "records": {n: _record(n) for n in ("a", "b", "c")}})
    provider = _RegistryMembersProvider()
    members = {"a": OWNER, "b": OWNER, "c": OWNER}
    created = provider.create({"database_url": url, "members": members})
    assert created.outs is not None and _rows(migrated_url) == {"a": 1, "b": 1, "c": 1}
    left = {"database_url": url, "members": {"a": OWNER, "b": OWNER}}
    assert provider.diff(created.id, created.outs, left).changes is True
    updated = provider.update(created.id, created.outs, left).outs
    assert _rows(migrated_url) == {"a": 1, "b": 1}
    assert updated is not None
    provider.delete(created.id, updated)
    assert _rows(migrated_url) == {}


def test_record_without_optional_fields_survives_the_engine() -> None:
    # The engine drops null properties: an agent without a tenant arrives with no `tenant` key.
    from launchpad.providers.registry import record_from

    record = record_from({"user_id": "u", "name": "n", "namespace": "agent-n", "status": "running", "replicas": 1,
                          "character": {}, "plugins": [], "platforms": {}, "resources": {}, "image": "i:1"})
    assert record.tenant is None and record.secrets == []
