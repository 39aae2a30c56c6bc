"""What an agent's pod holds of a node's ephemeral storage, measured the way the kubelet measures it: the
disk blocks of its emptyDir volumes (kubernetes pkg/volume/util/fs DiskUsage on a filesystem without project
quotas: a walk summing st_blocks x 512, hard links once, files deleted meanwhile skipped), and its container
log as the container runtime writes it, each line of output behind a CRI log prefix (`<RFC3339Nano time>
<stream> <P|F> `, the format pkg/kubelet/kuberuntime/logs parses). The root filesystem is read-only, so the
container's writable layer holds nothing. Used by the boot test (tests/runtime/test_boot.py), whose figures
are the floors in launchpad/fleet/catalog.py."""

from __future__ import annotations

import os
import stat
from pathlib import Path

# "2026-11-24T04:18:00.123456789Z stdout F ": the longest prefix the runtime puts before each line.
CRI_LINE_PREFIX = 40


def disk_usage(root: Path) -> int:
    """Bytes of disk blocks under `root` (files, directories, symlinks; a hard-linked file once). Files that
    vanish during the walk (a runtime deleting its temporary files) are skipped."""
    seen: set[tuple[int, int]] = set()
    total, pending = 0, [root]
    while pending:
        directory = pending.pop()
        try:
            entries = list(os.scandir(directory))
            total += os.lstat(directory).st_blocks * 512
        except FileNotFoundError:
            continue
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(info.st_mode):
                pending.append(Path(entry.path))
            elif (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                total += info.st_blocks * 512
    return total


def container_log_bytes(log: Path) -> int:
    """Bytes the runtime's log file holds for this output: each line with its CRI prefix."""
    try:
        data = log.read_bytes()
    except FileNotFoundError:
        return 0
    return len(data) + CRI_LINE_PREFIX * (data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1))
