"""Boot agents from their installed runtime the way their pods do (sandbox.py) and watch them: time to
`/health` 200, resident memory of the whole process tree (sampled from /proc), the ephemeral storage they
hold (their writable mounts and their log, as the kubelet counts them: storage.py), whether they stay up.
Used by tests/runtime/test_boot.py and benchmarks/agent_footprint.py: one agent per plugin set, booted one
after the other (so a boot competes with idle agents only), then watched together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from launchpad.fleet.resolved import Agent, Fleet
from launchpad.images.build import IMAGE_ENV as IMAGE_ENV_TEMPLATE
from launchpad.images.build import NODE_IMAGE_PATH, RUNTIME_UID
from launchpad.logs.cri import CriWriter
from launchpad.runtime.install import ensure_runtime
from launchpad.runtime.sandbox import Sandbox
from launchpad.runtime.storage import container_log_bytes, disk_usage
from launchpad.runtime.toolchain import ensure_toolchain
from launchpad.workloads.pod import ARGS, VOLUME_DATA, VOLUME_TMP, character_json, container_env

PAGE = os.sysconf("SC_PAGE_SIZE")
# The env the image sets (its Dockerfile's ENV), with the base image's PATH for `$PATH`.
IMAGE_ENV = {name: value.replace("$PATH", NODE_IMAGE_PATH) for name, value in IMAGE_ENV_TEMPLATE.items()}
IMAGE_PATH = IMAGE_ENV["PATH"]
LOG, TOTAL = "log", "total"  # keys of RunningAgent.storage beside the volumes' names


def pod_env(container_env: list[dict[str, Any]], secrets: dict[str, str], port: int) -> dict[str, str]:
    """A container's env as its pod gets it: the image's ENV, the plain values, `secrets` for what the pod
    reads from Secrets (a fake value where none is given). Only SERVER_HOST and SERVER_PORT differ: loopback
    and a free port, so a test server binds to 127.0.0.1 only."""
    env = dict(IMAGE_ENV)
    for entry in container_env:
        name = entry["name"]
        env[name] = entry["value"] if "value" in entry else secrets.get(name, f"fake-{name.lower()}")
    env["SERVER_HOST"], env["SERVER_PORT"] = "127.0.0.1", str(port)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_status(url: str, headers: dict[str, str] | None = None, timeout: float = 5) -> int | None:
    """The status of a GET, or None when nothing answers."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return None


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry))
    return tree


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants (what a container's memory accounting sees, near
    enough: RSS counts shared library pages once per process)."""
    tree, total, pending = _children(), 0, [pid]
    while pending:
        current = pending.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        pending += tree.get(current, [])
    return total


@dataclass
class RunningAgent:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    # The pod's writable emptyDirs (volume name -> host directory), whose use `sample` measures with the log's.
    writable: dict[str, Path] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    samples: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, tree RSS)
    storage: list[dict[str, int]] = field(default_factory=list)  # per sample: volume or LOG -> bytes held
    ready_at: float | None = None  # time.monotonic() when /health was first 200

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def sample(self) -> int:
        rss = tree_rss(self.process.pid)
        self.samples.append((time.monotonic() - self.started, rss))
        held = {name: disk_usage(path) for name, path in self.writable.items()}
        self.storage.append({**held, LOG: container_log_bytes(self.log)})
        return rss

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, timeout: float = 240) -> float:
        """Seconds from start to `/health` 200 (every agent loaded); raises if it exits or times out."""
        while time.monotonic() - self.started < timeout:
            self.sample()
            if not self.alive():
                code = self.process.returncode
                raise RuntimeError(f"the agent exited with {code} before it was ready:\n{self.tail()}")
            if http_status(self.url("/health"), timeout=2) == 200:
                self.ready_at = time.monotonic()
                return self.ready_at - self.started
            time.sleep(0.5)
        raise RuntimeError(f"/health was not 200 after {timeout:.0f} s:\n{self.tail()}")

    def up_since_ready(self) -> float:
        """Seconds it has run since `/health` was first 200; a process that exited never comes back."""
        if self.ready_at is None or not self.alive():
            return 0.0
        return time.monotonic() - self.ready_at

    def peak(self) -> int:
        return max(rss for _, rss in self.samples)

    def peak_storage(self) -> dict[str, int]:
        """The most each volume and the log held at one sample, and the most they held together (TOTAL): what
        the kubelet holds against the pod's ephemeral-storage limit."""
        peaks = {name: max(s[name] for s in self.storage) for name in self.storage[0]}
        return {**peaks, TOTAL: max(sum(s.values()) for s in self.storage)}

    def steady(self, last_seconds: float = 15) -> int:
        """Median tree RSS over the last `last_seconds` of samples."""
        end = self.samples[-1][0]
        window = sorted(rss for at, rss in self.samples if at >= end - last_seconds)
        return window[len(window) // 2]

    def tail(self, chars: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


class AgentBoot:
    """`with AgentBoot(...) as agent:` runs `command` in a fresh sandbox and stops it on exit. A pack's boot gives
    no character but `inputs` (path under the pack's input directory -> content: each agent's ConfigMap and
    secret files, as its projected volume holds them) and the `init` command and env its init container runs."""

    def __init__(
        self,
        app: Path,
        node: Path,
        character: str | None,
        env: dict[str, str],
        command: list[str],
        *,
        inputs: dict[str, str] | None = None,
        init: tuple[list[str], dict[str, str]] | None = None,
        cri_log: Path | None = None,
    ) -> None:
        """cri_log: also write the output there in the container runtime's log format (launchpad/logs/cri.py),
        stdout and stderr apart, as a kubelet node keeps a container's output for the log shipper."""
        self.cri_log = cri_log
        self.work = Path(tempfile.mkdtemp(prefix="launchpad-boot-"))
        os.chmod(self.work, 0o755)
        character_path = None
        if character is not None:
            character_path = self.work / "character.json"
            character_path.write_text(character)
        inputs_path = _write_inputs(self.work / "inputs", inputs) if inputs is not None else None
        self.sandbox = Sandbox(
            self.work / "root", app, node, character_path, self.work / "tmp", self.work / "data", inputs_path
        )
        self.env, self.command, self.init = env, command, init

    def __enter__(self) -> RunningAgent:
        self.sandbox.prepare()
        log = self.work / "agent.log"
        if self.cri_log is not None:
            return self._enter_with_cri_log(log, self.cri_log)
        with log.open("wb") as out:
            process = subprocess.Popen(
                self.sandbox.argv(self.command, self.env, init=self.init), stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        writable = {VOLUME_TMP: self.sandbox.tmp, VOLUME_DATA: self.sandbox.data}
        self.agent = RunningAgent(process, int(self.env["SERVER_PORT"]), log, writable)
        return self.agent

    def _enter_with_cri_log(self, log: Path, cri_log: Path) -> RunningAgent:
        writer = CriWriter(cri_log)
        out = log.open("wb")
        process = subprocess.Popen(
            self.sandbox.argv(self.command, self.env, init=self.init), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        self.pumps = [writer.pump("stdout", process.stdout, out), writer.pump("stderr", process.stderr, out)]
        writable = {VOLUME_TMP: self.sandbox.tmp, VOLUME_DATA: self.sandbox.data}
        self.agent = RunningAgent(process, int(self.env["SERVER_PORT"]), log, writable)
        self._closers = [writer.close, out.close]
        return self.agent

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.agent.stop()
        for pump in getattr(self, "pumps", []):
            pump.join(timeout=10)
        for close in getattr(self, "_closers", []):
            close()
        subprocess.run(["rm", "-rf", str(self.work)], check=False)


def _write_inputs(root: Path, files: dict[str, str]) -> Path:
    """Files as a projected Secret/ConfigMap volume holds them: root-owned, group the pod's fsGroup, 0440 (the
    volume's defaultMode), in directories the group may read."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
        path.chmod(0o440)
    for path in [root, *(p for p in root.rglob("*"))]:
        os.chown(path, 0, RUNTIME_UID)
        if path.is_dir():
            path.chmod(0o750)
    return root


def watch_together(agents: list[RunningAgent], seconds: float) -> None:
    """Sample every agent each second until each has run `seconds` since it was ready, or has exited (the caller
    asserts on each: `up_since_ready()`). Watching the agents of a fleet together costs one wait, not one each."""
    while True:
        waiting = [a for a in agents if a.alive() and a.up_since_ready() < seconds]
        for agent in agents:
            if agent.alive():
                agent.sample()
        if not waiting:
            return
        time.sleep(1)


def one_agent_per_plugin_set(fleet: Fleet) -> dict[str, Agent]:
    """The first agent (by name) of each distinct plugin set: a set is what an install and a boot prove."""
    sets: dict[str, Agent] = {}
    for agent in sorted(fleet.agents, key=lambda a: a.name):
        if agent.image_build is not None:
            sets.setdefault(agent.image_build.set_hash, agent)
    return sets


def agent_boot(agent: Agent, secrets: dict[str, str], cri_log: Path | None = None) -> AgentBoot:
    """`with agent_boot(...) as running:` runs `agent` as its pod does: its plugin set's runtime (installed on
    first use, as the image's Dockerfile installs it), `elizaos start` with the rendered character and env, and
    `secrets` for what the pod reads from Secrets (a fake value for the others)."""
    build = agent.image_build
    if build is None:
        raise ValueError(f"agent {agent.name} runs a prebuilt image: no plugin set of ours to boot")
    app, node = ensure_runtime(build), ensure_toolchain(build).node_dir
    env = pod_env(container_env(agent), secrets, free_port())
    return AgentBoot(app, node, character_json(agent), env, ["elizaos", *ARGS], cri_log=cri_log)
