"""How much the program costs over the floor: evaluate the whole Pulumi program under mocks for N agents,
and, in the same run, register the same number of plain pulumi_kubernetes resources (the same manifests,
created directly). Prints ms per agent, peak memory and the ratio to the floor. Target: ratio <= 1.25 at
N = 200.

The floor holds every manifest the program declares: the agents' objects, the tenant namespaces, the
fleet's PrometheusRule and its two dashboard ConfigMaps; only the program's component resources are stood in for by
small ConfigMaps. (Padding the monitoring objects with small ConfigMaps too would charge the program for
serialising the alert rules and dashboards, which any program declaring them pays.)

Each measurement runs in a fresh subprocess, so peak RSS and Pulumi's global mock state are per scenario.

    .venv/bin/python benchmarks/program_eval.py [--agents 50 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLEET = "bench"  # the stack name, which names the fleet in its monitoring objects
sys.path.insert(0, str(ROOT))

TEMPLATES = {
    # A single-identity Telegram bot, a Discord bot and an autoscaled web agent (HPA + PDB): the mix of
    # resource kinds a real fleet has.
    "telegram": (
        "platforms:\n  telegram: {mode: polling}\n",
        "  TELEGRAM_BOT_TOKEN: {config: tg%d}\n",
        "scaling: {minReplicas: 1, maxReplicas: 1}\n",
    ),
    "discord": (
        "platforms:\n  discord: {}\n",
        "  DISCORD_API_TOKEN: {config: dc%d}\n  DISCORD_APPLICATION_ID: {config: da%d}\n",
        "scaling: {minReplicas: 1, maxReplicas: 1}\n",
    ),
    # More than one replica needs a shared Postgres (launchpad/fleet/rules.py).
    "web": (
        "platforms:\n  web: {}\n",
        "  POSTGRES_URL: {config: webPostgresUrl}\n",
        "scaling: {minReplicas: 2, maxReplicas: 5, targetCPU: 70}\ndatabase: {host: pg.example.com}\n",
    ),
}


def write_fleet(folder: Path, count: int) -> dict[str, str]:
    """`count` agent files in `folder`, tenants of 10 agents each; returns the config secrets they need."""
    folder.mkdir(parents=True)
    (folder / "defaults.yaml").write_text(
        "registry: registry.example.com/agents\nimage:\n  build: {}\n"
        "resources:\n  requests: {cpu: 500m, memory: 1792Mi, ephemeral-storage: 256Mi}\n"
        "  limits: {cpu: '2', memory: 2560Mi, ephemeral-storage: 2560Mi}\n"
    )
    # The stack secret every agent's API token is derived from (launchpad/workloads/auth_token.py), then the
    # agents' own keys.
    secrets: dict[str, str] = {"agentTokenKey": "bench-agent-token-key-0123456789abcdef", "openai": "bench-openai"}
    kinds = list(TEMPLATES)
    for i in range(count):
        platforms, secret_lines, scaling = TEMPLATES[kinds[i % len(kinds)]]
        secret_lines = secret_lines.replace("%d", str(i))
        for line in secret_lines.splitlines():
            key = line.split("config: ")[1].rstrip("}")
            secrets[key] = f"bench-{key}"
        (folder / f"agent-{i:04d}.yaml").write_text(
            f"name: agent-{i:04d}\nowner: 7d3c1e52-8a4b-4c1e-9f2a-{i:012d}\ntenant: team-{i // 10}\n"
            f"character: {{name: Agent {i}, bio: Benchmark agent {i}.}}\n{platforms}model: {{provider: openai}}\n"
            f"{scaling}secrets:\n  OPENAI_API_KEY: {{config: openai}}\n{secret_lines}"
        )
    # The defaults build images: each plugin set needs a lockfile to validate (tests/fleet/fleet_files.py).
    from tests.fleet.fleet_files import write_locks

    write_locks(folder)
    return secrets


def _install_mocks():  # type: ignore[no-untyped-def]
    import pulumi

    class Mocks(pulumi.runtime.Mocks):
        count = 0

        def new_resource(self, args):  # type: ignore[no-untyped-def]
            Mocks.count += 1
            return f"{args.name}-id", args.inputs

        def call(self, args):  # type: ignore[no-untyped-def]
            return {}

    pulumi.runtime.set_mocks(Mocks(), project="agent-launchpad", stack=FLEET, preview=False)
    return Mocks


def _run(fn) -> None:  # type: ignore[no-untyped-def]
    import pulumi

    @pulumi.runtime.test
    def program():  # type: ignore[no-untyped-def]
        fn()
        return pulumi.Output.from_input(None)

    program()


def worker_program(count: int, workdir: Path) -> dict[str, float]:
    secrets = write_fleet(workdir / "agents", count)
    os.chdir(workdir)
    os.environ["PULUMI_CONFIG"] = json.dumps(
        {
            "agent-launchpad:renderDir": str(workdir / "render"),
            "agent-launchpad:imageBuild": "skip",
            **{f"agent-launchpad:{k}": v for k, v in secrets.items()},
        }
    )
    os.environ["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps([f"agent-launchpad:{k}" for k in secrets])
    mocks = _install_mocks()
    from components import program

    start = time.perf_counter()
    _run(program.run)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "resources": mocks.count}


def worker_floor(count: int, resources: int, workdir: Path) -> dict[str, float]:
    """The same manifests as the program would register, created directly with pulumi_kubernetes, padded
    with ConfigMaps to the program's resource count (its components and provider are resources too)."""
    write_fleet(workdir / "agents", count)
    mocks = _install_mocks()
    import pulumi_kubernetes as k8s

    from launchpad.fleet import load_fleet
    from launchpad.monitoring.objects import fleet_objects
    from launchpad.monitoring.settings import MonitoringSettings
    from launchpad.workloads.agent_objects import agent_manifests, config_secret_env, tenant_namespace_manifests

    fleet = load_fleet([workdir / "agents"])  # untimed: the floor is the registration alone
    kinds = {
        "Namespace": k8s.core.v1.Namespace,
        "ServiceAccount": k8s.core.v1.ServiceAccount,
        "ConfigMap": k8s.core.v1.ConfigMap,
        "Secret": k8s.core.v1.Secret,
        "Deployment": k8s.apps.v1.Deployment,
        "Service": k8s.core.v1.Service,
        "HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
        "PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
        "NetworkPolicy": k8s.networking.v1.NetworkPolicy,
    }
    manifests = [m for a in fleet.agents for m in agent_manifests(a, dict.fromkeys(config_secret_env(a), "x")).all()]
    manifests += tenant_namespace_manifests(fleet.namespaces())
    monitoring = fleet_objects(MonitoringSettings(), FLEET)
    rule = monitoring.pop("rules")
    manifests += monitoring.values()

    def declare() -> None:
        for i, m in enumerate(manifests):
            body = {k: v for k, v in m.items() if k not in ("apiVersion", "kind")}
            kinds[m["kind"]](f"r{i}", **_snake(body))
        k8s.apiextensions.CustomResource(
            "rule", api_version=rule["apiVersion"], kind=rule["kind"], metadata=rule["metadata"], spec=rule["spec"]
        )
        for i in range(resources - len(manifests) - 1):
            k8s.core.v1.ConfigMap(f"pad{i}", metadata={"name": f"pad{i}"}, data={"k": "v"})

    start = time.perf_counter()
    _run(declare)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "resources": mocks.count}


def _snake(body: dict[str, object]) -> dict[str, object]:
    names = {"stringData": "string_data", "automountServiceAccountToken": "automount_service_account_token"}
    return {names.get(k, k): v for k, v in body.items()}


def _measure(mode: str, count: int, resources: int = 0) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                mode,
                "--count",
                str(count),
                "--resources",
                str(resources),
                "--workdir",
                tmp,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        raise SystemExit(f"{mode} worker failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, nargs="*", default=[50, 200])
    parser.add_argument("--worker", choices=["program", "floor"])
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--resources", type=int, default=0)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--repeat", type=int, default=3, help="alternate runs per side; the best of each counts")
    args = parser.parse_args()
    if args.worker:
        result = (
            worker_program(args.count, args.workdir)
            if args.worker == "program"
            else worker_floor(args.count, args.resources, args.workdir)
        )
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    print(
        f"{'agents':>6} {'resources':>9} {'program ms/agent':>16} {'floor ms/agent':>14} {'ratio':>6} "
        f"{'program peak MB':>15} {'floor peak MB':>13}"
    )
    for count in args.agents:
        # Alternate the two sides and keep each side's best run, so a burst of load on the machine does not
        # land on one side only.
        progs, floors = [], []
        for _ in range(args.repeat):
            progs.append(_measure("program", count))
            floors.append(_measure("floor", count, int(progs[-1]["resources"])))
        prog = min(progs, key=lambda r: r["seconds"])
        floor = min(floors, key=lambda r: r["seconds"])
        ratio = prog["seconds"] / floor["seconds"]
        print(
            f"{count:>6} {int(prog['resources']):>9} {1000 * prog['seconds'] / count:>16.1f} "
            f"{1000 * floor['seconds'] / count:>14.1f} {ratio:>6.2f} {prog['peak_rss_mb']:>15.0f} "
            f"{floor['peak_rss_mb']:>13.0f}"
        )
    print("target: ratio <= 1.25 at 200 agents")


if __name__ == "__main__":
    main()
