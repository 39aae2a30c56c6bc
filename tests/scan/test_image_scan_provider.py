"""ImageScan's provider in the engine's real provider host (tests/provider_host.py): a failed gate, a failing
or missing trivy and a bad allowlist reach the user as the error's message, never as a Python traceback
through launchpad's frames; a bug (anything else) keeps its traceback, so it can be debugged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.providers.image_scan import _ScanProvider
from launchpad.providers.image_scan import ScanGateFailed
from launchpad.scan import AllowlistError, TrivyError, TrivyNotFound
from tests.provider_host import provider_host
from tests.scan.recorded import recorded_trivy

IMAGE = "registry.launchpad.internal:5000/agents/eliza-runtime@sha256:" + "c" * 64


def _props(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    """ImageScan's inputs, as components/image_scan.py registers them."""
    report = str(tmp_path / "build" / "scan" / "r.json")
    props = {"image": IMAGE, "report_path": report, "threshold": "HIGH", "allowlist_path": None,
             "allowlist_sha256": None, "required": True, "cache_dir": None, "status": None}  # fmt: skip
    return {**props, **changes}


def _message(details: str | None, kind: type[Exception]) -> str:
    """The error the engine would print: the type and message alone."""
    assert details is not None, "the step did not fail"
    assert "Traceback" not in details and 'File "' not in details, details
    prefix = f"{kind.__module__}.{kind.__qualname__}: "
    assert details.startswith(prefix), details
    return details.removeprefix(prefix)


def test_a_failed_gate_is_its_table(tmp_path: Path) -> None:
    bin_dir = recorded_trivy(tmp_path / "bin", "high")
    with provider_host({"PATH": f"{bin_dir}:/usr/bin:/bin"}) as host:
        details = host.create(_ScanProvider(), _props(tmp_path))
    message = _message(details, ScanGateFailed)
    assert message.startswith(f"image {IMAGE}: vulnerability scan gate FAILED: ")
    assert "\nPACKAGE " in message and message.rstrip().endswith(f"full Trivy report: {tmp_path}/build/scan/r.json")


def test_trivy_failing_is_one_message(trivy: str, trivy_cache: Path, tmp_path: Path) -> None:
    image = "127.0.0.1:9/agents/eliza-runtime:missing"  # nothing serves it
    with provider_host() as host:
        details = host.create(_ScanProvider(), _props(tmp_path, image=image, cache_dir=str(trivy_cache)))
    message = _message(details, TrivyError)
    assert message.startswith(f"trivy failed on {image} (exit 1): ") and "connection refused" in message


def test_no_trivy_says_how_to_get_one(tmp_path: Path) -> None:
    with provider_host({"PATH": "/usr/bin:/bin", "LAUNCHPAD_CACHE": str(tmp_path / "empty-cache")}) as host:
        details = host.create(_ScanProvider(), _props(tmp_path))
    message = _message(details, TrivyNotFound)
    assert message.startswith(f"cannot scan image {IMAGE}: trivy is not installed") and "ensure.sh" in message


def test_a_bad_allowlist_is_one_message(tmp_path: Path) -> None:
    allowlist = tmp_path / "allow.yaml"
    allowlist.write_text("- id: CVE-2024-21538\n  reason: no date\n")
    with provider_host() as host:
        details = host.create(_ScanProvider(), _props(tmp_path, allowlist_path=str(allowlist)))
    message = _message(details, AllowlistError)
    assert message == f"{allowlist}[0]: expires is missing (every allowlisted CVE needs an id, expires and reason)\n"


def test_a_bug_keeps_its_traceback(tmp_path: Path) -> None:
    props = _props(tmp_path)
    del props["threshold"]  # a provider out of step with its component: launchpad's bug, not the user's
    with provider_host() as host:
        details = host.create(_ScanProvider(), props)
    assert details is not None and details.startswith("Traceback (most recent call last):")
    assert "launchpad/providers/image_scan.py" in details and details.rstrip().endswith("KeyError: 'threshold'")
