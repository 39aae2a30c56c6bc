"""The dynamic providers' methods against a real PostgreSQL, called as the Pulumi engine calls them."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from components.supabase_schema import _MigrationsProvider, _RegistrationProvider
from launchpad.db.provider_ops import UNKNOWN, local_checksums, secret
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


def test_registration_provider_upserts_and_deletes(migrated_url: str) -> None:
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s) on conflict do nothing", (OWNER,))
    record = {"user_id": OWNER, "name": "reg", "tenant": None, "namespace": "agent-reg", "status": "deployed",
              "replicas": 1, "character": {}, "plugins": [], "platforms": {}, "resources": {}, "image": "i:1",
              "secrets": [{"env_name": "K", "source": "pulumi-config", "location": "k"}]}
    provider = _RegistrationProvider()
    created = provider.create({"database_url": secret(migrated_url), "record": record})
    assert created.outs is not None
    changed = dict(record, replicas=3)
    assert provider.diff(created.id, created.outs, {"record": changed}).changes is True
    assert provider.diff(created.id, created.outs, {"record": dict(changed, name="other")}).replaces == ["record"]
    provider.update(created.id, created.outs, {"database_url": secret(migrated_url), "record": changed})
    with psycopg.connect(migrated_url) as conn:
        assert conn.execute("select replicas from public.agents where id = %s", (created.id,)).fetchone() == (3,)
    provider.delete(created.id, created.outs)
    with psycopg.connect(migrated_url) as conn:
        assert conn.execute("select count(*) from public.agents where id = %s", (created.id,)).fetchone() == (0,)


def test_record_without_optional_fields_survives_the_engine() -> None:
    # The engine drops null properties: an agent without a tenant arrives with no `tenant` key.
    from launchpad.db.provider_ops import record_from

    record = record_from({"user_id": "u", "name": "n", "namespace": "agent-n", "status": "deployed", "replicas": 1,
                          "character": {}, "plugins": [], "platforms": {}, "resources": {}, "image": "i:1"})
    assert record.tenant is None and record.secrets == []
