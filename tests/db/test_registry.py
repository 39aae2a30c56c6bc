"""The registry follows the fleet: add, change, remove an agent (and its secret names, never values)."""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from launchpad.db.errors import RegistryError
from launchpad.db.repository.record import AgentRecord, SecretLocation
from launchpad.db.repository.registry import register, unregister

pytestmark = pytest.mark.postgres

OWNER = "00000000-0000-4000-8000-0000000000c1"

RECORD = AgentRecord(
    user_id=OWNER,
    name="support-bot",
    tenant="acme",
    namespace="tenant-acme",
    status="running",
    replicas=2,
    character={"name": "Support", "bio": ["helps"]},
    plugins=["@elizaos/plugin-openai"],
    platforms={"discord": {"enabled": True}},
    resources={"requests": {"cpu": "250m"}},
    image="ghcr.io/acme/eliza:1.0",
    secrets=[
        SecretLocation("OPENAI_API_KEY", "pulumi-config", "openaiKey"),
        SecretLocation("DISCORD_TOKEN", "kubernetes-secret", "discord/token"),
    ],
)


@pytest.fixture
def url(migrated_url: str) -> str:
    with psycopg.connect(migrated_url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s) on conflict do nothing", (OWNER,))
        conn.execute("delete from public.agents where user_id = %s", (OWNER,))
    return migrated_url


def _agent(url: str) -> tuple[object, ...] | None:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select status, replicas, plugins, character, image, tenant from public.agents"
            " where user_id = %s and name = %s",
            (OWNER, RECORD.name),
        ).fetchone()


def _secrets(url: str) -> set[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select s.env_name, s.source, s.location from public.agent_secrets s"
            " join public.agents a on a.id = s.agent_id where a.user_id = %s and a.name = %s",
            (OWNER, RECORD.name),
        ).fetchall()
    return {(str(n), str(s), str(loc)) for n, s, loc in rows}


def test_add_change_remove(url: str) -> None:
    first_id = register(url, RECORD)
    assert _agent(url) == ("running", 2, ["@elizaos/plugin-openai"], RECORD.character, RECORD.image, "acme")
    assert _secrets(url) == {
        ("OPENAI_API_KEY", "pulumi-config", "openaiKey"),
        ("DISCORD_TOKEN", "kubernetes-secret", "discord/token"),
    }

    changed = dataclasses.replace(
        RECORD, replicas=5, image="ghcr.io/acme/eliza:1.1",
        secrets=[SecretLocation("OPENAI_API_KEY", "kubernetes-secret", "llm/openai")],
    )
    assert register(url, changed) == first_id  # same row, updated in place
    assert _agent(url) == ("running", 5, ["@elizaos/plugin-openai"], RECORD.character, changed.image, "acme")
    assert _secrets(url) == {("OPENAI_API_KEY", "kubernetes-secret", "llm/openai")}

    assert unregister(url, OWNER, RECORD.name) is True
    assert _agent(url) is None and _secrets(url) == set()
    assert unregister(url, OWNER, RECORD.name) is False


def test_failed_upsert_changes_nothing(url: str) -> None:
    register(url, RECORD)
    bad = dataclasses.replace(RECORD, replicas=9, secrets=[SecretLocation("BAD NAME", "pulumi-config", "x")])
    with pytest.raises(RegistryError, match="registering agent 'support-bot'"):
        register(url, bad)
    assert _agent(url) == ("running", 2, ["@elizaos/plugin-openai"], RECORD.character, RECORD.image, "acme")
    assert len(_secrets(url)) == 2


def test_unknown_owner_is_a_clear_error(url: str) -> None:
    stranger = dataclasses.replace(RECORD, user_id="00000000-0000-4000-8000-0000000000ff")
    with pytest.raises(RegistryError, match=r"owner 00000000-0000-4000-8000-0000000000ff\).*agents_user_id_fkey"):
        register(url, stranger)


def test_dev_databases_can_create_the_owner(url: str) -> None:
    newcomer = dataclasses.replace(RECORD, user_id="00000000-0000-4000-8000-0000000000fe")
    register(url, newcomer, create_owner=True)
    register(url, newcomer, create_owner=True)  # idempotent: the owner row exists the second time
    with psycopg.connect(url) as conn:
        users = conn.execute("select count(*) from auth.users where id = %s", (newcomer.user_id,)).fetchone()
        agents = conn.execute("select count(*) from public.agents where user_id = %s", (newcomer.user_id,)).fetchone()
    assert users == (1,) and agents == (1,)
    assert unregister(url, newcomer.user_id, newcomer.name)
