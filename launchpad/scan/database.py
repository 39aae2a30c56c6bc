"""Trivy's vulnerability database from a directory instead of the internet (air-gapped sites, the tests).

Trivy keeps its DB in `<cache-dir>/db/trivy.db` with `<cache-dir>/db/metadata.json` beside it. Normally it
downloads a fresh one (an OCI artifact, mirror.gcr.io/aquasec/trivy-db:2) once the local one passes the
`NextUpdate` its metadata carries (about a day). With `--skip-db-update` it uses the local one whatever its
age, and `--offline-scan` keeps it from calling out for anything else, so a site without internet mirrors
the DB into that directory (README, "Scan gate") and points the gate at it. The age is then the site's
responsibility: `updated_at` lets the caller show it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def db_files(cache_dir: str | Path) -> tuple[Path, Path]:
    db = Path(cache_dir) / "db"
    return db / "trivy.db", db / "metadata.json"


def database_problem(cache_dir: str | Path) -> str | None:
    """What is wrong with the DB in `cache_dir`, None when it is there. Without this check Trivy fails with
    `--skip-db-update cannot be specified on the first run`, which does not say what to do."""
    missing = [p for p in db_files(cache_dir) if not p.is_file()]
    if not missing:
        return None
    return (
        f"no Trivy vulnerability database in {cache_dir}: {', '.join(str(p) for p in missing)} missing. "
        "Mirror one there (README, \"Scan gate\": `oras pull mirror.gcr.io/aquasec/trivy-db:2` on a machine with "
        "internet, unpack its db.tar.gz into <dir>/db/), or let Trivy download it (no cache dir)."
    )


def updated_at(cache_dir: str | Path) -> dt.datetime | None:
    """When the DB's advisories were last updated (metadata.json `UpdatedAt`), None if unreadable."""
    try:
        meta = json.loads(db_files(cache_dir)[1].read_text(encoding="utf-8"))
        return dt.datetime.fromisoformat(str(meta["UpdatedAt"]).replace("Z", "+00:00"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def offline_args(cache_dir: str | Path) -> list[str]:
    """Trivy flags that use the DB in `cache_dir` as it is and never reach for the network."""
    return ["--cache-dir", str(cache_dir), "--skip-db-update", "--skip-java-db-update", "--offline-scan"]
