"""`trivy config` over what `python -m launchpad render` writes (Kubernetes manifests and Dockerfiles), the
second opinion next to checkov. policies/trivy/trivy.yaml sets the one level at or above which a finding fails
and the use of the checks embedded in the binary (no download); policies/trivy/declared.yaml lists the
findings accepted instead of fixed, each for one check on one kind of object, with a reason and an expiry.
The fleet's registry is declared trusted here, from the fleet itself, through the data KSV-0125 reads
(`ksv0125.trusted_registries`, trivy-checks checks/kubernetes/uses_untrusted_registry.rego), so an image from
anywhere else is still a finding.

Trivy reports a finding by file and lines; a rendered file holds several objects, so each finding is traced
back to the object (kind, name) whose lines it names."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from launchpad.scan.allowlist import AllowEntry, AllowlistError, parse_allowlist
from launchpad.scan.report import ReportError
from launchpad.scan.severity import SEVERITIES, at_or_above, rank
from launchpad.scan.trivy import Runner, TrivyError, TrivyNotFound, find_trivy

CONFIG = Path(__file__).resolve().parents[2] / "policies" / "trivy" / "trivy.yaml"
DECLARED = CONFIG.parent / "declared.yaml"

# Checks whose input selector names one kind (trivy-checks checks/kubernetes/use_limit_range.rego and
# use_resource_quota.rego: `subtypes: [{kind: limitrange}]`, `[{kind: resourcequota}]`) but which Trivy v0.74.0
# runs on EVERY object of a scan as soon as one object of that kind is in it: pkg/iac/rego/scanner.go
# isPolicyApplicable accepts a check when any input of the batch matches its selector, then applies it to all
# (aquasecurity/trivy#8635 was closed by adding those selectors). A finding of these on another kind is
# Trivy's error, not the object's; tests/scan/test_trivy_config.py shows the pinned binary still makes it.
KIND_SCOPED = {"KSV-0039": "LimitRange", "KSV-0040": "ResourceQuota"}


@dataclass(frozen=True, order=True)
class Misconfiguration:
    check_id: str  # KSV-0125, DS-0002, ...
    severity: str
    file: str  # relative to the scanned directory
    kind: str  # of the object the finding is about ("Dockerfile" for one)
    name: str  # of that object ("" for a Dockerfile)
    title: str
    message: str


@dataclass(frozen=True)
class Declared:
    """A finding accepted instead of fixed: one check on one kind of object, until it expires."""

    entry: AllowEntry  # id (the check), expires, reason
    kind: str

    def covers(self, finding: Misconfiguration, today: dt.date) -> bool:
        return self.entry.applies(today) and (finding.check_id, finding.kind) == (self.entry.id, self.kind)


@dataclass(frozen=True)
class ConfigResult:
    failing: tuple[Misconfiguration, ...]
    declared: tuple[Misconfiguration, ...] = ()
    expired: tuple[Declared, ...] = field(default=())  # declarations past their date: reported, never applied


def fail_at(config: Path = CONFIG) -> str:
    """The level set in the config: the lowest severity of its list, which must hold every level above it."""
    raw = yaml.safe_load(config.read_text(encoding="utf-8")).get("severity") or []
    listed = [str(s) for s in raw] if isinstance(raw, list) else []
    if not listed or any(s not in SEVERITIES for s in listed):
        raise ValueError(f"{config}: severity must list Trivy severities, got {raw!r}")
    lowest = min(listed, key=rank)
    if set(listed) != set(at_or_above(lowest)):
        raise ValueError(f"{config}: severity {listed} skips a level: list every one from {lowest} up to CRITICAL")
    return lowest


def trusted_registries(registries: Iterable[str]) -> list[str]:
    """Registry hosts as KSV-0125 compares them: an image's part before the first "/" must end with one."""
    return sorted({registry.split("/", 1)[0] for registry in registries})


def config_command(
    trivy: str, directory: Path, report: Path, data_dir: Path, cache_dir: Path | None = None
) -> list[str]:
    command = [trivy, "config", "--config", str(CONFIG), "--config-data", str(data_dir)]
    command += ["--format", "json", "--exit-code", "0", "--output", str(report)]
    if cache_dir is not None:
        command += ["--cache-dir", str(cache_dir)]
    return [*command, str(directory)]


def load_declared(path: Path = DECLARED) -> tuple[Declared, ...]:
    """policies/trivy/declared.yaml: a list of {id, kind, expires, reason}; the allowlist's rules for the rest."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if data is None:
        return ()
    if not isinstance(data, list) or not all(isinstance(raw, Mapping) for raw in data):
        raise AllowlistError(f"{path}: expected a list of {{id, kind, expires, reason}}")
    kinds = [raw.get("kind") for raw in data]
    for i, kind in enumerate(kinds):
        if not isinstance(kind, str) or not kind:
            raise AllowlistError(f"{path}[{i}]: kind is missing (the kind of object the declaration is about)")
    entries = parse_allowlist([{k: v for k, v in raw.items() if k != "kind"} for raw in data], str(path))
    return tuple(Declared(entry, kind) for entry, kind in zip(entries, kinds, strict=True))


def _objects(path: Path) -> list[tuple[int, int, str, str]]:
    """(first line, last line, kind, name) of each YAML document in `path`, lines counted from 1."""
    objects = []
    with path.open(encoding="utf-8") as f:
        for node in yaml.compose_all(f, Loader=yaml.SafeLoader):
            if not isinstance(node, yaml.MappingNode):
                continue
            top = {key.value: value for key, value in node.value}
            meta = top.get("metadata")
            fields = {key.value: value for key, value in meta.value} if isinstance(meta, yaml.MappingNode) else {}
            kind, name = top.get("kind"), fields.get("name")
            objects.append((
                node.start_mark.line + 1,
                node.end_mark.line + 1,
                kind.value if isinstance(kind, yaml.ScalarNode) else "",
                name.value if isinstance(name, yaml.ScalarNode) else "",
            ))  # fmt: skip
    return objects


def _object_at(
    directory: Path, target: str, result_type: str, line: int, read: dict[str, list[tuple[int, int, str, str]]]
) -> tuple[str, str]:
    if result_type == "dockerfile":
        return "Dockerfile", ""
    if target not in read:  # each file parsed once, however many findings it has
        read[target] = _objects(directory / target)
    for first, last, kind, name in read[target]:
        if first <= line <= last:
            return kind, name
    return "", ""


def parse_misconfigurations(report: Mapping[str, Any], directory: Path) -> list[Misconfiguration]:
    """Every failed check of the report, on the object it names; Trivy's KIND_SCOPED misfires left out."""
    if report.get("SchemaVersion") != 2:
        raise ReportError(f"unsupported Trivy report: SchemaVersion {report.get('SchemaVersion')!r} (expected 2)")
    found = set()
    read: dict[str, list[tuple[int, int, str, str]]] = {}
    for result in report.get("Results") or []:
        for m in result.get("Misconfigurations") or []:
            if m.get("Status", "FAIL") != "FAIL":
                continue
            line = int((m.get("CauseMetadata") or {}).get("StartLine") or 0)
            kind, name = _object_at(directory, str(result.get("Target")), str(result.get("Type")), line, read)
            check_id = str(m.get("ID"))
            if KIND_SCOPED.get(check_id, kind) != kind:
                continue
            found.add(
                Misconfiguration(
                    check_id=check_id,
                    severity=str(m.get("Severity")),
                    file=str(result.get("Target")),
                    kind=kind,
                    name=name,
                    title=str(m.get("Title")),
                    message=str(m.get("Message")),
                )
            )
    return sorted(found, key=lambda f: (-rank(f.severity), f.check_id, f.file, f.name, f.message))


def judge(
    findings: Iterable[Misconfiguration], declared: Iterable[Declared], today: dt.date | None = None
) -> ConfigResult:
    today = today or dt.date.today()
    declarations = tuple(declared)
    failing: list[Misconfiguration] = []
    accepted: list[Misconfiguration] = []
    for finding in findings:
        (accepted if any(d.covers(finding, today) for d in declarations) else failing).append(finding)
    expired = tuple(d for d in declarations if not d.entry.applies(today))
    return ConfigResult(tuple(failing), tuple(accepted), expired)


def run_config_scan(
    directory: Path,
    registries: Iterable[str],
    report: Path,
    *,
    trivy: str | None = None,
    cache_dir: Path | None = None,
    declared: Path = DECLARED,
    today: dt.date | None = None,
    runner: Runner = subprocess.run,
) -> ConfigResult:
    """The findings at or above the configured level, split into failing and declared ones; images from
    `registries` (the stack's, e.g. "registry.example.com:5000/agents") count as trusted."""
    binary = trivy or find_trivy()
    if binary is None:
        raise TrivyNotFound("cannot run `trivy config`: trivy is not installed (bash tools/trivy/ensure.sh builds it)")
    if not directory.is_dir():
        raise TrivyError(f"cannot scan {directory}: no such directory (write it with `python -m launchpad render`)")
    fail_at()  # a malformed level or declaration is refused before anything runs
    declarations = load_declared(declared)
    report.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="trivy-config-data-") as data_dir:
        data = {"ksv0125": {"trusted_registries": trusted_registries(registries)}}
        (Path(data_dir) / "trusted-registries.json").write_text(json.dumps(data))
        cache = cache_dir.resolve() if cache_dir is not None else None
        command = config_command(binary, directory.resolve(), report.resolve(), Path(data_dir), cache)
        done = runner(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise TrivyError(f"trivy config failed on {directory} (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    findings = parse_misconfigurations(json.loads(report.read_text(encoding="utf-8")), directory)
    return judge(findings, declarations, today)


def format_findings(findings: Iterable[Misconfiguration]) -> str:
    return "\n".join(
        f"{f.severity} {f.check_id} {f.file}{f' {f.kind}/{f.name}' if f.name else ''}: {f.message}" for f in findings
    )
