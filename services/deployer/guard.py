"""The `pulumi` the Automation API runs in a worker: a guard that runs the real engine and takes it down with
the worker.

Why: the Automation API starts `pulumi up` as a child process. If the worker dies (kill -9, OOM), that child
and its own children (language host, program, providers, policy pack) keep running, holding the stack's
lock and writing its state, while the lease expires and another worker recovers the stack: two updates on
one stack. So this guard asks the kernel for a signal when its parent thread dies (PR_SET_PDEATHSIG) and
kills every process below it when the signal comes. A process group is not enough: the engine starts each
plugin in a process group of its own (seen here: the language host and the Kubernetes provider outlived a
killed engine, re-parented to init). So the guard makes itself the child subreaper (PR_SET_CHILD_SUBREAPER):
whatever the engine leaves behind is re-parented to the guard, never to init, and the guard kills the whole
tree it finds under itself. In a container the worker is PID 1 and the runtime kills every process with it;
the guard covers the other cases.

It is copied as `<worker dir>/pulumi/bin/pulumi` (pulumi.automation.PulumiCommand(root=...) runs
`<root>/bin/pulumi`) with the worker's Python as its interpreter and the real engine's path below its first
line: standalone on purpose, it imports nothing of the project (the project dir may be any copy).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PR_SET_CHILD_SUBREAPER = 36
REAL_PULUMI_MARKER = "# real pulumi: "


def install(bin_dir: Path, real_pulumi: str, python: str) -> Path:
    """Write the guard as `bin_dir/pulumi`, running `real_pulumi`; returns its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    source = Path(__file__).read_text()
    target = bin_dir / "pulumi"
    target.write_text(f"#!{python}\n{REAL_PULUMI_MARKER}{real_pulumi}\n{source}")
    target.chmod(0o755)
    return target


def stop_children(guard_path: Path) -> list[int]:
    """SIGTERM every guard this process started (each kills its engine's whole process group): the worker's
    way to stop a running update it may no longer own. Returns their pids."""
    me, stopped = os.getpid(), []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
        if ppid == me and str(guard_path).encode() in argv[:2]:
            os.kill(int(proc.name), signal.SIGTERM)
            stopped.append(int(proc.name))
    return stopped


def _real_pulumi() -> str:
    for line in Path(sys.argv[0]).read_text().splitlines()[:3]:
        if line.startswith(REAL_PULUMI_MARKER):
            return line.removeprefix(REAL_PULUMI_MARKER)
    raise SystemExit("pulumi guard: no real pulumi named in " + sys.argv[0])


def _descendants(root: int) -> list[int]:
    """Every process below `root`, from one reading of /proc (parents before children)."""
    children: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(proc.name))
    found, queue = [], list(children.get(root, []))
    while queue:
        pid = queue.pop(0)
        found.append(pid)
        queue.extend(children.get(pid, []))
    return found


def kill_tree(root: int) -> None:
    """SIGKILL everything below `root` until nothing is left (a dying process's children come up to us)."""
    for _ in range(50):
        pids = _descendants(root)
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0] > 0:  # reap what we adopted, so it leaves /proc
                pass


def main() -> int:
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    for option, value in ((PR_SET_PDEATHSIG, signal.SIGTERM), (PR_SET_CHILD_SUBREAPER, 1)):
        if libc.prctl(option, value, 0, 0, 0) != 0:
            raise SystemExit(f"pulumi guard: prctl({option}) failed: {os.strerror(ctypes.get_errno())}")
    if os.getppid() != parent:  # the parent died before the signal was armed
        return 1
    engine = subprocess.Popen([_real_pulumi(), *sys.argv[1:]])

    def stop(signum: int, _frame: object) -> None:
        kill_tree(os.getpid())
        os._exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, stop)
    code = engine.wait()
    kill_tree(os.getpid())  # nothing the engine started outlives it
    return code


if __name__ == "__main__":
    sys.exit(main())
