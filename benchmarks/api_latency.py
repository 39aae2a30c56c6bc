"""GET latency of the control-plane API with 1,000 agents in the registry and 50 users asking at once.

    .venv/bin/python benchmarks/api_latency.py [--agents 1000] [--users 50] [--requests 60]

Starts its own embedded PostgreSQL (every migration applied), registers --agents agents spread over --users
users (as the API writes them: spec, registry columns, secret names, an operation each), serves Supabase's
JWKS on loopback, and runs `python -m launchpad api serve` (one uvicorn process, its default pool) as a
deployment would. Then each user, all at once, sends --requests GETs with its own ES256 token: its list
(`/api/agents`), one of its agents (`/api/agents/{name}`) and that agent's status, in turn. Every answer
must be a 200 holding only the user's own agents. Prints the latency percentiles measured in this one run,
per endpoint and overall, and the throughput. Exit 1 on any wrong answer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx2 as httpx  # noqa: E402

from launchpad.db import local_server  # noqa: E402
from launchpad.db.migrations.runner import migrate  # noqa: E402
from launchpad.sealed import new_key  # noqa: E402
from tests.api import supabase_auth as auth  # noqa: E402

SECRETS = ("DISCORD_API_TOKEN", "DISCORD_APPLICATION_ID", "OPENAI_API_KEY")


def load(url: str, agents: int, users: int) -> dict[str, list[str]]:
    """User id -> their agents' names."""
    owners = [str(uuid.uuid4()) for _ in range(users)]
    names: dict[str, list[str]] = {u: [] for u in owners}
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute("insert into auth.users (id) select unnest(%s::uuid[])", (owners,))
        for i in range(agents):
            owner, name = owners[i % users], f"agent-{i:04d}"
            spec = {"name": name, "owner": owner, "character": {"name": "Bench", "bio": "A benchmark agent."},
                    "platforms": {"discord": {}}, "model": {"provider": "openai", "name": "gpt-4o-mini"},
                    "secrets": {k: {"stored": True} for k in SECRETS}}
            row = conn.execute(
                "insert into public.agents (user_id, name, namespace, image, source, spec, fleet, stack, character,"
                " plugins, platforms, resources) values (%s, %s, %s, 'registry/agents:bench', 'api', %s, 'dev',"
                " 'dev', %s, %s, %s, %s) returning id",
                (owner, name, f"agent-{name}", Jsonb(spec), Jsonb(spec["character"]),
                 ["@elizaos/plugin-sql@1.7.2", "@elizaos/plugin-bootstrap@1.7.2", "@elizaos/plugin-openai@1.6.0",
                  "@elizaos/plugin-discord@1.3.8"], Jsonb({"discord": {"mode": "gateway"}}),
                 Jsonb({"requests": {"cpu": "500m", "memory": "640Mi"}, "limits": {"cpu": "2", "memory": "1Gi"},
                        "scaling": {"minReplicas": 1, "maxReplicas": 1}})),
            ).fetchone()
            assert row is not None
            for env in SECRETS:
                conn.execute("insert into public.agent_secrets (agent_id, user_id, env_name, source, location)"
                             " values (%s, %s, %s, 'api', 'agent_secret_values')", (row[0], owner, env))
            conn.execute("insert into public.operations (user_id, agent_name, stack, kind) values (%s, %s, 'dev',"
                         " 'create')", (owner, name))
            names[owner].append(name)
        conn.execute("analyze")
    return names


def serve(url: str, jwks: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LAUNCHPAD_API_DATABASE_URL": url, "LAUNCHPAD_API_SECRETS_KEY": new_key(),
           "SUPABASE_JWKS_URL": jwks, "SUPABASE_JWT_ISSUER": auth.ISSUER, "LAUNCHPAD_STACK": "dev",
           "LAUNCHPAD_PROJECT_DIR": str(ROOT)}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "launchpad", "api", "serve", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)


async def user_run(client: httpx.AsyncClient, token: str, mine: list[str], requests: int,
                   timings: dict[str, list[float]], wrong: list[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for i in range(requests):
        name = mine[i % len(mine)]
        kind, path = [("list", "/api/agents?limit=100"), ("get", f"/api/agents/{name}"),
                      ("status", f"/api/agents/{name}/status")][i % 3]
        start = time.perf_counter()
        response = await client.get(path, headers=headers)
        timings[kind].append(time.perf_counter() - start)
        if response.status_code != 200:
            wrong.append(f"{path}: {response.status_code} {response.text[:200]}")
        elif kind == "list" and sorted(a["name"] for a in response.json()["agents"]) != sorted(mine):
            wrong.append(f"{path}: not exactly the user's agents")


async def measure(port: int, tokens: dict[str, str], names: dict[str, list[str]],
                  requests: int) -> tuple[dict[str, list[float]], list[str], float]:
    timings: dict[str, list[float]] = {"list": [], "get": [], "status": []}
    wrong: list[str] = []
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60) as client:
        await asyncio.gather(*(user_run(client, tokens[u], names[u], 3, {k: [] for k in timings}, [])
                               for u in tokens))  # warm: connections, the pool, the JWKS cache
        start = time.perf_counter()
        await asyncio.gather(*(user_run(client, tokens[u], names[u], requests, timings, wrong) for u in tokens))
        return timings, wrong, time.perf_counter() - start


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=60, help="GETs per user (list, get, status in turn)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="launchpad-api-bench-"))
    server = local_server.start(root / "data", local_server.free_port(), durable=False)
    jwks = auth.JwksServer([auth.es256_key()])
    api: subprocess.Popen[bytes] | None = None
    try:
        url = server.url
        assert migrate(url, ROOT / "supabase" / "migrations").findings == []
        names = load(url, args.agents, args.users)
        tokens = {u: auth.mint(auth.claims(u), jwks.keys[0]) for u in names}
        port = local_server.free_port()
        api = serve(server.url_for("launchpad_api", "postgres"), jwks.url, port, root / "api.log")
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            print((root / "api.log").read_text()[-3000:], file=sys.stderr)
            return 1
        timings, wrong, seconds = asyncio.run(measure(port, tokens, names, args.requests))
        every = [t for values in timings.values() for t in values]
        print(f"api latency: {args.agents} agents in the registry, {args.users} users at once, "
              f"{len(every)} GETs in {seconds:.1f} s ({len(every) / seconds:.0f}/s), one uvicorn process, "
              f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        for kind, values in [*timings.items(), ("all", every)]:
            print(f"  {kind:<7} n={len(values):<5} p50 {pct(values, 50):7.1f} ms   p90 {pct(values, 90):7.1f} ms   "
                  f"p99 {pct(values, 99):7.1f} ms   mean {statistics.mean(values) * 1000:7.1f} ms")
        if wrong:
            print(f"{len(wrong)} wrong answer(s), e.g. {wrong[0]}", file=sys.stderr)
            return 1
        return 0
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        jwks.stop()
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
