"""A local Kubernetes control plane for the `local` stack and the end-to-end tests: etcd, kube-apiserver and
kube-controller-manager (built from Go modules by tools/kube/ensure.sh), bound to 127.0.0.1 on free ports,
with the Prometheus Operator CRDs installed. There is no kubelet and no scheduler: Deployments get their
ReplicaSets and Pods (admitted or refused by Pod Security, as on a real cluster) and the Pods stay Pending.

The processes run in their own session and outlive the caller (`start` returns, `stop` ends them), like
`pg_ctl`; what runs where is kept in `<dir>/cluster.json`, logs in `<dir>/logs/`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

from launchpad import naming
from launchpad.errors import UserError
from launchpad.localcluster.certs import SERVICE_CIDR, Pki, ensure_pki
from launchpad.localcluster.kubeconfig import write_kubeconfig

HOST = "127.0.0.1"
STATE_FILE = "cluster.json"
# `restricted` for every namespace that does not say otherwise, not only for those the program labels.
POD_SECURITY = """\
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults: {enforce: restricted, enforce-version: latest, audit: restricted, audit-version: latest,
                 warn: restricted, warn-version: latest}
      exemptions: {usernames: [], runtimeClasses: [], namespaces: []}
"""
# Stopped in this order (the reverse of starting), each given this long to exit after SIGTERM.
ORDER = ("kube-controller-manager", "kube-apiserver", "etcd")
STOP_GRACE_SECONDS = 15.0


class ClusterError(UserError):
    pass


class _State(TypedDict):
    apiPort: int
    bin: str
    pids: dict[str, int]  # process name -> pid


@dataclass(frozen=True)
class LocalCluster:
    dir: Path
    bin_dir: Path
    api_port: int

    @property
    def server(self) -> str:
        return f"https://{HOST}:{self.api_port}"

    @property
    def kubeconfig(self) -> Path:
        """The admin's kubeconfig (group `system:masters`), certificates inlined."""
        return self.dir / "kubeconfig"

    def kubectl(self, *args: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.bin_dir / "kubectl"), "--kubeconfig", str(self.kubeconfig), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and result.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)} failed: {result.stderr.strip()}")
        return result


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def start(directory: Path, bin_dir: Path, *, durable: bool = True, timeout: float = 120.0) -> LocalCluster:
    """Start etcd, kube-apiserver and kube-controller-manager with their data in `directory` (kept across
    restarts: certificates, etcd data), wait until the API server is ready and the controller-manager
    works, and install the Prometheus Operator CRDs from `bin_dir/../crds`. durable=False skips etcd's
    fsync: for throwaway test clusters only."""
    directory = directory.expanduser().resolve()
    if running(directory) is not None:
        raise ClusterError(f"a local cluster is already running in {directory}; stop it first")
    stop(directory)  # whatever a crash or a start that failed half-way left running
    pki = ensure_pki(directory / "pki")
    (directory / "logs").mkdir(parents=True, exist_ok=True)
    ports = {name: free_port() for name in ("etcd", "etcd-peer", "kube-apiserver", "kube-controller-manager")}
    cluster = LocalCluster(directory, bin_dir, ports["kube-apiserver"])
    write_kubeconfig(cluster.kubeconfig, cluster.server, pki, "admin")
    write_kubeconfig(directory / "controller-manager.kubeconfig", cluster.server, pki, "controller-manager")
    (directory / "admission.yaml").write_text(POD_SECURITY)

    pids: dict[str, int] = {}
    state: _State = {"apiPort": cluster.api_port, "bin": str(bin_dir), "pids": pids}
    deadline = time.monotonic() + timeout
    try:
        pids["etcd"] = _spawn(directory, bin_dir / "etcd", _etcd_args(directory, ports, durable))
        _save(directory, state)  # from now on `stop` can clean up, even if the rest fails
        _wait(f"http://{HOST}:{ports['etcd']}/health", deadline, directory, "etcd")
        pids["kube-apiserver"] = _spawn(
            directory, bin_dir / "kube-apiserver", _apiserver_args(directory, pki, ports)
        )
        _save(directory, state)
        _wait(f"{cluster.server}/readyz", deadline, directory, "kube-apiserver", pki)
        pids["kube-controller-manager"] = _spawn(
            directory, bin_dir / "kube-controller-manager", _controller_manager_args(directory, pki, ports)
        )
        _save(directory, state)
        _install_crds(cluster, bin_dir.parent / "crds")  # while the controller-manager syncs its caches
        # The controller-manager is working once its service-account controller has made `default`'s account.
        _wait(f"{cluster.server}/api/v1/namespaces/default/serviceaccounts/default", deadline, directory,
              "kube-controller-manager", pki)  # fmt: skip
        _create_monitoring_namespace(cluster)
    except BaseException:
        stop(directory)
        raise
    return cluster


def running(directory: Path) -> LocalCluster | None:
    """The cluster whose processes all run in `directory`, or None."""
    state = _load(directory.expanduser().resolve())
    if state is None or set(state["pids"]) != set(ORDER):
        return None
    if not all(_alive(pid, name) for name, pid in state["pids"].items()):
        return None
    return LocalCluster(directory.expanduser().resolve(), Path(state["bin"]), int(state["apiPort"]))


def stop(directory: Path) -> list[str]:
    """SIGTERM each process still running (controller-manager first), SIGKILL after a grace period; returns
    the names of those that were running. Only processes recorded in `<dir>/cluster.json` that still run
    that binary are signalled, never a recycled pid."""
    directory = directory.expanduser().resolve()
    state = _load(directory)
    if state is None:
        return []
    stopped = []
    for name in ORDER:
        pid = state["pids"].get(name)
        if pid is None or not _alive(pid, name):
            continue
        os.kill(pid, signal.SIGTERM)
        end = time.monotonic() + STOP_GRACE_SECONDS
        while _alive(pid, name) and time.monotonic() < end:
            time.sleep(0.1)
        if _alive(pid, name):
            os.kill(pid, signal.SIGKILL)
            while _alive(pid, name):
                time.sleep(0.05)
        stopped.append(name)
    (directory / STATE_FILE).unlink(missing_ok=True)
    return stopped


def _etcd_args(directory: Path, ports: dict[str, int], durable: bool) -> list[str]:
    client, peer = f"http://{HOST}:{ports['etcd']}", f"http://{HOST}:{ports['etcd-peer']}"
    # Plain HTTP on loopback: only the API server talks to etcd, on this machine.
    args = [
        "--name=local",
        f"--data-dir={directory / 'etcd'}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=local={peer}",
        "--log-level=warn",
    ]
    return args if durable else [*args, "--unsafe-no-fsync"]


def _apiserver_args(directory: Path, pki: Pki, ports: dict[str, int]) -> list[str]:
    return [
        f"--etcd-servers=http://{HOST}:{ports['etcd']}",
        f"--bind-address={HOST}",
        f"--advertise-address={HOST}",
        # v1.37 refuses a loopback advertise address for the endpoint reconciler (nothing outside this
        # machine could reach it anyway): no `kubernetes` Endpoints are kept.
        "--endpoint-reconciler-type=none",
        f"--secure-port={ports['kube-apiserver']}",
        f"--cert-dir={directory / 'pki'}",
        f"--tls-cert-file={pki.cert('apiserver')}",
        f"--tls-private-key-file={pki.key('apiserver')}",
        f"--client-ca-file={pki.ca}",
        f"--service-account-key-file={pki.service_account_pub}",
        f"--service-account-signing-key-file={pki.service_account_key}",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-cluster-ip-range={SERVICE_CIDR}",
        "--authorization-mode=RBAC",
        f"--admission-control-config-file={directory / 'admission.yaml'}",
        "--profiling=false",
    ]


def _controller_manager_args(directory: Path, pki: Pki, ports: dict[str, int]) -> list[str]:
    # No --authentication/authorization-kubeconfig: its own health endpoints are all it serves, and they are
    # open (--authorization-always-allow-paths); nothing here calls its metrics.
    return [
        f"--kubeconfig={directory / 'controller-manager.kubeconfig'}",
        f"--bind-address={HOST}",
        f"--secure-port={ports['kube-controller-manager']}",
        f"--cert-dir={directory / 'pki' / 'controller-manager-serving'}",
        "--leader-elect=false",
        # Each controller acts as its own service account, as on a real cluster (RBAC per controller).
        "--use-service-account-credentials=true",
        f"--service-account-private-key-file={pki.service_account_key}",
        f"--root-ca-file={pki.ca}",
        "--profiling=false",
    ]


def _spawn(directory: Path, binary: Path, args: list[str]) -> int:
    if not os.access(binary, os.X_OK):
        raise ClusterError(f"{binary} is missing: build the control plane with tools/kube/ensure.sh")
    log = (directory / "logs" / f"{binary.name}.log").open("ab")
    with log:
        process = subprocess.Popen(
            [str(binary), *args], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, cwd=directory,
        )  # fmt: skip
    return process.pid


def _wait(url: str, deadline: float, directory: Path, name: str, pki: Pki | None = None) -> None:
    context = None
    if pki is not None:
        context = ssl.create_default_context(cafile=str(pki.ca))
        context.load_cert_chain(str(pki.cert("admin")), str(pki.key("admin")))
    state = _load(directory)
    pid = state["pids"][name] if state else None
    last = ""
    while time.monotonic() < deadline:
        if pid is not None and not _alive(pid, name):
            raise ClusterError(f"{name} exited during start-up:\n{_log_tail(directory, name)}")
        try:
            with urllib.request.urlopen(url, timeout=5, context=context) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as exc:
            last = str(exc)
        time.sleep(0.2)
    raise ClusterError(f"{name} not ready at {url} ({last}):\n{_log_tail(directory, name)}")


def _install_crds(cluster: LocalCluster, crds: Path) -> None:
    """The Prometheus Operator's own CRDs (copied from its Go module by ensure.sh). Server-side apply: the
    larger ones exceed the 256 KiB last-applied annotation of a client-side apply."""
    if not sorted(crds.glob("*.yaml")):
        raise ClusterError(f"no CRDs in {crds}: build the control plane with tools/kube/ensure.sh")
    cluster.kubectl("apply", "--server-side", "--field-manager=launchpad-local-cluster", "-f", str(crds))
    cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", "-f", str(crds))


def _create_monitoring_namespace(cluster: LocalCluster) -> None:
    """Where the program puts alert rules and probes when it does not install the operator itself
    (`monitoring.install: false`, the default): on a real cluster the operator's namespace exists already."""
    manifest = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": naming.MONITORING_NAMESPACE}}
    cluster.kubectl("apply", "--server-side", "--field-manager=launchpad-local-cluster", "-f", "-",
                    stdin=json.dumps(manifest))  # fmt: skip


def _alive(pid: int, name: str) -> bool:
    """`pid` runs and is still the process we started (a zombie child counts as gone, and is reaped)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass  # not our child: started by an earlier `start`
    try:
        # "<pid> (<comm>) <state> ...": comm is the executable's name cut to 15 characters, set at exec.
        head, rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return False
    return rest.split()[0] != "Z" and head.split("(", 1)[1] == name[:15]


def _log_tail(directory: Path, name: str, chars: int = 3000) -> str:
    log = directory / "logs" / f"{name}.log"
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


def _save(directory: Path, state: _State) -> None:
    (directory / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")


def _load(directory: Path) -> _State | None:
    path = directory / STATE_FILE
    if not path.exists():
        return None
    loaded: _State = json.loads(path.read_text())
    return loaded
