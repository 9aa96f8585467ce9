#!/usr/bin/env bash
# The Compose stack on a real Docker engine (npm run test:compose; .ci/run runs it).
#
#   1. installs and starts the engine and Compose v2 when missing (lib/engine.sh: Debian's docker.io,
#      dockerd started by hand, the Compose plugin from Debian 13's package);
#   2. uses the official base images when a registry answers, local stand-ins otherwise (lib/base-images.sh);
#   3. builds the image from deploy/Dockerfile;
#   4. runs the stack tests (test/deploy/stack/*.spec.ts): each brings docker-compose.yml up under its own
#      project name, checks it, and removes its containers, networks and volumes.
# Exits non-zero when any step or test fails. Needs root on a machine where something must be installed.
#
# Usage: compose-smoke.sh [--prepare]
#   --prepare  steps 1–3 only, leaving the engine running (.ci/run does this beside `npm test`, which
#              replaces node_modules, then runs the whole script: the prepared steps are then quick).
# A dockerd that this script started (now or in a --prepare run) is stopped at the end; an engine
# started otherwise (systemd, Docker Desktop) is left alone.
# Environment: APIM_IMAGE (default apim-token-encryption:test) is the tag built and tested;
# COMPOSE_SMOKE_JEST_ARGS adds arguments to jest (e.g. a test name pattern).
set -euo pipefail
cd "$(dirname "$0")/../.."
. deploy/test/lib/engine.sh
. deploy/test/lib/base-images.sh

prepare_only=false
[ "${1:-}" = "--prepare" ] && prepare_only=true
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started )) s"; }

ensure_engine
if ! $prepare_only; then trap stop_engine EXIT; fi
ensure_compose
log "engine $(docker version --format '{{.Server.Version}}') (API $(engine_api_version)), compose $(docker compose version --short) — $(elapsed)"
ensure_base_images
log "base images: $NODE_IMAGE, $POSTGRES_IMAGE, $NATS_IMAGE — $(elapsed)"

export APIM_IMAGE=${APIM_IMAGE:-apim-token-encryption:test}
log "building $APIM_IMAGE from deploy/Dockerfile"
build_started=$(date +%s)
previous=$(docker image inspect --format '{{.Id}}' "$APIM_IMAGE" 2>/dev/null || true)
# The classic builder: BuildKit's front end would be fetched from a registry. Layers are cached, so an
# unchanged tree rebuilds in seconds.
DOCKER_BUILDKIT=0 docker build -q -f deploy/Dockerfile --build-arg "NODE_IMAGE=$NODE_IMAGE" -t "$APIM_IMAGE" . >/dev/null 2>"$ENGINE_STATE/build.log" \
  || { tail -n 40 "$ENGINE_STATE/build.log" >&2; die "building $APIM_IMAGE failed"; }
log "image $APIM_IMAGE: $(docker image inspect --format '{{.Size}}' "$APIM_IMAGE" | awk '{printf "%.0f MB", $1/1e6}') (built in $(( $(date +%s) - build_started )) s) — $(elapsed)"

# The previous build of the tag (its own layers only; shared ones stay as the new build's cache).
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$APIM_IMAGE")" ]; then
  docker rmi "$previous" >/dev/null 2>&1 || true
fi

if $prepare_only; then log "prepared — $(elapsed)"; exit 0; fi

[ -d node_modules ] || npm ci --no-audit --no-fund
status=0
# shellcheck disable=SC2086
node --experimental-vm-modules node_modules/jest/bin/jest.js --config test/deploy/stack/jest.config.js ${COMPOSE_SMOKE_JEST_ARGS:-} || status=$?

# Safety net: a test that died before its own clean-up leaves its project behind.
leftover=$(docker ps -aq --filter 'label=com.docker.compose.project' | xargs -r docker inspect --format '{{index .Config.Labels "com.docker.compose.project"}}' | grep '^apimtest' | sort -u || true)
for project in $leftover; do
  log "removing leftover project $project"
  filter="label=com.docker.compose.project=$project"
  docker ps -aq --filter "$filter" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network ls -q --filter "$filter" | xargs -r docker network rm >/dev/null 2>&1 || true
  docker volume ls -q --filter "$filter" | xargs -r docker volume rm >/dev/null 2>&1 || true
done

if [ "$status" -ne 0 ]; then die "stack tests failed — $(elapsed)"; fi
log "passed — $(elapsed)"
