#!/usr/bin/env bash
# Builds the web UI (ui/) into src/bosun/server/ui_dist, where the control plane serves it.
# Skipped when the build is newer than every source file, so `make up` stays fast.
# Needs Node 20+ and npm (the npm registry is the only network it uses).
set -euo pipefail
cd "$(dirname "$0")/.."
dist=src/bosun/server/ui_dist
stamp="$dist/.build-stamp"
if [[ -f "$stamp" ]] && [[ -z "$(find ui -path ui/node_modules -prune -o -type f -newer "$stamp" -print -quit)" ]]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "build-ui: npm not found; install Node.js 20+ to build the web UI (the API works without it)" >&2
  exit 1
fi
echo "bootstrap: building the web UI (npm ci + vite build)" >&2
(cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build) >/dev/null
touch "$stamp"
