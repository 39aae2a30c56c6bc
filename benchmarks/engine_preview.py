"""What the real engine costs on top of the program: wall time of `pulumi preview` (no-op, after an up) and
of `pulumi up` for 10 and 100 agents with the real engine (tools/engine), and the same numbers divided by
the mocks-only evaluation time of the same program (benchmarks/program_eval.py's worker), measured in the
same run. Also prints the engine's overhead per resource.

    source scripts/engine-env.sh && .venv/bin/python benchmarks/engine_preview.py [--agents 10 100]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.program_eval import write_fleet  # noqa: E402
from tests.e2e.workspace import Workspace, copy_project, engine_env  # noqa: E402


def _timed(ws: Workspace, *args: str) -> float:
    start = time.perf_counter()
    ws.pulumi(*args)
    return time.perf_counter() - start


def _mocks_seconds(count: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "program_eval.py"), "--worker", "program",
                              "--count", str(count), "--workdir", tmp], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return float(result["seconds"]), int(result["resources"])


def measure(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="launchpad-bench-") as tmp:
        base = Path(tmp)
        project = copy_project(base / "project")
        shutil.rmtree(project / "agents")
        secrets = write_fleet(project / "agents", count)
        (base / "state").mkdir()
        ws = Workspace(project, engine_env(base / "state"), "")
        ws.pulumi("stack", "init", "bench")
        for key, value in {"renderDir": "build/manifests", "imageBuild": "skip"}.items():
            ws.pulumi("config", "set", key, value, "--stack", "bench")
        for key, value in secrets.items():
            ws.pulumi("config", "set", "--secret", key, value, "--stack", "bench")
        up = _timed(ws, "up", "--stack", "bench", "--yes", "--skip-preview")
        preview = _timed(ws, "preview", "--stack", "bench", "--expect-no-changes")
    mocks, resources = _mocks_seconds(count)
    return {"up": up, "preview": preview, "mocks": mocks, "resources": resources}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, nargs="*", default=[10, 100])
    args = parser.parse_args()
    if shutil.which("pulumi") is None:
        raise SystemExit("no pulumi on PATH: source scripts/engine-env.sh first")
    print(f"{'agents':>6} {'resources':>9} {'up s':>7} {'preview s':>9} {'mocks s':>7} {'up/mocks':>8} "
          f"{'preview/mocks':>13} {'engine ms/resource (preview)':>28}")
    for count in args.agents:
        r = measure(count)
        per_resource = 1000 * (r["preview"] - r["mocks"]) / r["resources"]
        print(f"{count:>6} {int(r['resources']):>9} {r['up']:>7.1f} {r['preview']:>9.1f} {r['mocks']:>7.2f} "
              f"{r['up'] / r['mocks']:>8.1f} {r['preview'] / r['mocks']:>13.1f} {per_resource:>28.1f}")


if __name__ == "__main__":
    main()
