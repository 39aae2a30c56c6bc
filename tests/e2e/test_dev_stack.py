"""The dev stack under the real Pulumi engine, end to end and in order: preview, up, a no-op preview, secret
rotation (the stack key, one config secret, one agent's token), a scaling change, a bad agent file, removing an
agent and adding it back, the state's secrets, destroy. The policy pack runs on every preview and up, as in
scripts/dev-up.sh. Each test builds on the stack the previous one left."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections import Counter

import psycopg
import pytest
import yaml

from tests.e2e.workspace import DB_PASSWORD, Workspace, blank_ciphertexts
from tests.fleet.fleet_files import write_locks

POLICY = ("--policy-pack", "policies", "--policy-pack-config", "policies/config/dev.json")
# A fourth agent that may scale (the web API has no bot identity), so a replica change has something to do.
WEB_AGENT = """\
name: web-agent
owner: 5a8e0c1d-2b3f-4a6e-9c7d-8e1f2a3b4c5d
character: {name: Webby, bio: Answers on the HTTP API.}
platforms:
  web: {}
model: {provider: openai}
scaling: {minReplicas: 2, maxReplicas: 4, targetCPU: 70}
secrets:
  OPENAI_API_KEY: {config: openaiApiKey}
  POSTGRES_URL: {secretKeyRef: {name: web-postgres, key: url}}  # replicas share one database
database: {host: web-postgres.agent-web-agent.svc}  # where it points: the agent's egress
"""
AGENTS = {"crypto-trading-bot", "support-assistant", "omni-agent", "web-agent"}
SECRET_DIGEST = "launchpad.dev/secret-hmac"
SEEN: dict[str, str] = {}  # values one test keeps for a later one (a removed agent's token)
# The record of the git agents' files for the deploy workers (components/providers/fleet_sources.py): the one
# resource beside an agent's own that a change of its file updates (the control plane's image holds code only).
SOURCES = "fleet-sources-agents"
# The control plane's image holds the stack files (its workers run the program with the stack's config): a change
# of the stack's config (a rotated secret) is a new image, and the control plane's Deployments roll onto it.
CONTROL_PLANE_SERVICES = {"launchpad-api", "launchpad-deployer", "launchpad-collector"}


def _agents_in_db(ws: Workspace) -> dict[str, int]:
    with psycopg.connect(ws.database_url) as conn:
        return {str(name): int(replicas) for name, replicas in conn.execute("select name, replicas from agents")}


def _recorded(ws: Workspace) -> dict[str, bytes]:
    """The git fleet's files the stack's `up`s recorded for the deploy workers."""
    with psycopg.connect(ws.database_url) as conn:
        rows = conn.execute("select path, content from public.fleet_source_files where fleet = 'dev'").fetchall()
    return {str(path): bytes(content) for path, content in rows}


def _resources(exported: str) -> list[dict]:
    """The state's resources with ciphertexts blanked: each export re-encrypts secrets with a new nonce."""
    resources: list[dict] = blank_ciphertexts(json.loads(exported)["deployment"]["resources"])
    return resources


def _owner(step: dict) -> str:
    """The agent a step's resource belongs to: its logical name is prefixed with the agent name."""
    name = step["urn"].rsplit("::", 1)[1]
    return next((a for a in AGENTS if name == a or name.startswith(f"{a}-")), name)


def _rendered(ws: Workspace, kind: str, name: str) -> dict:
    # The provider's file names: <apiVersion>-<kind>-<namespace>-<name>.yaml
    (path,) = [p for p in ws.rendered_files() if f"-{kind}-" in p.name and p.name.endswith(f"-{name}.yaml")]
    manifest: dict = yaml.safe_load(path.read_text())
    return manifest


def _digest(ws: Workspace, agent: str) -> str:
    """The pod template's keyed digest of the agent's Secret, as rendered."""
    deployment = _rendered(ws, "deployment", agent)
    return str(deployment["spec"]["template"]["metadata"]["annotations"][SECRET_DIGEST])


def _token(ws: Workspace, agent: str) -> str:
    """The agent's API token, from its rendered Secret (the dev stack writes Secret data in plaintext)."""
    secret = _rendered(ws, "secret", f"{agent}-env")
    if "stringData" in secret:
        return str(secret["stringData"]["ELIZA_SERVER_AUTH_TOKEN"])
    return base64.b64decode(secret["data"]["ELIZA_SERVER_AUTH_TOKEN"]).decode()


def _updated_deployments(output: str) -> set[str]:
    return {line.split("::")[-1] for line in output.splitlines() if "Deployment" in line}


@pytest.fixture(scope="module")
def ws(workspace: Workspace) -> Workspace:
    (workspace.project / "agents" / "web-agent.yaml").write_text(WEB_AGENT)
    write_locks(workspace.project / "agents")  # its plugin set (sql, bootstrap, openai) is new
    return workspace


def test_preview_shows_the_expected_creates(ws: Workspace) -> None:
    steps = ws.preview_steps(*POLICY)
    assert {s["op"] for s in steps} == {"create"}
    types = Counter(s["urn"].split("::")[2].rsplit("$", 1)[-1] for s in steps)
    assert types["agent-launchpad:index:ElizaAgent"] == 4
    assert types["kubernetes:apps/v1:Deployment"] == 4 + 3  # and the control plane's api, deployer, collector
    assert types["agent-launchpad:index:ControlPlaneService"] == 3
    assert types["kubernetes:autoscaling/v2:HorizontalPodAutoscaler"] == 1  # web-agent only
    assert types["kubernetes:policy/v1:PodDisruptionBudget"] == 1 + 3
    # tenant-trading, tenant-support, agent-omni-agent, agent-web-agent, launchpad-system
    assert types["kubernetes:core/v1:Namespace"] == 5
    # The registry: one resource for the stack's agents' rows, one for the fleet's membership (not one per agent)
    assert types["pulumi-python:dynamic/launchpad:RegisteredAgents"] == 1
    assert types["pulumi-python:dynamic/launchpad:RegistryMembers"] == 1
    assert types["pulumi-python:dynamic/launchpad:Migrations"] == 1
    assert types["pulumi-python:dynamic/launchpad:FleetSources"] == 2  # the agents' files; defaults and locks
    assert types["kubernetes:monitoring.coreos.com/v1:PrometheusRule"] == 1
    # A quota and a LimitRange for each of the 4 namespaces; one PriorityClass per tier.
    assert types["kubernetes:core/v1:ResourceQuota"] == types["kubernetes:core/v1:LimitRange"] == 4
    assert types["kubernetes:scheduling.k8s.io/v1:PriorityClass"] == 3


def test_up_renders_manifests_applies_migrations_and_registers_agents(ws: Workspace) -> None:
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    state = json.loads(ws.pulumi("stack", "export", "--stack", "dev").stdout)
    kubernetes = [r for r in state["deployment"]["resources"] if r["type"].startswith("kubernetes:")]
    files = ws.rendered_files()
    # one manifest per Kubernetes object: the agents' 48 (4 of them the deny-all NetworkPolicy of each agent
    # namespace), the control plane's 24 (namespace; per service its ServiceAccount, Secret, Deployment, Service,
    # NetworkPolicy, PDB; the API's Ingress; the deployer's and the collector's RBAC)
    assert len(files) == len(kubernetes) == 48 + 24
    assert len([f for f in files if "-deployment-" in f.name]) == 4 + 3
    # Pods naming a PriorityClass that does not exist yet are refused: every agent's Deployment waits for its class.
    agents = [r for r in kubernetes if r["type"] == "kubernetes:apps/v1:Deployment" and "ElizaAgent" in r["urn"]]
    for deployment in agents:
        assert any(d.endswith("::launchpad-standard") for d in deployment["dependencies"]), deployment["urn"]
    assert set(_agents_in_db(ws)) == AGENTS
    with psycopg.connect(ws.database_url) as conn:
        applied = conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone()
    assert applied == (len(list((ws.project / "supabase" / "migrations").glob("*.sql"))),)
    # Exactly the files the program read of the git fleet, byte for byte, for the deploy workers.
    agents = ws.project / "agents"
    files = {f"{a}.yaml" for a in AGENTS}
    named = {yaml.safe_load((agents / f).read_text()).get("characterFile") for f in files}
    locks = {f"locks/{p.name}" for p in (agents / "locks").glob("*.lock")}
    read = files | {c for c in named if c} | locks | {"defaults.yaml"}
    assert "characters/omni.json" in read  # the example fleet names one
    assert _recorded(ws) == {path: (agents / path).read_bytes() for path in read}


def test_second_preview_expects_no_changes(ws: Workspace) -> None:
    ws.pulumi("preview", "--stack", "dev", "--expect-no-changes", *POLICY)


def _deployment_steps(ws: Workspace) -> dict[str, str]:
    return {s["urn"].rsplit("::", 1)[1]: s["op"] for s in ws.preview_steps(*POLICY) if "Deployment" in s["urn"]}


def test_rotating_the_token_key_rolls_every_agent(ws: Workspace) -> None:
    """README, "Secrets and rotation": a new agentTokenKey gives every agent a new token, and the pods, which
    read it once at start, roll (before issue 18: `+-3 replaced` Secrets, every Deployment unchanged)."""
    tokens = {a: _token(ws, a) for a in AGENTS}
    digests = {a: _digest(ws, a) for a in AGENTS}
    ws.pulumi("config", "set", "--secret", "agentTokenKey", secrets.token_hex(32), "--stack", "dev")
    assert _deployment_steps(ws) == {f"{a}-deployment": "update" for a in AGENTS | CONTROL_PLANE_SERVICES}
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    for agent in AGENTS:
        assert _token(ws, agent) != tokens[agent] and _digest(ws, agent) != digests[agent], agent
    ws.pulumi("preview", "--stack", "dev", "--expect-no-changes", *POLICY)


def test_rotating_one_config_secret_rolls_only_the_agents_that_read_it(ws: Workspace) -> None:
    readers = {a for a in AGENTS if "openaiApiKey" in (ws.project / "agents" / f"{a}.yaml").read_text()}
    assert readers and readers != AGENTS
    ws.pulumi("config", "set", "--secret", "openaiApiKey", "dev-fake-openaiApiKey-rotated", "--stack", "dev")
    assert _deployment_steps(ws) == {f"{a}-deployment": "update" for a in readers | CONTROL_PLANE_SERVICES}
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)


def test_bumping_token_rotation_rotates_that_agent_alone(ws: Workspace) -> None:
    tokens = {a: _token(ws, a) for a in AGENTS}
    path = ws.project / "agents" / "web-agent.yaml"
    path.write_text(path.read_text() + "tokenRotation: 1\n")
    steps = ws.preview_steps(*POLICY)
    assert {_owner(s) for s in steps} == {"web-agent", "agent-incarnations", SOURCES}
    changed = {s["urn"].rsplit("::", 1)[1] for s in steps}
    assert changed == {"web-agent-env", "web-agent-deployment", "agent-incarnations", SOURCES}
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    assert {a for a in AGENTS if _token(ws, a) != tokens[a]} == {"web-agent"}
    path.write_text(WEB_AGENT)  # back as it was: a new nonce again, so a new token, not the first one
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    assert _token(ws, "web-agent") != tokens["web-agent"]


def test_changing_one_agents_replicas_updates_only_that_agent(ws: Workspace) -> None:
    path = ws.project / "agents" / "web-agent.yaml"
    path.write_text(WEB_AGENT.replace("minReplicas: 2, maxReplicas: 4", "minReplicas: 3, maxReplicas: 6"))
    steps = ws.preview_steps(*POLICY)
    # The agent's objects and its row, in the stack's one registry resource, and the record of its file; not
    # the control plane's Deployments: their image holds code only (launchpad/images/control_plane.py).
    assert {_owner(s) for s in steps} == {"web-agent", "registry-agents", SOURCES}
    assert {s["op"] for s in steps} == {"update"}
    updated = {s["urn"].rsplit("::", 1)[1] for s in steps}
    assert "web-agent-hpa" in updated and "registry-agents" in updated
    assert updated <= {"web-agent-hpa", "web-agent-deployment", "registry-agents", SOURCES}
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    assert _agents_in_db(ws)["web-agent"] == 3
    assert _recorded(ws)["web-agent.yaml"] == path.read_bytes()  # what a deploy worker now runs


def test_a_bad_agent_file_fails_with_file_line_and_changes_nothing(ws: Workspace) -> None:
    before = ws.pulumi("stack", "export", "--stack", "dev").stdout
    broken = ws.project / "agents" / "broken.yaml"
    broken.write_text(WEB_AGENT.replace("web-agent", "broken-agent").replace("minReplicas: 2", "minReplica: 2"))
    try:
        result = ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY, check=False)
    finally:
        broken.unlink()
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "agents/broken.yaml:7: scaling.minReplica: unknown field `minReplica`; did you mean `minReplicas`?" in output
    after = ws.pulumi("stack", "export", "--stack", "dev").stdout
    assert _resources(after) == _resources(before)
    assert set(_agents_in_db(ws)) == AGENTS


def test_a_yaml_bomb_fails_the_preview_with_its_file_and_line(ws: Workspace) -> None:
    """Issue 18: through `pulumi preview` an alias bomb was "Program exited with non-zero exit code: -1"."""
    bomb = ws.project / "agents" / "bomb.yaml"
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    bomb.write_text("\n".join(levels) + "\n")
    try:
        result = ws.pulumi("preview", "--stack", "dev", *POLICY, check=False)
    finally:
        bomb.unlink()
    assert result.returncode != 0
    assert "agents/bomb.yaml:6: expands to more than 100,000 values" in result.stdout + result.stderr


def test_removing_an_agent_deletes_its_resources_and_registry_row(ws: Workspace) -> None:
    SEEN["support-assistant-token"] = _token(ws, "support-assistant")
    SEEN["support-assistant-file"] = (ws.project / "agents" / "support-assistant.yaml").read_text()
    (ws.project / "agents" / "support-assistant.yaml").unlink()
    steps = ws.preview_steps(*POLICY)
    assert {s["op"] for s in steps if _owner(s) == "support-assistant"} == {"delete"}
    others = {s["urn"].rsplit("::", 1)[1]: s["op"] for s in steps if _owner(s) != "support-assistant"}
    # Its tenant's namespace (it was the tenant's only agent), quota and LimitRange go too. Nothing of another
    # agent changes, and nothing of the fleet's monitoring: it selects agents by their labels.
    for name in ("tenant-support", "tenant-support-quota", "tenant-support-limits", "tenant-support-default-deny"):
        assert others.pop(name) == "delete"
    # The registry's membership deletes its row; the stack's registry resource forgets its digest, the stack's
    # incarnations the agent's nonce.
    assert others.pop("registry-members") == "update" and others.pop("registry-agents") == "update"
    assert others.pop("agent-incarnations") == "update"
    assert others.pop(SOURCES) == "update"  # its file leaves the record
    assert others == {}
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    assert set(_agents_in_db(ws)) == AGENTS - {"support-assistant"}
    assert "support-assistant.yaml" not in _recorded(ws)
    assert not [f for f in ws.rendered_files() if "support-assistant" in f.name]


def test_an_agent_created_again_under_its_name_never_gets_its_old_token(ws: Workspace) -> None:
    """Issue 18: the token was HMAC(key, name), so an agent deleted and created again (by anyone, under the same
    name) got its predecessor's token back."""
    (ws.project / "agents" / "support-assistant.yaml").write_text(SEEN["support-assistant-file"])
    ws.pulumi("up", "--stack", "dev", "--yes", "--skip-preview", *POLICY)
    assert _token(ws, "support-assistant") != SEEN["support-assistant-token"]


def _unkeyed_digests(value: str) -> set[str]:
    raw = value.encode()
    return {hashlib.new(name, raw).hexdigest() for name in ("md5", "sha1", "sha256", "sha512")} | {
        base64.b64encode(hashlib.sha256(raw).digest()).decode()
    }


def test_the_state_and_the_workloads_hold_no_secret_value_and_no_unkeyed_digest_of_one(ws: Workspace) -> None:
    state = ws.pulumi("stack", "export", "--stack", "dev").stdout
    assert "dev-fake-" not in state  # every agent secret value of Pulumi.dev.yaml
    assert DB_PASSWORD not in state
    assert '"secure"' in state or "ciphertext" in state  # they are there, encrypted
    config = json.loads(ws.pulumi("config", "--show-secrets", "--json", "--stack", "dev").stdout)
    values = [str(v["value"]) for v in config.values() if v.get("secret")]
    values += [_token(ws, a) for a in AGENTS]
    # Everything rendered but the Secrets themselves (dev renders Secret data in plaintext, git-ignored).
    workloads = "\n".join(p.read_text() for p in ws.rendered_files() if "-secret-" not in p.name)
    for value in values:
        assert value not in state and value not in workloads
        for digest in _unkeyed_digests(value):
            assert digest not in state and digest not in workloads


def test_destroy_leaves_no_rendered_files_and_no_registry_rows(ws: Workspace) -> None:
    ws.pulumi("destroy", "--stack", "dev", "--yes", "--skip-preview")
    assert ws.rendered_files() == []
    assert _agents_in_db(ws) == {}
    assert _recorded(ws) == {}  # the stack's records go with it
