"""The `pulumi` the Automation API runs in a worker: a guard that runs the real engine and takes it down with
the worker.

Why: the Automation API starts `pulumi up` as a child process. If the worker dies (kill -9, OOM), that child
and its own children (language host, program, providers, policy pack) keep running, holding the stack's
lock and writing its state, while the lease expires and another worker recovers the stack: two updates on
one stack. So this guard asks the kernel for a signal when its parent thread dies (PR_SET_PDEATHSIG), runs
the engine in a process group of its own, and kills that whole group when the signal comes. In a container
the worker is PID 1 and the runtime kills every process with it; the guard covers the other cases.

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


def main() -> int:
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise SystemExit(f"pulumi guard: prctl failed: {os.strerror(ctypes.get_errno())}")
    if os.getppid() != parent:  # the parent died before the signal was armed
        return 1
    engine = subprocess.Popen([_real_pulumi(), *sys.argv[1:]], start_new_session=True)

    def kill_group(signum: int, _frame: object) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(engine.pid, signal.SIGKILL)
        os._exit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, kill_group)
    return engine.wait()


if __name__ == "__main__":
    sys.exit(main())
