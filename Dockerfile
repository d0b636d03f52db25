# syntax=docker/dockerfile:1.7
#
# Bosun's container images, built from this one file:
#
#   docker buildx build -t REGISTRY/bosun:TAG .                               (default target)
#   docker buildx build --target mcp-runner -t REGISTRY/bosun-mcp-runner:TAG .
#
# `bosun` is one image whose role is chosen by the command: `bosun controlplane` (the
# chart), `bosun agent --config /config` (agent pods), `bosun tools serve` (the built-in
# tool server), `bosun mcp-bridge -- CMD` (stdio MCP servers behind Streamable HTTP).
# `mcp-runner` is the same image plus Node (npx) and uv (uvx), for MCPServers that run an
# npm or PyPI package over stdio. TAG is the package version (pyproject.toml), which is
# also the chart's appVersion and the translator's default tag: never `latest`.
#
# Base images are build arguments so that a mirror (or an offline stand-in, see
# docs/operator.md "What was verified") can replace them; pin digests in your registry if
# you need reproducible bases.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:22-bookworm-slim
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
# The Helm tools of `bosun tools serve` (helm_list_releases, helm_upgrade ...) run helm.
ARG HELM_IMAGE=alpine/helm:3.19.0

FROM ${UV_IMAGE} AS uv
FROM ${NODE_IMAGE} AS node
FROM ${HELM_IMAGE} AS helm

# ---- ui: the web UI's static build -------------------------------------------------------
# The UI lives in ui/ (Vite). Contract with ui/: `npm ci && npm run build` writes the static
# files to the outDir its vite.config sets, src/bosun/server/ui_dist (ui/dist is also picked
# up); they end up in the installed package as bosun/server/ui_dist, where the control
# plane serves them. ui/ is COPY'd, not bind-mounted: a COPY's files are part of the layer
# cache key in every builder, while buildah/podman `--layers` reused a RUN that
# bind-mounted the context after ui/ had changed, and the image shipped the previous UI.
FROM node AS ui
WORKDIR /work/ui
COPY ui/ ./
RUN set -eu; rm -rf node_modules dist; \
    npm ci --no-audit --no-fund; npm run build; mkdir -p /out/ui; \
    if [ -d /work/ui/dist ]; then cp -a /work/ui/dist/. /out/ui/; \
    elif [ -d /work/src/bosun/server/ui_dist ]; then cp -a /work/src/bosun/server/ui_dist/. /out/ui/; \
    else echo "ui: npm run build wrote neither ui/dist nor src/bosun/server/ui_dist" >&2; exit 1; fi; \
    test -f /out/ui/index.html

# ---- build: the virtual environment, from uv.lock ----------------------------------------
FROM ${PYTHON_IMAGE} AS build
COPY --from=uv /uv /uvx /bin/
# Bytecode compiled at build time (the agent pods start faster and never write .pyc);
# copy mode because the cache and the venv are on different filesystems; the base
# image's Python only (no downloads), in a venv at a fixed path the runtime stage copies.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON=python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Dependencies first: this layer is reused while only Bosun's own code changes.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY README.md hatch_build.py ./
COPY src ./src
# The UI's build goes where the wheel packs it from (pyproject's wheel artifacts); the
# build hook then finds it and does not try npm (which this image has not).
COPY --from=ui /out/ui ./src/bosun/server/ui_dist
# --no-editable: Bosun is installed into the venv as a wheel, so the source tree is not
# needed at run time.
RUN uv sync --frozen --no-dev --no-editable \
 && /app/.venv/bin/bosun version

# ---- runtime: the `bosun` image ----------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
# git: the agents' init step clones skills from git refs (python -m bosun.runtime.skills_fetch).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# A fixed numeric uid, so `runAsNonRoot: true` can be checked by the kubelet.
RUN groupadd --system --gid 10001 bosun \
 && useradd --system --uid 10001 --gid 10001 --home-dir /home/bosun --create-home \
      --shell /usr/sbin/nologin bosun \
 && mkdir -p /data && chown 10001:10001 /data
COPY --from=helm /usr/bin/helm /usr/local/bin/helm
COPY --from=build /app/.venv /app/.venv
# MALLOC_ARENA_MAX=2: glibc's per-thread arenas (the database driver's and anyio's worker
# threads) fragment; two arenas halved the control plane's RSS growth in a soak.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MALLOC_ARENA_MAX=2 \
    BOSUN_DATA_DIR=/data \
    HOME=/home/bosun
WORKDIR /home/bosun
USER 10001:10001
# control plane, agent A2A, built-in tools / mcp-bridge
EXPOSE 8083 8080 8084 3000
ENTRYPOINT ["bosun"]
CMD ["--help"]

# ---- mcp-runner: + Node (npx) and uv (uvx) for stdio MCP servers -------------------------
FROM runtime AS mcp-runner
USER root
# Node's official build (glibc, like the base) and npm, without Debian's older nodejs.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
COPY --from=uv /uv /uvx /usr/local/bin/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && node --version && npx --version && uvx --version
# npx and uvx cache packages under $HOME (writable by the bosun user); uvx may use the
# image's Python 3.11 or download another one if a package needs it.
ENV UV_PYTHON_PREFERENCE=system \
    UV_COMPILE_BYTECODE=0
USER 10001:10001

# ---- default target: the `bosun` image ---------------------------------------------------
FROM runtime AS bosun
