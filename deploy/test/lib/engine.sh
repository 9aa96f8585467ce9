# Docker Engine and Compose v2 for the compose tests, installed and started when missing.
# Sourced by deploy/test/compose-smoke.sh; needs root when something must be installed.
#
# On a machine like the CI machine (Debian 12, no systemd, only Debian's archive and the npm registry):
#   - the engine is Debian's docker.io (Docker Engine 20.10), dockerd started in the background by hand;
#   - Compose v2 is not in Debian 12: the plugin binary comes from Debian 13's docker-compose .deb, fetched
#     with a private apt state (its own sources list, lists, cache and status: nothing of Debian 13 is
#     installed) and extracted with dpkg-deb.
# A machine that already has a running engine and `docker compose` v2 is used as it is.

ENGINE_STATE=${ENGINE_STATE:-/var/tmp/apim-compose-engine}
DOCKER_SOCKET=/var/run/docker.sock

log() { printf '%s compose-smoke: %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

engine_answers() {
  curl -fsS --max-time 2 --unix-socket "$DOCKER_SOCKET" http://d/_ping >/dev/null 2>&1
}

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

# The Debian mirror apt already uses (for debootstrap and the private Debian 13 lists).
debian_mirror() {
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | grep -v '^[[:space:]]*#' \
    | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ' || true)
  echo "${m:-http://deb.debian.org/debian}"
}

# Closes every descriptor of the current (sub)shell above 2.
close_inherited_descriptors() {
  local fd
  for fd in /proc/$BASHPID/fd/*; do
    fd=${fd##*/}
    if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
  done
}

ensure_engine() {
  if engine_answers; then return 0; fi
  if ! command -v dockerd >/dev/null 2>&1; then
    log "installing Debian's docker.io (Docker Engine)"
    apt_install docker.io iptables ca-certificates curl
  fi
  command -v curl >/dev/null 2>&1 || apt_install curl
  mkdir -p "$ENGINE_STATE"
  log "starting dockerd (log: $ENGINE_STATE/dockerd.log)"
  # setsid: the daemon outlives this script (later runs reuse it) and is not in its process group. It gets
  # none of this script's other descriptors: a lock the run holds (`flock compose.lock npm run test:compose`
  # passes its locked descriptor down) would otherwise stay held by the daemon, and so by no run, forever.
  (close_inherited_descriptors; exec setsid dockerd --host "unix://$DOCKER_SOCKET" >"$ENGINE_STATE/dockerd.log" 2>&1 < /dev/null) &
  echo $! > "$ENGINE_STATE/dockerd.pid"
  for _ in $(seq 1 120); do
    if engine_answers; then return 0; fi
    sleep 0.5
  done
  tail -n 20 "$ENGINE_STATE/dockerd.log" >&2 || true
  die "dockerd did not answer on $DOCKER_SOCKET within 60 s"
}

# Stops the dockerd that ensure_engine started (containers are gone by then: the tests remove theirs).
stop_engine() {
  local pid; pid=$(cat "$ENGINE_STATE/dockerd.pid" 2>/dev/null || true)
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "dockerd" ] || return 0
  log "stopping the dockerd this run started (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  log "dockerd (pid $pid) still running after 30 s"
}

compose_v2() { docker compose version --short 2>/dev/null | grep -Eq '^v?2\.'; }

ensure_compose() {
  if compose_v2; then return 0; fi
  log "installing Docker Compose v2 (the plugin from Debian 13's docker-compose package)"
  local root="$ENGINE_STATE/trixie-apt" mirror
  mirror=$(debian_mirror)
  mkdir -p "$root/lists/partial" "$root/cache/archives/partial" "$root/etc/preferences.d" "$root/deb"
  : > "$root/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} trixie main" > "$root/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$root/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::Etc::Preferences=$root/etc/preferences"
    -o "Dir::Etc::PreferencesParts=$root/etc/preferences.d" -o "Dir::State::Lists=$root/lists" -o "Dir::State::Status=$root/status"
    -o "Dir::Cache=$root/cache" -o "APT::Architecture=amd64" -o "Debug::NoLocking=1")
  opts+=(-o "APT::Sandbox::User=root")
  apt-get "${opts[@]}" update -qq >/dev/null || die "apt-get update of the private Debian 13 lists failed"
  (cd "$root/deb" && rm -f docker-compose_*.deb && apt-get "${opts[@]}" download docker-compose >/dev/null) \
    || die "downloading Debian 13's docker-compose failed"
  rm -rf "$root/x" && dpkg-deb -x "$root"/deb/docker-compose_*.deb "$root/x"
  install -D -m 0755 "$root/x/usr/libexec/docker/cli-plugins/docker-compose" /usr/local/lib/docker/cli-plugins/docker-compose
  compose_v2 || die "docker compose v2 still missing after installing the plugin"
}

# API version of the running engine, e.g. 1.41 (Docker Engine 20.10).
engine_api_version() { docker version --format '{{.Server.APIVersion}}'; }

# True when the engine is older than Docker Engine 25 (API 1.44), which first accepts healthcheck.start_interval.
engine_before_25() {
  local v; v=$(engine_api_version)
  [ "$(printf '%s\n1.44\n' "$v" | sort -V | head -n 1)" != "1.44" ]
}
