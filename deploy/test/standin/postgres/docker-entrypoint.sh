#!/bin/sh
# What the official postgres image's entrypoint does, as far as this stack uses it: on an empty $PGDATA,
# initdb with POSTGRES_USER and POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), scram-sha-256 for TCP
# connections, listen on every address, create POSTGRES_DB; then run the command as the postgres user.
set -eu
if [ "${1:-}" = "postgres" ] || [ "${1#-}" != "${1:-}" ]; then
  [ "${1:-}" = "postgres" ] || set -- postgres "$@"
  user=${POSTGRES_USER:-postgres}
  db=${POSTGRES_DB:-$user}
  if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE"); fi
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE must be set}"
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 0700 "$PGDATA"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp) && printf '%s' "$POSTGRES_PASSWORD" > "$pwfile" && chown postgres "$pwfile"
    setpriv --reuid=postgres --regid=postgres --init-groups \
      initdb --username="$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 -D "$PGDATA" >/dev/null
    rm -f "$pwfile"
    printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.auto.conf"
    printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
    if [ "$db" != "postgres" ]; then
      setpriv --reuid=postgres --regid=postgres --init-groups pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
      setpriv --reuid=postgres --regid=postgres --init-groups psql -v ON_ERROR_STOP=1 -U "$user" -d postgres -q \
        -c "CREATE DATABASE \"$db\""
      setpriv --reuid=postgres --regid=postgres --init-groups pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    fi
    echo "stand-in entrypoint: initialised $PGDATA (user $user, database $db)"
  fi
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi
exec "$@"
