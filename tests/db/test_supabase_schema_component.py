"""SupabaseSchema and the registry resources under Pulumi mocks: inputs, secrecy, parenting, outputs."""

from __future__ import annotations

from typing import Any

import pulumi

from tests.pulumi_mocks import MOCKS, install, is_secret, run_program, unwrap

install()  # before importing the component: resources must register with the mocks

from components.providers.registry import RegisteredAgents, RegistryMembers  # noqa: E402
from components.supabase_schema import SupabaseSchema, SupabaseSchemaArgs  # noqa: E402
from launchpad.db.migrations.files import discover  # noqa: E402
from launchpad.db.repository.record import AgentRecord, SecretLocation  # noqa: E402
from tests.db.conftest import MIGRATIONS  # noqa: E402

URL = "postgresql://owner:hunter2-not-for-logs@db.example.test:5432/postgres"
MIGRATIONS_TYPE = "pulumi-python:dynamic/launchpad:Migrations"
REGISTERED_TYPE = "pulumi-python:dynamic/launchpad:RegisteredAgents"
MEMBERS_TYPE = "pulumi-python:dynamic/launchpad:RegistryMembers"


def _schema() -> SupabaseSchema:
    return SupabaseSchema("control-plane", SupabaseSchemaArgs(database_url=URL, migrations_dir=str(MIGRATIONS)))


def test_migrations_resource_carries_the_migration_set_and_a_secret_url() -> None:
    run_program(_schema)
    (component,) = MOCKS.of_type("agent-launchpad:index:SupabaseSchema")
    assert component.name == "control-plane"
    dynamic = MOCKS.named(MIGRATIONS_TYPE, "control-plane-migrations")
    assert is_secret(dynamic.inputs["database_url"]) and unwrap(dynamic.inputs["database_url"]) == URL
    assert dynamic.inputs["checksums"] == {f.version: f.checksum for f in discover(MIGRATIONS)}
    assert dynamic.inputs["migrations_dir"] == str(MIGRATIONS)
    # The serialized provider is the only other large value: keep it small (it is stored in every state).
    assert len(str(dynamic.inputs["__provider"])) < 20_000


def test_child_is_parented_and_outputs_never_contain_the_url() -> None:
    seen: dict[str, Any] = {}

    def program() -> None:
        schema = _schema()

        def check(values: list[Any]) -> None:
            urn, applied, count = values
            assert "agent-launchpad:index:SupabaseSchema$" in urn, urn  # parent=self
            assert URL not in repr(applied) and URL not in repr(count)
            seen["done"] = True

        pulumi.Output.all(schema.migrations.urn, schema.applied_versions, schema.applied_count).apply(check)

    run_program(program)
    assert seen == {"done": True}  # the assertions inside apply really ran


def test_changed_migration_set_changes_the_inputs(tmp_path: Any) -> None:
    import shutil

    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy)
    run_program(lambda: SupabaseSchema("a", SupabaseSchemaArgs(URL, str(copy))))
    before = MOCKS.named(MIGRATIONS_TYPE, "a-migrations").inputs["checksums"]
    (copy / "20990101000000_more.sql").write_text("select 1;\n")
    run_program(lambda: SupabaseSchema("a", SupabaseSchemaArgs(URL, str(copy))))
    after = MOCKS.named(MIGRATIONS_TYPE, "a-migrations").inputs["checksums"]
    assert set(after) - set(before) == {"20990101000000"}


def test_registered_agents_inputs_hold_records_with_secret_locations_never_values() -> None:
    record = AgentRecord(
        user_id="00000000-0000-4000-8000-000000000001", name="helper", tenant=None, namespace="agent-helper",
        status="running", replicas=1, character={"name": "Helper"}, plugins=[], platforms={}, resources={},
        image="img:1", secrets=[SecretLocation("OPENAI_API_KEY", "pulumi-config", "openaiKey")],
    )
    run_program(lambda: RegisteredAgents("registry-agents", URL, [record]))
    registered = MOCKS.named(REGISTERED_TYPE, "registry-agents")
    assert is_secret(registered.inputs["database_url"])
    assert registered.inputs["records"]["helper"]["secrets"] == [
        {"env_name": "OPENAI_API_KEY", "source": "pulumi-config", "location": "openaiKey"}
    ]
    assert URL not in repr(registered.inputs["records"])
    # The provider captures no secret: its pickle (a reference, ~100 bytes) is stored in plaintext, not as
    # a ciphertext twice its size in every checkpoint.
    assert not is_secret(registered.inputs["__provider"]) and len(registered.inputs["__provider"]) < 200


def test_registry_members_key_agents_by_owner_and_keep_the_url_secret() -> None:
    run_program(lambda: RegistryMembers("registry-members", URL, {"helper": "00000000-0000-4000-8000-000000000001"}))
    members = MOCKS.named(MEMBERS_TYPE, "registry-members")
    assert members.inputs["members"] == {"helper": "00000000-0000-4000-8000-000000000001"}
    assert is_secret(members.inputs["database_url"])
