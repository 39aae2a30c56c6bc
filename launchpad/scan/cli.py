"""`python -m launchpad scan` and `scan-config`: the Trivy gates by hand.

`scan` is the image scan gate, the same `run_scan` the deploy step runs: it scans an image reference, a
docker-archive tar (`--input`) or a root filesystem directory (`--rootfs`), keeps Trivy's JSON report under
build/scan/, prints the gate's verdict and, when it fails, the table. `scan-config` runs `trivy config` with
policies/trivy/trivy.yaml over what `render` wrote. Both exit 0 when clean, 1 on findings that fail, 2 when
they could not decide (no trivy, trivy failed, a report it does not understand, bad allowlist or fleet)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from launchpad.fleet import FleetError, load_fleet
from launchpad.scan.allowlist import AllowlistError, load_allowlist
from launchpad.scan.config_scan import DECLARED, fail_at, format_findings, run_config_scan
from launchpad.scan.database import updated_at
from launchpad.scan.report import ReportError
from launchpad.scan.severity import SEVERITIES
from launchpad.scan.trivy import Target, TrivyError, TrivyNotFound, run_scan

REPORT_DIR = Path("build/scan")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    scan = subparsers.add_parser(
        "scan",
        help="run the image scan gate (Trivy) on an image, an image tar or a root filesystem",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = scan.add_mutually_exclusive_group(required=True)
    what.add_argument("image", nargs="?", help="image reference (registry or local Docker engine)")
    what.add_argument("--input", metavar="TAR", help="docker-archive tar (`docker save` layout)")
    what.add_argument("--rootfs", metavar="DIR", help="directory holding an image's root filesystem")
    scan.add_argument("--severity", default="HIGH", choices=SEVERITIES[1:], help="threshold (default: HIGH)")
    scan.add_argument("--allowlist", type=Path, help="YAML list of {id, expires, reason}")
    scan.add_argument(
        "--cache-dir", type=Path, help="directory with a mirrored Trivy DB (<dir>/db/trivy.db); used as it is"
    )
    scan.add_argument("--report", type=Path, help=f"where to keep Trivy's JSON report (default: {REPORT_DIR}/...)")
    scan.set_defaults(func=run)
    config = subparsers.add_parser(
        "scan-config",
        help="run `trivy config` (policies/trivy/trivy.yaml) over what `render` wrote",
        description="Findings at or above the level policies/trivy/trivy.yaml sets fail (exit 1). The fleet's "
        "registry counts as trusted (KSV-0125).",
    )
    config.add_argument("directory", type=Path, help="what `python -m launchpad render --out DIR` wrote")
    config.add_argument("--agents", nargs="*", default=[], help="agent files or directories (default: agents/)")
    config.add_argument("--cache-dir", type=Path, help="Trivy's cache dir (default: Trivy's own)")
    config.add_argument("--report", type=Path, default=REPORT_DIR / "config.json", help="Trivy's JSON report")
    config.set_defaults(func=run_config)


def _target(args: argparse.Namespace) -> Target:
    if args.input:
        return Target("archive", args.input)
    if args.rootfs:
        return Target("rootfs", args.rootfs)
    return Target("image", args.image)


def default_report(target: Target) -> Path:
    """build/scan/<name>.json, the name taken from the image's repository and tag or the file's name."""
    name = target.ref.rstrip("/").rsplit("/", 1)[-1].split("@", 1)[0] or target.kind
    return REPORT_DIR / (re.sub(r"[^A-Za-z0-9._-]+", "_", name.removesuffix(".tar")) + ".json")


def run(args: argparse.Namespace) -> int:
    target = _target(args)
    report = args.report or default_report(target)
    try:
        allowlist = load_allowlist(args.allowlist) if args.allowlist else ()
        result = run_scan(target, report, threshold=args.severity, allowlist=allowlist, cache_dir=args.cache_dir)
    except (OSError, AllowlistError, ReportError, TrivyError, TrivyNotFound) as exc:
        print(f"scan: {exc}", file=sys.stderr)
        return 2
    assert result is not None  # required=True: a missing trivy raised
    if args.cache_dir:
        when = updated_at(args.cache_dir)
        print(f"vulnerability DB: {args.cache_dir} (updated {when.date() if when else 'at an unknown date'})")
    print(f"{target}: vulnerability scan gate {result.summary()}")
    if not result.passed:
        print(result.table())
    print(f"report: {report}")
    return 0 if result.passed else 1


def run_config(args: argparse.Namespace) -> int:
    try:
        fleet = load_fleet([Path(p) for p in args.agents] or None)
        level = fail_at()
        result = run_config_scan(
            args.directory, [fleet.registry] if fleet.registry else [], args.report, cache_dir=args.cache_dir
        )
    except FleetError as exc:
        print(exc.render(), file=sys.stderr)
        return 2
    except (OSError, ValueError, TrivyError, TrivyNotFound) as exc:
        print(f"scan-config: {exc}", file=sys.stderr)
        return 2
    if result.failing:
        print(format_findings(result.failing))
    for d in result.expired:
        print(f"expired declaration (not applied): {d.entry.id} on {d.kind}, expired {d.entry.expires.isoformat()}")
    declared = f", {len(result.declared)} declared ({DECLARED.name})" if result.declared else ""
    print(
        f"trivy config: {len(result.failing)} finding(s) at or above {level} in {args.directory}{declared}; "
        f"report: {args.report}"
    )
    return 1 if result.failing else 0
