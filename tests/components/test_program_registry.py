"""With `database: true` the program applies the control-plane schema and registers one row per agent after
it (one RegisteredAgents resource for the stack's agents, one RegistryMembers for the fleet's keys); the
database URL travels only as a Pulumi secret and no record carries a secret value."""

from __future__ import annotations

import hashlib
import json
import os

import pytest

from tests.pulumi_mocks import MOCKS, install, is_secret, run_program, stack_config, unwrap

install()

from components import program  # noqa: E402
from tests.components.example_config import ROOT, TEST_SECRET_PREFIX, example_secrets  # noqa: E402

DYNAMIC = "pulumi-python:dynamic/launchpad:"
pytestmark = pytest.mark.postgres  # the program reads the fleet's API agents from the database


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory, registry_url: str) -> list:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        plain = {"renderDir": str(tmp_path_factory.mktemp("render")), "imageBuild": "skip", "database": "true"}
        with stack_config(plain, {**example_secrets(), "databaseUrl": registry_url}):
            run_program(program.run)
    finally:
        os.chdir(cwd)
    return list(MOCKS.resources)


def test_schema_and_the_registry_resources_not_one_per_agent(resources: list) -> None:
    dynamic = [r for r in resources if r.typ.startswith(DYNAMIC)]
    assert sorted(r.name for r in dynamic) == [
        "agent-incarnations", "control-plane-migrations", "fleet-sources-agents", "fleet-sources-shared",
        "registry-agents", "registry-members",
    ]  # fmt: skip
    (registered,) = [r for r in dynamic if r.name == "registry-agents"]
    assert sorted(registered.inputs["records"]) == ["crypto-trading-bot", "omni-agent", "support-assistant"]
    (members,) = [r for r in dynamic if r.name == "registry-members"]
    assert sorted(members.inputs["members"]) == ["crypto-trading-bot", "omni-agent", "support-assistant"]
    assert [r.name for r in resources if r.typ == "agent-launchpad:index:SupabaseSchema"] == ["control-plane"]


def test_the_git_fleets_files_are_recorded_by_digest_never_by_content(resources: list) -> None:
    """Each file the program read, relative to the agents directory, with its sha256 (the provider reads the bytes
    when it writes): the state does not grow with the fleet's characters and lockfiles."""
    agents = ROOT / "agents"
    (own,) = [r.inputs for r in resources if r.name == "fleet-sources-agents"]
    (shared,) = [r.inputs for r in resources if r.name == "fleet-sources-shared"]
    assert (own["fleet"], own["part"], shared["part"]) == ("dev", "agents", "shared")
    assert sorted(own["files"]) == ["characters/omni.json", "crypto-trading-bot.yaml", "omni-agent.yaml",
                                    "support-assistant.yaml"]  # fmt: skip
    locks = sorted(f"locks/{p.name}" for p in (agents / "locks").glob("*.lock"))
    assert locks and sorted(shared["files"]) == ["defaults.yaml", *locks]
    for name, sha in {**own["files"], **shared["files"]}.items():
        assert sha == hashlib.sha256((agents / name).read_bytes()).hexdigest(), name


def test_database_url_is_secret_everywhere(resources: list, registry_url: str) -> None:
    for r in (r for r in resources if r.typ.startswith(DYNAMIC) and r.name != "agent-incarnations"):
        assert is_secret(r.inputs["database_url"]), r.name
        assert unwrap(r.inputs["database_url"]) == registry_url


def test_records_name_secret_locations_never_values(resources: list) -> None:
    (record,) = [r.inputs["records"]["omni-agent"] for r in resources if r.name == "registry-agents"]
    assert record["name"] == "omni-agent" and record["namespace"] == "agent-omni-agent"
    assert {s["env_name"] for s in record["secrets"]} >= {"DISCORD_API_TOKEN", "OPENROUTER_API_KEY"}
    assert TEST_SECRET_PREFIX not in json.dumps(record)


def test_missing_database_url_registers_nothing(tmp_path, monkeypatch) -> None:
    import pulumi

    monkeypatch.chdir(ROOT)
    plain = {"renderDir": str(tmp_path), "imageBuild": "skip", "database": "true"}
    with stack_config(plain, example_secrets()), pytest.raises(pulumi.RunError) as caught:
        run_program(program.run)
    assert MOCKS.resources == []
    expected = "Pulumi.dev.yaml: agent-launchpad:database: names config key databaseUrl, which is not set as a secret"
    assert expected in str(caught.value)
