"""Driving the deployer as the API does, until the API's own tests take over: an agent row written the way the
control plane writes it (CONTRACT.md's columns: source 'api', spec, revision, paused, fleet, stack, status) and
its operation enqueued through the repository in the same transaction; sealed secret values as the API seals
them (launchpad/sealed.py). Then a real worker (services/deployer) with the real engine runs the queue."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from launchpad.db.migrations.runner import migrate
from launchpad.db.repository import operations
from launchpad.localcluster.cluster import LocalCluster
from launchpad.sealed import new_key, parse_keyring, seal
from services.deployer import sources
from services.deployer.engine import Engine, EngineSetup
from services.deployer.worker import Worker, WorkerConfig
from tests.e2e.workspace import ROOT, Workspace, copy_project, engine_env
from tests.fleet.fleet_files import write_locks

MIGRATIONS = ROOT / "supabase" / "migrations"
OWNER = "3f2b8c1d-6e4a-4d7b-9a1c-2e5f8b7d6c40"
OTHER_OWNER = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
SECRET_ENV = "OPENAI_API_KEY"
# Replicas of one agent share a database (validate: no PGlite per pod): its URL is a value the owner posted too.
SHARED_DATABASE_ENV = "POSTGRES_URL"


def api_spec(name: str, owner: str, replicas: int = 1) -> dict[str, Any]:
    """An agent as an agent file would hold it, as the API stores it: web only (it may scale), its model key
    a value its owner posted (`stored`)."""
    return {
        "name": name,
        "owner": owner,
        "character": {"name": name.title(), "bio": "Answers on the HTTP API."},
        "platforms": {"web": {}},
        "model": {"provider": "openai"},
        "scaling": {"minReplicas": replicas, "maxReplicas": replicas},
        "secrets": {SECRET_ENV: {"stored": True}, SHARED_DATABASE_ENV: {"stored": True}},
        "database": {"host": "10.20.0.5", "port": 5432},  # what the API reads from the posted URL (below)
    }


def web_agent_yaml(name: str, owner: str) -> str:
    """The same plugin set as a file: written once so the copy holds a lockfile for it (then removed)."""
    return (
        f"name: {name}\nowner: {owner}\ncharacter: {{name: Seed, bio: Seeds the lockfile.}}\n"
        "platforms:\n  web: {}\nmodel: {provider: openai}\nsecrets:\n  OPENAI_API_KEY: {config: openaiApiKey}\n"
    )


def prepare_database(url: str) -> None:
    """Migrated first: the program reads the fleet's API agents before its own schema step runs."""
    assert migrate(url, MIGRATIONS).findings == []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("insert into auth.users (id) values (%s), (%s) on conflict do nothing", (OWNER, OTHER_OWNER))


def prepare_api_workspace(ws: Workspace) -> Workspace:
    """A workspace the API's agents can deploy from: a lockfile for their plugin set (written for a seed agent
    file, which then goes: the fleet in git stays the example's) and the control plane's database migrated."""
    seed = ws.project / "agents" / "lock-seed.yaml"
    seed.write_text(web_agent_yaml("lock-seed", OWNER))
    write_locks(ws.project / "agents")
    seed.unlink()
    prepare_database(ws.database_url)
    return ws


def local_api_workspace(base: Path, cluster: LocalCluster, database: str, stack: str) -> Workspace:
    """prepare_api_workspace for the `local` stack on `cluster`, which reads its API agents from `database`
    (Pulumi.local.yaml names no database)."""
    (base / "state").mkdir()
    ws = prepare_api_workspace(Workspace(copy_project(base / "project"), engine_env(base / "state"), database,
                                         stack=stack))
    ws.pulumi("stack", "init", stack)
    ws.pulumi("config", "set", "kubernetes:kubeconfig", str(cluster.kubeconfig), "--stack", stack)
    ws.pulumi("config", "set", "database", "true", "--stack", stack)
    ws.pulumi("config", "set", "databaseCreateOwners", "true", "--stack", stack)
    ws.pulumi("config", "set", "--secret", "databaseUrl", database, "--stack", stack)
    return ws


def ci_up(ws: Workspace) -> None:
    """The stack's `up` as CI runs it on a push: it records the git fleet's files, which a deploy worker runs the
    program over (services/deployer/sources.py; a fleet never recorded is refused)."""
    config = "policies/config/dev.json"
    ws.pulumi("up", "--stack", ws.stack, "--yes", "--skip-preview", "--policy-pack", "policies",
              "--policy-pack-config", config)


@dataclass
class ApiFleet:
    """The control plane's writes, for one fleet whose agents all live in `stack`."""

    url: str
    fleet: str
    stack: str
    sealing_key: str  # the stack's apiSecretsKey

    @classmethod
    def new(cls, url: str, fleet: str, stack: str) -> ApiFleet:
        return cls(url, fleet, stack, new_key())

    def _enqueue(self, conn: psycopg.Connection[Any], name: str, owner: str, kind: str, revision: int) -> str:
        return operations.enqueue(
            conn,
            user_id=owner,
            agent_name=name,
            stack=self.stack,
            kind=kind,
            agent_revision=revision,  # type: ignore[arg-type]
        ).id

    def create(self, name: str, owner: str = OWNER, replicas: int = 1, secret: str = "sk-test-not-real") -> str:
        key = parse_keyring(self.sealing_key).current
        with psycopg.connect(self.url, autocommit=True) as conn, conn.transaction():
            (agent_id,) = conn.execute(
                "insert into public.agents (user_id, name, namespace, image, status, source, spec, revision, fleet,"
                " stack) values (%s, %s, %s, '', 'pending', 'api', %s, 1, %s, %s) returning id",
                (owner, name, f"agent-{name}", Jsonb(api_spec(name, owner, replicas)), self.fleet, self.stack),
            ).fetchone()  # type: ignore[misc]
            values = {SECRET_ENV: secret, SHARED_DATABASE_ENV: f"postgresql://{name}:not-real@10.20.0.5:5432/{name}"}
            for env, value in values.items():
                conn.execute(
                    "insert into public.agent_secrets (agent_id, user_id, env_name, source, location)"
                    " values (%s, %s, %s, 'api', 'sealed')",
                    (agent_id, owner, env),
                )
                conn.execute(
                    "insert into public.agent_secret_values (agent_id, user_id, env_name, key_id, ciphertext)"
                    " values (%s, %s, %s, %s, %s)",
                    (agent_id, owner, env, key.id, seal(key, value, owner, name, env)),
                )
            return self._enqueue(conn, name, owner, "create", 1)

    def change(self, name: str, kind: str, **columns: Any) -> str:
        """Change the row (spec, paused, status) and bump its revision, with the operation, in one transaction."""
        with psycopg.connect(self.url, autocommit=True) as conn, conn.transaction():
            sets = ", ".join(f"{k} = %s" for k in columns)
            values = [Jsonb(v) if isinstance(v, dict) else v for v in columns.values()]
            row = conn.execute(
                f"update public.agents set {sets}, revision = revision + 1 where name = %s and source = 'api'"
                " returning user_id::text, revision",
                (*values, name),
            ).fetchone()
            assert row is not None, name
            return self._enqueue(conn, name, str(row[0]), kind, int(row[1]))

    def scale(self, name: str, replicas: int) -> str:
        spec = self.spec(name)
        spec["scaling"] = {"minReplicas": replicas, "maxReplicas": replicas}
        return self.change(name, "update", spec=spec, status="pending")

    def pause(self, name: str) -> str:
        return self.change(name, "pause", paused=True, status="pending")

    def delete(self, name: str) -> str:
        return self.change(name, "delete", status="deleting")

    def dry_run(self, name: str, spec: dict[str, Any]) -> str:
        with psycopg.connect(self.url, autocommit=True) as conn:
            owner = self.agent(name)["user_id"] if self.agent(name) else OWNER
            return operations.enqueue(
                conn, user_id=owner, agent_name=name, stack=self.stack, kind="update", dry_run=True,
                candidate={"spec": spec},
            ).id  # fmt: skip

    # -- reading back ------------------------------------------------------------------------------------

    def spec(self, name: str) -> dict[str, Any]:
        agent = self.agent(name)
        assert agent is not None
        return dict(agent["spec"])

    def agent(self, name: str) -> dict[str, Any] | None:
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                "select user_id::text, status, revision, paused, spec from public.agents where name = %s", (name,)
            ).fetchone()
        return None if row is None else dict(zip(("user_id", "status", "revision", "paused", "spec"), row, strict=True))

    def operation(self, op_id: str) -> operations.Operation:
        with psycopg.connect(self.url) as conn:
            op = operations.get_operation(conn, op_id)
        assert op is not None
        return op

    def events(self, op_id: str) -> list[operations.StoredEvent]:
        with psycopg.connect(self.url) as conn:
            return operations.list_events(conn, op_id, limit=10_000)

    def runs(self) -> list[dict[str, Any]]:
        with psycopg.connect(self.url) as conn:
            rows = conn.execute(
                "select id::text, stack, action, worker, state, started_at, finished_at, cleaned_at, error"
                " from public.deploy_runs order by started_at"
            ).fetchall()
        keys = ("id", "stack", "action", "worker", "state", "started_at", "finished_at", "cleaned_at", "error")
        return [dict(zip(keys, r, strict=True)) for r in rows]


def worker(ws: Workspace, url: str, home: Path, **config: Any) -> Worker:
    """An in-process worker over the workspace's copy of the project and its backend."""
    setup = EngineSetup(sources.run_dir(home), home, ws.env)  # the worker's own copy of the project
    return Worker(WorkerConfig(database_url=url, project=ws.project, home=home, **config), Engine(setup))


def own_events_only(events: list[operations.StoredEvent], agent: str) -> list[str]:
    """Names of resources in an operation's events that are NOT its agent's (must be empty)."""
    foreign = []
    for event in events:
        name = str(event.detail.get("resource", event.detail).get("name", "")) if event.detail else ""
        if name and not (name == agent or name.startswith(f"{agent}-") or name.startswith(f"agent-{agent}-")):
            foreign.append(name)
    return foreign


def start_worker_process(ws: Workspace, url: str, home: Path, *args: str) -> subprocess.Popen[str]:
    """`python -m launchpad deployer run` as its own process (its own process group: kill -9 hits it alone)."""
    env = {**ws.env, "LAUNCHPAD_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    log = open(home.with_suffix(".log"), "w")  # noqa: SIM115 - the process writes it until it ends
    home.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "launchpad", "deployer", "run", "--project", str(ws.project), "--home", str(home),
         *args],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip


def stop(process: subprocess.Popen[str], timeout: float = 600) -> int:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
    return process.wait(timeout=timeout)


def wait_until(what: str, probe: Callable[[], Any], timeout: float = 900, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {value!r})")


def engine_processes(marker: str) -> list[int]:
    """Pids of processes whose command line or environment names `marker` (a worker's home)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            text = (proc / "cmdline").read_bytes() + b"\0" + (proc / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in text and int(proc.name) != os.getpid():
            found.append(int(proc.name))
    return found


def dumps(value: Any) -> str:
    return json.dumps(value, default=str, indent=1)
