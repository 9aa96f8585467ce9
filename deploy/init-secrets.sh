#!/bin/sh
# Creates the secret files docker-compose.yml hands to the services (Compose secrets, mounted under
# /run/secrets/): one fresh random value per file, 48 hex digits. Only missing or empty files are created;
# existing ones are kept, so it is safe to run before every `docker compose up`.
#
#   deploy/init-secrets.sh                 # into deploy/secrets/ (git-ignored)
#   SECRETS_DIR=/srv/apim/secrets deploy/init-secrets.sh   # elsewhere; set SECRETS_DIR in .env too
#
# The services run as uid 1000 and read the files through bind mounts: run this as uid 1000 or as root
# (it then gives the files to uid 1000); mode 0600 either way.
set -eu
dir=${SECRETS_DIR:-$(dirname "$0")/secrets}
umask 077
mkdir -p "$dir"
names='db_password keystore_password admin_password nats_key_manager_password nats_devportal_password nats_cli_password'
for name in $names; do
  if [ -s "$dir/$name" ]; then
    echo "init-secrets: keeping $dir/$name"
    continue
  fi
  # /dev/urandom through od: no openssl needed. Hex, so that the database password needs no URL encoding.
  od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$dir/$name"
  echo "init-secrets: created $dir/$name"
done
if [ "$(id -u)" = 0 ]; then
  for name in $names; do chown 1000:1000 "$dir/$name"; done
  chown 1000:1000 "$dir"
elif [ "$(id -u)" != 1000 ]; then
  echo "init-secrets: warning: the services run as uid 1000 and cannot read files owned by uid $(id -u) with mode 0600;" >&2
  echo "init-secrets: run: sudo chown -R 1000:1000 $dir" >&2
fi
