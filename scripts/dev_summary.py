"""The last lines of scripts/dev-up.sh: what the dev stack now holds, in a few lines a person reads."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import psycopg


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", required=True)
    parser.add_argument("--log", type=Path, required=True, help="output of `pulumi up`")
    parser.add_argument("--status", type=int, required=True, help="exit status of `pulumi up`")
    parser.add_argument("--manifests", type=Path, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()

    log = args.log.read_text(errors="replace")
    violations = re.findall(r"^\s*- \[(advisory|mandatory)\]", log, flags=re.M)
    outputs = subprocess.run(
        ["pulumi", "stack", "output", "--json", "--stack", args.stack, "--non-interactive"],
        capture_output=True,
        text=True,
        check=False,
    )
    agents = json.loads(outputs.stdout or "{}").get("agents", {}) if outputs.returncode == 0 else {}
    files = [p for p in args.manifests.rglob("*") if p.is_file()] if args.manifests.exists() else []
    try:
        with psycopg.connect(args.database_url, connect_timeout=5) as conn:
            migrations = conn.execute("select count(*) from supabase_migrations.schema_migrations").fetchone()
            registered = conn.execute("select count(*) from public.agents").fetchone()
        applied, agents_in_db = (migrations or (0,))[0], (registered or (0,))[0]
        database = f"{applied} migration(s) applied, {agents_in_db} agent(s) registered"
    except psycopg.Error as exc:
        database = f"database not reachable ({type(exc).__name__})"

    print()
    print(f"dev stack: {'up to date' if args.status == 0 else f'pulumi up FAILED (exit {args.status})'}")
    print(f"  agents:    {len(agents)} ({', '.join(sorted(agents)) or 'none'})")
    print(f"  manifests: {len(files)} file(s) in {args.manifests}/")
    print(f"  database:  {database}")
    print(
        f"  policies:  {violations.count('mandatory')} mandatory, {violations.count('advisory')} advisory violation(s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
