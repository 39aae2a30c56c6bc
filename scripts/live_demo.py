"""An agent going from pending to running to paused as its owner sees it: the control plane's SSE stream (read
with curl, as any client would) and GET /api/agents/{name}/status, /metrics and /logs. Real parts: the local
Kubernetes control plane (the pod's status written through the status subresource, as a kubelet would: there
is no kubelet), the collector as a process, Prometheus with the agent's series, the log shipper reading the
agent's log file, the API with a token minted as Supabase Auth mints it. README "The live data loop" shows
its output.

    .venv/bin/python scripts/live_demo.py
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psycopg
import uvicorn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from launchpad.db import local_server  # noqa: E402
from launchpad.db.migrations.runner import migrate  # noqa: E402
from launchpad.localcluster import cluster as local  # noqa: E402
from launchpad.localcluster.binaries import find_bin_dir  # noqa: E402
from launchpad.logs.cri import CriWriter, pod_log_path  # noqa: E402
from launchpad.sealed import new_key, parse_keyring  # noqa: E402
from services.api.app import create_app  # noqa: E402
from services.api.ratelimit import RateLimits  # noqa: E402
from tests.api import supabase_auth as auth  # noqa: E402
from tests.api.conftest import make_config  # noqa: E402
from tests.collector.promlab import free_port, prometheus  # noqa: E402
from tests.collector.shipper import shipper  # noqa: E402
from tests.collector.test_status_kube import deployment, kubelet_status  # noqa: E402
from tests.db.telemetry_seed import role_url  # noqa: E402

OWNER = "0a0a0a0a-0000-4000-8000-00000000000a"
NAME, NS = "agent-0000", "tenant-t00"  # the first agent of the Prometheus fixture's fleet
TOKEN = "demo-collector-token"


def show(title: str, value: Any) -> None:
    print(f"\n$ {title}")
    print(value if isinstance(value, str) else json.dumps(value, indent=2))


def main() -> int:
    bin_dir = find_bin_dir(build=False)
    if bin_dir is None:
        print("the local control plane is not built: bash tools/kube/ensure.sh", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="launchpad-live-demo-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        pg = local_server.start(work / "pg", local_server.free_port(), durable=False)
        stack.callback(pg.stop)
        with psycopg.connect(pg.url, autocommit=True) as conn:
            conn.execute("create database demo")
        url = pg.url.rsplit("/", 1)[0] + "/demo"
        migrate(url, ROOT / "supabase" / "migrations")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("insert into auth.users (id) values (%s)", (OWNER,))
            conn.execute("insert into public.agents (user_id, name, namespace, image, status) values"
                         " (%s, %s, %s, 'img', 'running')", (OWNER, NAME, NS))  # fmt: skip
        cluster = local.start(work / "kube", bin_dir, durable=False)
        stack.callback(local.stop, work / "kube")
        cluster.kubectl("create", "namespace", NS)
        (work / "prom").mkdir()
        prom = stack.enter_context(prometheus(work / "prom", 1))
        (work / "token").write_text(TOKEN)
        port = free_port()
        collector = subprocess.Popen(
            [sys.executable, "-m", "launchpad", "collector", "run", "--database-url",
             role_url(url, "launchpad_collector"), "--kubeconfig", str(cluster.kubeconfig), "--prometheus-url", prom,
             "--metrics-interval", "5", "--listen", f"127.0.0.1:{port}", "--token-file", str(work / "token")],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(work / "collector.log").open("wb"),
        )  # fmt: skip
        stack.callback(lambda: (collector.send_signal(signal.SIGTERM), collector.wait(30)))
        pods = work / "pods"
        stack.enter_context(shipper(work / "shipper", pods, f"http://127.0.0.1:{port}", TOKEN))
        jwks = auth.JwksServer([auth.es256_key()])
        stack.callback(jwks.stop)
        config = make_config(pg.url_for("launchpad_api", "demo"), jwks.url, parse_keyring(new_key()), work)
        api_port = free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(config, rates=RateLimits(1000, 1000, 1000)),
                                               host="127.0.0.1", port=api_port, log_level="warning"))  # fmt: skip
        threading.Thread(target=server.run, daemon=True).start()
        stack.callback(setattr, server, "should_exit", True)
        while not server.started:
            time.sleep(0.05)
        api = f"http://127.0.0.1:{api_port}"
        token = auth.mint(auth.claims(OWNER), jwks.keys[0])

        def get(path: str) -> Any:
            request = urllib.request.Request(api + path, headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.load(response)

        events = f"{api}/api/agents/{NAME}/events"
        curl = subprocess.Popen(["curl", "-sN", "-H", f"Authorization: Bearer {token}", events],
                                stdout=subprocess.PIPE, text=True)  # fmt: skip
        time.sleep(8)  # the collector leads, and its first metrics round is in

        def status(step: str) -> None:
            body = get(f"/api/agents/{NAME}/status")
            show(f"curl -H 'Authorization: Bearer ...' {api.split('//')[1]}/api/agents/{NAME}/status   # {step}",
                 {"status": body["status"], "observed": body["observed"]})

        cluster.kubectl("apply", "--server-side", "--field-manager=demo", "-f", "-",
                        stdin=json.dumps(deployment(NAME, 1, NS)))
        time.sleep(2)
        status("the Deployment exists, its pod is not scheduled")
        pod = json.loads(cluster.kubectl("get", "pods", "-n", NS, "-o", "json").stdout)["items"][0]["metadata"]
        writer = CriWriter(pod_log_path(pods, NS, pod["name"], pod["uid"], "eliza"))
        kubelet_status(cluster, pod["name"], ready=True, namespace=NS)
        for i, message in enumerate(["Character loaded", "Started agents", "Failed to login to Discord: Unable "
                                                                           "to connect"]):  # fmt: skip
            level = "error" if i == 2 else "info"
            writer.write("stderr" if level == "error" else "stdout",
                         json.dumps({"level": 3, "levelName": level, "msg": message, "namespace": ["Ava"]}))
        time.sleep(6)
        status("the kubelet reported the container running and ready")
        cluster.kubectl("scale", "deployment", NAME, "-n", NS, "--replicas=0")
        time.sleep(3)
        status("paused: scaled to 0")
        show(f"curl ... /api/agents/{NAME}/metrics?since=5m&limit=5",
             get(f"/api/agents/{NAME}/metrics?since=5m&limit=5"))
        show(f"curl ... /api/agents/{NAME}/logs?since=5m", get(f"/api/agents/{NAME}/logs?since=5m"))
        curl.terminate()
        stream = curl.communicate(timeout=10)[0]
        show(f"curl -N -H 'Authorization: Bearer ...' .../api/agents/{NAME}/events   # meanwhile, the stream", stream)
        writer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
