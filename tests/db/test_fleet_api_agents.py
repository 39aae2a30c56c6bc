"""What the program (and `shards`) read of the agents created through the API, on both databases: one fleet's
agents but those being deleted, their sealed values, a dry run's candidate; nothing before the migration
that made them possible; a database that cannot be read is an error, never an empty fleet."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from launchpad.db.errors import RegistryError
from launchpad.db.repository import operations as ops
from launchpad.db.repository.fleet_api_agents import read_fleet_api_agents, read_preview_candidate
from launchpad.sealed import new_key, parse_keyring, seal, unseal
from launchpad.stacks.status import load_environment

pytestmark = pytest.mark.postgres

OWNER = "00000000-0000-4000-8000-0000000000c1"
ROOT = Path(__file__).resolve().parents[2]
SPEC = {"name": "x", "owner": OWNER, "character": {"name": "X", "bio": "x"}, "platforms": {"web": {}},
        "model": {"provider": "openai"}, "secrets": {"OPENAI_API_KEY": {"stored": True}}}


def _agent(conn: psycopg.Connection, name: str, fleet: str, status: str = "pending", paused: bool = False) -> str:
    row = conn.execute(
        "insert into public.agents (user_id, name, namespace, image, source, spec, fleet, stack, status, paused)"
        " values (%s, %s, %s, 'img', 'api', %s, %s, %s, %s, %s) returning id::text",
        (OWNER, name, f"agent-{name}", Jsonb({**SPEC, "name": name}), fleet, fleet, status, paused),
    ).fetchone()
    assert row is not None
    return str(row[0])


def test_one_fleets_agents_with_their_sealed_values(any_migrated_url: str) -> None:
    keyring = parse_keyring(new_key())
    with psycopg.connect(any_migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s)", (OWNER,))
        mine = _agent(conn, "mine", "prod", paused=True)
        _agent(conn, "other-fleet", "dev")
        _agent(conn, "leaving", "prod", status="deleting")
        blob = seal(keyring.current, "sk-value", OWNER, "mine", "OPENAI_API_KEY")
        conn.execute("insert into public.agent_secret_values (agent_id, user_id, env_name, key_id, ciphertext)"
                     " values (%s, %s, 'OPENAI_API_KEY', %s, %s)", (mine, OWNER, keyring.current.id, blob))
        conn.execute("update public.agents set restarted_at = '2026-12-07T10:00:00Z' where id = %s", (mine,))
    found = read_fleet_api_agents(any_migrated_url, "prod")
    assert [(a.name, a.paused, a.spec["name"]) for a in found.agents] == [("mine", True, "mine")]
    assert found.agents[0].row_id == mine  # its incarnation: a name created again is another row, another token
    assert found.agents[0].restarted_at is not None and found.agents[0].restarted_at.startswith("2026-12-07T10:00")
    (value,) = found.sealed
    assert unseal(keyring, value.key_id, value.ciphertext, value.user_id, value.agent, value.env_name) == "sk-value"


def test_a_dry_runs_candidate(any_migrated_url: str) -> None:
    with psycopg.connect(any_migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s)", (OWNER,))
        update = ops.enqueue(conn, user_id=OWNER, agent_name="x", stack="prod-shard-1", kind="update", dry_run=True,
                             candidate={"spec": SPEC, "paused": True, "restartedAt": None})
        delete = ops.enqueue(conn, user_id=OWNER, agent_name="x", stack="prod-shard-1", kind="delete", dry_run=True)
    name, agent = read_preview_candidate(any_migrated_url, update.id, ["prod-shard-1"])
    assert name == "x" and agent is not None and agent.paused and agent.spec == SPEC
    assert agent.row_id == ""  # no row yet: a create's preview
    with psycopg.connect(any_migrated_url, autocommit=True) as conn:
        row_id = _agent(conn, "x", "prod")
    assert read_preview_candidate(any_migrated_url, update.id, ["prod-shard-1"])[1].row_id == row_id  # type: ignore[union-attr]
    assert read_preview_candidate(any_migrated_url, delete.id, ["prod-shard-1"]) == ("x", None)
    with pytest.raises(RegistryError, match="does not exist for this fleet"):
        read_preview_candidate(any_migrated_url, update.id, ["dev"])  # another stack's operation


def test_nothing_before_the_migration_and_an_error_when_unreadable(database_url: str) -> None:
    assert read_fleet_api_agents(database_url, "prod").agents == []  # a database no `up` migrated yet
    dead = database_url.rsplit("@", 1)[0] + "@127.0.0.1:1/nowhere"
    with pytest.raises(RegistryError, match="reading the agents created through the API"):
        read_fleet_api_agents(dead, "prod")


def test_shards_plan_the_api_agents_too(any_migrated_url: str, tmp_path: Path) -> None:
    """`python -m launchpad shards` assigns an API agent to its shard like a file's, so a move releases it."""
    import shutil

    shutil.copytree(ROOT / "agents", tmp_path / "agents")
    (tmp_path / "Pulumi.prod.yaml").write_text(json.dumps({"config": {
        "agent-launchpad:database": "true", "agent-launchpad:imageBuild": "skip",
        "agent-launchpad:sharding": {"by": "hash", "count": 3}}}))
    with psycopg.connect(any_migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s)", (OWNER,))
        spec = {**SPEC, "platforms": {"discord": {}}, "secrets": {
            k: {"stored": True} for k in ("OPENAI_API_KEY", "DISCORD_API_TOKEN", "DISCORD_APPLICATION_ID")}}
        conn.execute("insert into public.agents (user_id, name, namespace, image, source, spec, fleet, stack)"
                     " values (%s, 'from-api', 'agent-from-api', 'img', 'api', %s, 'prod', 'prod')",
                     (OWNER, Jsonb({**spec, "name": "from-api"})))
    env = load_environment(tmp_path, "prod", lambda: any_migrated_url)
    assert "from-api" in env.assignment and len(env.fleet.agents) == 4
    without = load_environment(tmp_path, "prod")  # no database given: the files alone
    assert "from-api" not in without.assignment
