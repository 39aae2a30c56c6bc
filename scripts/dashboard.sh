#!/usr/bin/env bash
# The dashboard on the dev stack, in one command: http://127.0.0.1:${PORT:-8000}/ (dev-only sign-in: any email).
#   the dashboard built (scripts/dashboard-build.sh) -> the dev stack brought up once if it never was
#   (scripts/dev-up.sh) -> its PostgreSQL started and migrated -> a deploy worker that applies what you change
#   (`deployer run --stack dev`: the same `pulumi up` as dev-up, rendering to build/manifests/) -> the control
#   plane (`api serve --dev`) serving the API and the dashboard, in the foreground until Ctrl-C, which stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
port="${PORT:-8000}"

bash scripts/venv.sh
bash scripts/dashboard-build.sh >&2
source scripts/engine-env.sh
export PULUMI_BACKEND_URL="file://$root/.state/pulumi"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
export PULUMI_SKIP_CHECKPOINTS="${PULUMI_SKIP_CHECKPOINTS-true}"  # as dev-up.sh: the dev stack is local

if ! pulumi stack ls --json 2>/dev/null | grep -q '"name": *"dev"'; then
  echo "dashboard: the dev stack was never brought up: running scripts/dev-up.sh first" >&2
  bash scripts/dev-up.sh >&2
fi

.venv/bin/python -m launchpad dev-db start --data-dir .state/postgres --port 54329 >&2
database=$(.venv/bin/python -m launchpad dev-db url)
worker=""
cleanup() {
  [ -n "$worker" ] && kill "$worker" 2>/dev/null && wait "$worker" 2>/dev/null
  .venv/bin/python -m launchpad dev-db stop --data-dir .state/postgres >&2
}
trap cleanup EXIT
# Migrations written since the stack's last `up` (the API reads through them).
.venv/bin/python -m launchpad migrate --database-url "$database" >&2

mkdir -p .state/deployer
LAUNCHPAD_DATABASE_URL="$database" .venv/bin/python -m launchpad deployer run --stack dev --project "$root" \
  --home .state/deployer --poll-seconds 5 2>.state/deployer/worker.log &
worker=$!
echo "dashboard: deploy worker $worker (log .state/deployer/worker.log)" >&2
.venv/bin/python -m launchpad api serve --dev --port "$port"
