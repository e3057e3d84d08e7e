#!/usr/bin/env bash
# `nx run <service>:image`: build one worker image with podman from services/Dockerfile, on the
# local stand-in base images, from the same staged context and content-hash tag as the Pulumi
# program (infra/bin/image-context.ts). Writes dist/images/<service>.json (ref, tag, size, time).
# Where podman is absent it says so and builds nothing, except under CI (DARKROOM_REQUIRE_PODMAN=1,
# set by .ci/run), where that fails.
set -euo pipefail
op="${1:?usage: build-image.sh grayscale|watermark|thumbnail}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
if ! command -v podman >/dev/null 2>&1; then
  if [ "${DARKROOM_REQUIRE_PODMAN:-}" = 1 ]; then
    echo "podman is not installed and CI requires the $op image" >&2
    exit 1
  fi
  echo "SKIPPED: podman is not installed, so the $op image is not built" \
    "(apt-get install podman runc debootstrap; .ci/run does this where it can)."
  exit 0
fi
export CONTAINERS_CONF="${CONTAINERS_CONF:-$root/packages/worker-images/containers.conf}"
node="$root/node_modules/.bin/node"
[ -x "$node" ] || node=node
start=$(date +%s.%N)
bases="$(bash "$root/packages/worker-images/bases/build-bases.sh")"
# By image ID, so the content-hash tag changes when a base image is rebuilt differently.
id_of() { podman image inspect --format '{{.Id}}' "$(sed -n "s/^$1=//p" <<<"$bases")"; }
NODE_IMAGE="$(id_of NODE_IMAGE)"
RUNTIME_IMAGE="$(id_of RUNTIME_IMAGE)"
context_json="$("$node" --conditions=@darkroom/source "$root/infra/bin/image-context.ts" "$op" \
  "NODE_IMAGE=$NODE_IMAGE" "RUNTIME_IMAGE=$RUNTIME_IMAGE")"
field() { "$node" -e 'process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))' "$context_json" "$1"; }
tag="$(field tag)"
image="localhost/darkroom-$op:$tag"
# A host that reaches the registry through a TLS-intercepting proxy trusts its CA through npm's
# cafile; hand the same file to the build as a secret (it never lands in a layer).
secret=()
cafile="$(npm config get cafile 2>/dev/null || true)"
if [ -n "$cafile" ] && [ "$cafile" != "null" ] && [ -s "$cafile" ]; then
  secret=(--secret "id=npm_cafile,src=$cafile")
fi
podman build --layers "${secret[@]}" --build-arg "SERVICE=$op" --build-arg "NODE_IMAGE=$NODE_IMAGE" \
  --build-arg "RUNTIME_IMAGE=$RUNTIME_IMAGE" -f "$(field dockerfile)" -t "$image" \
  -t "localhost/darkroom-$op:latest" "$(field context)"
seconds="$("$node" -e "console.log(((Date.now() / 1000) - $start).toFixed(1))")"
size="$(podman image inspect --format '{{.Size}}' "$image")"
id="$(podman image inspect --format '{{.Id}}' "$image")"
mkdir -p "$root/dist/images"
printf '{"operation":"%s","image":"%s","id":"%s","tag":"%s","sizeBytes":%s,"buildSeconds":%s}\n' \
  "$op" "$image" "$id" "$tag" "$size" "$seconds" | tee "$root/dist/images/$op.json"
