"""Run a process the way the agent's pod runs its container, without a container engine: a private mount
namespace whose root is read-only (readOnlyRootFilesystem), with the image's /app (the installed runtime,
read-only), the image's Node in /usr/local, the character at /etc/eliza/character.json (the ConfigMap mount)
and only the pod's writable mounts writable: /tmp (HOME, an emptyDir), /app/.eliza (the data emptyDir) and
/dev/shm. The process runs as uid/gid 10001 with no capabilities and no_new_privs, in /app, with exactly the
env it is given. Needs root (unshare, mount, chroot); nothing outside the namespace changes."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from launchpad.images.build import RUNTIME_UID

# Builds the root under $ROOT (an empty directory) and execs the command (the script's arguments) in it.
SCRIPT = r"""
set -euo pipefail
ROOT=$1 APP=$2 NODE=$3 CHARACTER=$4 TMPDIR_RW=$5 DATA_RW=$6 INPUTS=$7 INIT_COUNT=$8; shift 8
INIT=("${@:1:$INIT_COUNT}"); shift "$INIT_COUNT"
mount -t tmpfs -o mode=0755 root "$ROOT"
for d in bin sbin lib lib32 lib64 usr opt var srv run; do
  if [ -L "/$d" ]; then ln -s "$(readlink "/$d")" "$ROOT/$d"
  elif [ -d "/$d" ]; then mkdir "$ROOT/$d"; mount --rbind "/$d" "$ROOT/$d"; mount -o remount,bind,ro "$ROOT/$d"; fi
done
# /etc as the image has it (the host's, read-only), plus the ConfigMap's directory.
mkdir "$ROOT/etc"; mount -t tmpfs -o mode=0755 etc "$ROOT/etc"
for entry in /etc/* /etc/.[!.]*; do
  [ -e "$entry" ] || [ -L "$entry" ] || continue
  target="$ROOT$entry"
  if [ -L "$entry" ]; then cp -P "$entry" "$target"
  elif [ -d "$entry" ]; then mkdir "$target"; mount --rbind "$entry" "$target"; mount -o remount,bind,ro "$target"
  else touch "$target"; mount --bind "$entry" "$target"; mount -o remount,bind,ro "$target"; fi
done
mkdir "$ROOT/etc/eliza"
if [ -n "$CHARACTER" ]; then
  cp "$CHARACTER" "$ROOT/etc/eliza/character.json"; chmod 0644 "$ROOT/etc/eliza/character.json"
else  # a pack: the memory-backed emptyDir its init container writes the characters into
  mount -t tmpfs -o mode=0770,uid=@UID@,gid=@UID@,size=16m characters "$ROOT/etc/eliza"
fi
if [ -n "$INPUTS" ]; then  # a pack's per-agent ConfigMap and Secret volumes, for its init container only
  mkdir -p "$ROOT/etc/launchpad/agents"; mount --bind "$INPUTS" "$ROOT/etc/launchpad/agents"
  mount -o remount,bind,ro "$ROOT/etc/launchpad/agents"
fi
mount -o remount,ro "$ROOT/etc"
# The image's Node in /usr/local (bin/node, include/node).
mount --bind "$NODE" "$ROOT/usr/local"; mount -o remount,bind,ro "$ROOT/usr/local"
# /app: the runtime read-only, and the data emptyDir on /app/.eliza.
mkdir "$ROOT/app"; mount -t tmpfs -o mode=0755 app "$ROOT/app"
for entry in "$APP"/* "$APP"/.[!.]*; do
  [ -e "$entry" ] || continue
  name=${entry##*/}
  if [ -d "$entry" ]; then mkdir "$ROOT/app/$name"; else touch "$ROOT/app/$name"; fi
  mount --rbind "$entry" "$ROOT/app/$name"; mount -o remount,bind,ro "$ROOT/app/$name"
done
mkdir "$ROOT/app/.eliza"; mount --bind "$DATA_RW" "$ROOT/app/.eliza"
mount -o remount,ro "$ROOT/app"
mkdir "$ROOT/tmp" "$ROOT/dev" "$ROOT/proc" "$ROOT/sys"
mount --bind "$TMPDIR_RW" "$ROOT/tmp"
mount --rbind /dev "$ROOT/dev"; mount -t tmpfs -o mode=1777,size=64m shm "$ROOT/dev/shm"
mount --rbind /proc "$ROOT/proc"; mount --rbind /sys "$ROOT/sys"; mount -o remount,bind,ro "$ROOT/sys"
mount -o remount,ro "$ROOT"
if [ "$INIT_COUNT" -gt 0 ]; then
  chroot "$ROOT" "${INIT[@]}"
  # What the server container mounts: the characters read-only, none of the agents' input volumes.
  [ -z "$INPUTS" ] || umount "$ROOT/etc/launchpad/agents"
  mount -o remount,ro "$ROOT/etc/eliza"
fi
exec chroot "$ROOT" "$@"
"""


@dataclass(frozen=True)
class Sandbox:
    """The paths a sandboxed run is built from (host side)."""

    root: Path  # an empty directory: the namespace's root is mounted on it
    app: Path  # the installed runtime (ensure_runtime)
    node: Path  # the image's Node (Toolchain.node_dir)
    character: Path | None  # the rendered character JSON; None: a pack, whose init command writes /etc/eliza
    tmp: Path  # writable: the pod's /tmp emptyDir
    data: Path  # writable: the pod's /app/.eliza emptyDir
    # A pack's per-agent input volumes (launchpad/workloads/pack_pod.py INPUTS_DIR), seen by its init command only.
    inputs: Path | None = None

    def _inner(self, command: list[str], env: dict[str, str], cwd: str) -> list[str]:
        return [
            "/usr/bin/setpriv", f"--reuid={RUNTIME_UID}", f"--regid={RUNTIME_UID}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
            "/usr/bin/env", "-i", *(f"{k}={v}" for k, v in sorted(env.items())),
            "/bin/sh", "-c", 'cd "$0" && exec "$@"', cwd, *command,
        ]  # fmt: skip

    def argv(
        self,
        command: list[str],
        env: dict[str, str],
        cwd: str = "/app",
        init: tuple[list[str], dict[str, str]] | None = None,
    ) -> list[str]:
        """The host command line that runs `command` in the sandbox as the image's non-root user; `init` (command,
        env) first, as a pod's init container, with the input volumes mounted, which `command` does not see."""
        unshare, bash = shutil.which("unshare"), shutil.which("bash")
        if unshare is None or bash is None:
            raise RuntimeError("unshare (util-linux) and bash are needed to run the runtime as its pod does")
        first = self._inner(*init, cwd) if init is not None else []
        paths = [self.root, self.app, self.node, self.character or "", self.tmp, self.data, self.inputs or ""]
        script = SCRIPT.replace("@UID@", str(RUNTIME_UID))
        return [unshare, "--mount", "--propagation", "private", bash, "-c", script, "sandbox", *map(str, paths),
                str(len(first)), *first, *self._inner(command, env, cwd)]  # fmt: skip

    def prepare(self) -> None:
        """Writable mounts owned by the runtime user, like the emptyDirs of a pod with fsGroup 10001."""
        for path in (self.root, self.tmp, self.data):
            path.mkdir(parents=True, exist_ok=True)
        for path in (self.tmp, self.data):
            os.chown(path, RUNTIME_UID, RUNTIME_UID)
            path.chmod(0o770)


def can_sandbox() -> str | None:
    """Why this machine cannot run the sandbox, or None."""
    if os.geteuid() != 0:
        return "running the runtime as its pod does needs root here (unshare --mount, chroot, setpriv)"
    missing = [tool for tool in ("unshare", "chroot", "setpriv", "mount") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not found (util-linux, coreutils)"
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return f"unshare --mount failed: {probe.stderr.strip()}"
    return None
