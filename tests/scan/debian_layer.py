"""A minimal Debian 12 (bookworm) layer for the scans that run without a base image.

It stands for the Debian layer of a node:*-slim base image: just what Trivy needs to detect the OS
(`etc/debian_version`, `etc/os-release`) and a dpkg status with three packages. It is NOT the real base: no
base image can be pulled here, so the base's real packages are NOT scanned by these tests. Bookworm because
its versions and advisories can be checked from this machine's apt (bookworm, bookworm-security), not because
it is the release of the project's base image. libc6 is at 2.36-9+deb12u4, before the fix of CVE-2024-2961
(2.36-9+deb12u6 per glibc's changelog.Debian), so the fixture DB's Debian advisories
(fixtures/trivy-advisories.json) have something true to match. Debian advisories are keyed by SOURCE
package, so libc6 names `Source: glibc`."""

from __future__ import annotations

from pathlib import Path

DEBIAN_VERSION = "12.8"
# (package, source, version): what the dpkg status lists.
PACKAGES = (
    ("base-files", "base-files", "12.4+deb12u8"),
    ("libc6", "glibc", "2.36-9+deb12u4"),
    ("zlib1g", "zlib", "1:1.2.13.dfsg-1"),
)

OS_RELEASE = """\
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
"""


def _status_entry(package: str, source: str, version: str) -> str:
    lines = [
        f"Package: {package}",
        "Status: install ok installed",  # dpkg's own marker of an installed package; Trivy skips others
        "Priority: required",
        "Architecture: amd64",
    ]
    if source != package:
        lines.append(f"Source: {source}")
    lines += [f"Version: {version}", f"Description: {package} (fixture entry, see tests/scan/debian_layer.py)"]
    return "\n".join(lines) + "\n"


def write_debian_layer(root: Path) -> Path:
    """Write the layer's files under `root` (the image's /)."""
    (root / "etc").mkdir(parents=True, exist_ok=True)
    (root / "etc" / "debian_version").write_text(DEBIAN_VERSION + "\n")
    (root / "etc" / "os-release").write_text(OS_RELEASE)
    dpkg = root / "var" / "lib" / "dpkg"
    dpkg.mkdir(parents=True, exist_ok=True)
    (dpkg / "status").write_text("\n".join(_status_entry(*p) for p in PACKAGES))
    return root
