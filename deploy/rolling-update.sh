#!/usr/bin/env bash
# Rolling upgrade or restart of one service of the Compose deployment, one replica at a time, with no failed
# request: Compose itself has none (`docker compose up -d` recreates every replica of a service at once).
#
#   docker compose build key-manager          # or pull, or set APIM_IMAGE in .env to the new tag
#   deploy/rolling-update.sh                  # the Key Manager (default)
#   deploy/rolling-update.sh -p apim -f docker-compose.yml -f limits.override.yml   # options for docker compose
#
# For each replica running when it starts: one more replica is created from the service's current image and
# configuration (`up -d --no-deps --no-recreate --scale <service>=N+1`, which leaves the running ones alone);
# once the proxy (deploy/proxy/haproxy.cfg) has it in its rotation — its readiness checks passed, N+1 servers
# up in the backend named after the service — one old replica is stopped with SIGTERM (it finishes its requests and
# drains NATS within stop_grace_period) and removed. The number of replicas is the same at the end.
# A new replica that is not ready within ROLLING_TIMEOUT seconds (default 180) is removed and the script
# stops with status 1, the old replicas still serving. docs/deployment.md#upgrades-without-downtime.
#
# Environment: SERVICE (default key-manager; its proxy backend has the same name), ROLLING_TIMEOUT.
# Every argument is passed to each `docker compose` call, before its command.
set -euo pipefail

service=${SERVICE:-key-manager}
timeout=${ROLLING_TIMEOUT:-180}
compose() { docker compose "$@"; }
opts=("$@")

log() { printf '%s rolling-update: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

running() { compose "${opts[@]}" ps --quiet --status running "$service" | sort; }

# Servers the proxy has up in the service's backend (its Prometheus exporter on the internal port 8404).
proxy_up() {
  compose "${opts[@]}" exec -T proxy wget -qO- http://127.0.0.1:8404/metrics 2>/dev/null \
    | awk -v b="haproxy_backend_active_servers{proxy=\"$service\"}" '$1 == b { print $2 }' | grep . || echo 0
}

health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" 2>/dev/null || echo gone; }

name() { docker inspect --format '{{.Name}}' "$1" | sed 's#^/##'; }

# Waits until the proxy has exactly $1 servers up, or the deadline; true when it does.
wait_proxy() {
  local want=$1 deadline=$(( $(date +%s) + timeout ))
  while [ "$(proxy_up)" != "$want" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 1
  done
}

mapfile -t old < <(running)
n=${#old[@]}
[ "$n" -gt 0 ] || die "no running replica of $service"
log "$n replica(s) of $service to replace"
wait_proxy "$n" || die "the proxy does not have the $n replica(s) of $service up: is it running?"

for id in "${old[@]}"; do
  before=$(running)
  if ! out=$(compose "${opts[@]}" up -d --no-deps --no-recreate --no-build --scale "$service=$((n + 1))" "$service" 2>&1); then
    echo "$out" >&2
    die "docker compose up --scale $service=$((n + 1)) failed"
  fi
  new=$(comm -13 <(echo "$before") <(running) | head -n 1)
  [ -n "$new" ] || die "no new replica of $service was started"
  log "started $(name "$new"); waiting until the proxy's readiness checks pass on it"
  # The proxy checks /health/ready every second while a server's state changes: the endpoint of the
  # container's own health check, which Docker runs only every 10 s on engines before 25.
  deadline=$(( $(date +%s) + timeout ))
  until [ "$(proxy_up)" = "$((n + 1))" ]; do
    state=$(health "$new")
    if [ "$state" = unhealthy ] || [ "$state" = exited ] || [ "$state" = gone ] || [ "$(date +%s)" -ge "$deadline" ]; then
      docker logs --tail 30 "$new" >&2 2>&1 || true
      docker rm -f "$new" >/dev/null 2>&1 || true
      die "$service's new replica did not become ready ($state); removed it, the old replicas still serve"
    fi
    sleep 1
  done
  log "stopping $(name "$id") (SIGTERM: it finishes its requests, then exits)"
  docker stop "$id" >/dev/null
  docker rm "$id" >/dev/null
  # Out of the proxy's rotation before the next step, so the counts above mean what they say.
  wait_proxy "$n" || die "the proxy still counts a stopped replica of $service"
done
log "done: $n replica(s) of $service replaced"
