#!/usr/bin/env bash
# Build the web dashboard (services/dashboard) into services/dashboard/dist, which the API serves.
# Its npm packages are installed once per lockfile and Node version with `npm ci`, outside the clone:
#   ${LAUNCHPAD_CACHE:-~/.cache/agent-launchpad}/dashboard/<key>/node_modules   (linked as services/dashboard/node_modules)
# then TypeScript checks the sources (--check: only that) and esbuild bundles them (build.mjs): a few seconds.
# The control plane's image runs the same two steps in its build stage (launchpad/images/control_plane.py).
set -euo pipefail
cd "$(dirname "$0")/../services/dashboard"
cache="${LAUNCHPAD_CACHE:-$HOME/.cache/agent-launchpad}/dashboard"
key=$( { cat package-lock.json; node --version; } | sha256sum | cut -c1-16)
dir="$cache/$key"
if [ ! -f "$dir/.complete" ]; then
  echo "dashboard: installing npm packages (package-lock.json) into $dir" >&2
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.install-XXXXXX")
  cp package.json package-lock.json "$work/"
  # --ignore-scripts: no package runs code at install (esbuild's postinstall only re-checks its binary).
  (cd "$work" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2)
  touch "$work/.complete"
  # Another build may have finished first: keep whichever is there.
  mv -T "$work" "$dir" 2>/dev/null || rm -rf "$work"
fi
# A real node_modules directory (an `npm install` in place) is left alone; the link is replaced.
if [ -L node_modules ] || [ ! -e node_modules ]; then
  ln -sfn "$dir/node_modules" node_modules
fi
node_modules/.bin/tsc --noEmit -p .
[ "${1:-}" = "--check" ] && exit 0
node build.mjs dist
