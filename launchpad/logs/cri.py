"""The container runtime's log file format, as the kubelet's runtimes write it (containerd's CRI plugin,
pkg/cri/io/logger.go; CRI-O the same): one line per line of output,

    <RFC 3339 time with nanoseconds> <stdout|stderr> <F|P> <text>

`F` a full line, `P` a part of a longer one (the runtime cuts lines at 16 KiB; the next part follows).
Files live at /var/log/pods/<namespace>_<pod>_<pod uid>/<container>/<restart count>.log. The log shipper
parses exactly this (its `container` operator) and takes the pod from the path.

Here it is written by the boot harness (launchpad/runtime/boot.py) for an agent it runs outside a cluster,
where no runtime does: the agent's output goes where a kubelet node would put it, for the shipper to read."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

MAX_LINE = 16 * 1024  # containerd's default max container log line size before it splits into P parts


def pod_log_path(root: Path, namespace: str, pod: str, uid: str, container: str, restarts: int = 0) -> Path:
    return root / f"{namespace}_{pod}_{uid}" / container / f"{restarts}.log"


def timestamp(at: datetime | None = None) -> str:
    """RFC 3339 with nanoseconds, as Go's time.RFC3339Nano prints UTC (trailing zeros trimmed, 'Z')."""
    at = at or datetime.now(UTC)
    text = at.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0").rstrip(".")
    return text + "Z"


class CriWriter:
    """Appends runtime-format lines to one container's log file; safe from several threads (stdout, stderr)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, stream: str, line: str) -> None:
        text = line.rstrip("\n")
        parts = [text[i : i + MAX_LINE] for i in range(0, len(text), MAX_LINE)] or [""]
        stamp = timestamp()
        with self._lock:
            for index, part in enumerate(parts):
                tag = "F" if index == len(parts) - 1 else "P"
                self._file.write(f"{stamp} {stream} {tag} {part}\n")
            self._file.flush()

    def pump(self, stream: str, source: IO[bytes], copy: IO[bytes] | None = None) -> threading.Thread:
        """A thread copying `source` line by line into the log (and into `copy`, when given) until EOF."""

        def run() -> None:
            for raw in iter(source.readline, b""):
                if copy is not None:
                    copy.write(raw)
                    copy.flush()
                self.write(stream, raw.decode("utf-8", errors="replace"))

        thread = threading.Thread(target=run, name=f"cri-{stream}", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        with self._lock:
            self._file.close()
