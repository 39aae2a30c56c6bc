"""The log shipper's own cost on a node of 1,000 agent containers: the OpenTelemetry Collector (tools/otelcol)
with the config the DaemonSet runs (launchpad/logs/shipper.py), reading 1,000 runtime-format log files and
sending to a receiver on loopback that decodes each request as the collector does and acknowledges at once (so
only the shipper is measured; benchmarks/collector.py measures the whole loop).

    .venv/bin/python benchmarks/shipper.py [--files 1000] [--seconds 20]

For an idle node (500 lines/s in all) and a busy one (6,000 lines/s), polled every 250 ms and every second, and
busy in JSON: the shipper's CPU (share of a core, CPU-s per 1,000 lines) and whether every line arrived. Prints
the ratio of the idle node's cost at the two poll intervals: what the 1 s default saves."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.collector import ProcessCpu  # noqa: E402
from launchpad.logs.cri import CriWriter, pod_log_path  # noqa: E402
from launchpad.logs.shipper import TOKEN_ENV, shipper_config  # noqa: E402
from services.collector.logs.otlp import decode  # noqa: E402
from tests.collector.shipper import otelcol_or_skip  # noqa: E402


class Sink(BaseHTTPRequestHandler):
    lines = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        count = len(decode(body, self.headers.get("content-type", "")))
        with Sink.lock:
            Sink.lines += count
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def run(binary: str, files: int, rate: int, seconds: float, poll: str, encoding: str) -> dict[str, float]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    work = Path(tempfile.mkdtemp(prefix="launchpad-bench-shipper-"))
    try:
        pods = work / "pods"
        config = shipper_config(pods_dir=str(pods), storage_dir=str(work / "state"), token=True,
                                endpoint=f"http://127.0.0.1:{server.server_port}", poll_interval=poll)  # fmt: skip
        config["exporters"]["otlp_http"]["encoding"] = encoding
        (work / "otelcol.yaml").write_text(yaml.safe_dump(config))
        writers = [CriWriter(pod_log_path(pods, f"tenant-{i % 10}", f"agent-{i:04d}-7d9f5c6b8-abcde", f"uid-{i:04d}",
                                          "eliza")) for i in range(files)]  # fmt: skip
        Sink.lines = 0
        with (work / "otelcol.log").open("wb") as log:
            process = subprocess.Popen([binary, f"--config=file:{work / 'otelcol.yaml'}"], stdout=log,
                                       stderr=subprocess.STDOUT, env={**os.environ, TOKEN_ENV: "bench"})  # fmt: skip
        try:
            time.sleep(2)  # started, every file found once
            cpu, started, written = ProcessCpu(process.pid), time.monotonic(), 0
            while (elapsed := time.monotonic() - started) < seconds:
                while written < int(rate * elapsed):
                    i = written % files
                    line = {"levelName": "info", "msg": f"message {written}", "pid": written,
                            "namespace": [f"Agent {i}"], "args": [{"agentId": f"agent-{i}"}]}  # fmt: skip
                    writers[i].write("stdout", json.dumps(line, separators=(",", ":")))
                    written += 1
                time.sleep(0.05)
            deadline = time.monotonic() + 30
            while Sink.lines < written and time.monotonic() < deadline:
                time.sleep(0.1)
            used, span = cpu.seconds(), time.monotonic() - started
        finally:
            process.terminate()
            process.wait(timeout=30)
            for writer in writers:
                writer.close()
        return {"written": written, "arrived": Sink.lines, "share": used / span, "per_k": 1000 * used / written}
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    binary = otelcol_or_skip()
    results = {}
    for rate, poll, encoding in ((500, "250ms", "proto"), (500, "1s", "proto"), (6000, "250ms", "proto"),
                                 (6000, "1s", "proto"), (6000, "1s", "json")):  # fmt: skip
        r = results[(rate, poll, encoding)] = run(binary, args.files, rate, args.seconds, poll, encoding)
        print(f"{args.files} files, {rate} lines/s, polled every {poll}, {encoding}: {100 * r['share']:.0f}% of a "
              f"core, {r['per_k']:.3f} CPU-s per 1,000 lines; {r['arrived']}/{r['written']} lines arrived", flush=True)
    idle = results[(500, "250ms", "proto")]["share"] / results[(500, "1s", "proto")]["share"]
    busy = results[(6000, "1s", "json")]["per_k"] / results[(6000, "1s", "proto")]["per_k"]
    print(f"an idle node's shipper costs {idle:.1f}x as much polled every 250 ms as every second; "
          f"JSON costs the shipper {busy:.2f}x protobuf")
    lost = any(r["arrived"] != r["written"] for r in results.values())
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
